import { execSync } from 'child_process';

class Job {
  private cmd: string;
  constructor(cmd: string) {
    this.cmd = cmd;
  }
  run() {
    return execSync(this.cmd); // expect: FG-INJ-001
  }
}

export const handler = async (event: any) => {
  const job = new Job(event.body);
  job.run();
  return { statusCode: 200 };
};
