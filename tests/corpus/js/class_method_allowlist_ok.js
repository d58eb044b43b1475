const { exec } = require('child_process');

const TOOLS = ['uptime', 'df', 'free'];

class Handler {
  async handle(event) {
    const tool = event.queryStringParameters.tool;
    if (!TOOLS.includes(tool)) {
      return { statusCode: 400 };
    }
    exec(tool); // ok: FG-INJ-001
    return { statusCode: 200 };
  }
}

const h = new Handler();
exports.handler = h.handle.bind(h);
