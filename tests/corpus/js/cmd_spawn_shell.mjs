import { spawn } from 'node:child_process';
export const handler = async (event) => {
  const args = event.pathParameters.args;
  spawn('tar', ['-xf', args], { shell: true }); // expect: FG-INJ-001
  return { ok: true };
};
