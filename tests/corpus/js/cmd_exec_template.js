const { exec } = require('child_process');
exports.handler = async (event) => {
  const host = event.queryStringParameters.host;
  exec(`ping -c 1 ${host}`, () => {}); // expect: FG-INJ-001
  return { statusCode: 200 };
};
