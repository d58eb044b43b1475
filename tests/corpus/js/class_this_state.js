const { exec } = require('child_process');

class Handler {
  async handle(event) {
    this.command = event.body;
    return this.run();
  }

  run() {
    exec(this.command); // expect: FG-INJ-001
    return { statusCode: 200 };
  }
}

const h = new Handler();
exports.handler = (e) => h.handle(e);
