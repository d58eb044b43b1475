import * as fs from 'fs';
export function loadTemplate(name: string, _reader: unknown): string {
  const file = `/var/task/templates/${name}.html`;
  return fs.readFileSync(file, 'utf8'); // expect: FG-INJ-006
}
