const { exec } = require('child_process');

class Handler {
  async handle(event) {
    const host = event.queryStringParameters.host;
    exec(`ping -c 1 ${host}`); // expect: FG-INJ-001
    return { statusCode: 200 };
  }
}

const h = new Handler();
exports.handler = h.handle.bind(h);
