import { readFile } from 'fs/promises';
import path from 'path';
export const handler = async (event) => {
  const target = path.join('/var/task/public', event.pathParameters.proxy);
  const body = await readFile(target, 'utf8'); // expect: FG-INJ-006
  return { statusCode: 200, body };
};
