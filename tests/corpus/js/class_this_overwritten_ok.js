const { exec } = require('child_process');

class Handler {
  async handle(event) {
    this.requested = event.body;
    this.command = 'uptime';
    return this.run();
  }

  run() {
    exec(this.command); // ok: FG-INJ-001
    return { statusCode: 200, body: this.requested.length };
  }
}

const h = new Handler();
exports.handler = (e) => h.handle(e);
