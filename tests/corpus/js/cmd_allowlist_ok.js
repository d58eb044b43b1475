const { exec } = require('child_process');
const TOOLS = ['uptime', 'df', 'free'];
exports.handler = async (event) => {
  const tool = event.queryStringParameters.tool;
  if (!TOOLS.includes(tool)) {
    return { statusCode: 400 };
  }
  exec(tool); // ok: FG-INJ-001
  return { statusCode: 200 };
};
