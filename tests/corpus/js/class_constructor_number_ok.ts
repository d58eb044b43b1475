import { execSync } from 'child_process';

class Signal {
  private pid: number;
  constructor(pid: string) {
    this.pid = parseInt(pid, 10);
  }
  send() {
    return execSync(`kill -HUP ${this.pid}`); // ok: FG-INJ-001
  }
}

export const handler = async (event: any) => {
  new Signal(event.pathParameters.pid).send();
  return { statusCode: 204 };
};
