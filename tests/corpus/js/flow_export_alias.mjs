import { execSync } from 'child_process';
async function main(event) {
  const repo = event.detail.repository;
  return execSync(`git clone ${repo}`).toString(); // expect: FG-INJ-001
}
export { main as handler };
