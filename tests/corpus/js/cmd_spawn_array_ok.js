const { spawn } = require('child_process');
exports.handler = async (event) => {
  const name = event.queryStringParameters.name;
  spawn('grep', ['-F', name, '/data/list.txt']); // ok: FG-INJ-001
  return { statusCode: 200 };
};
