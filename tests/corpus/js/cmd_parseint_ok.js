const { execSync } = require('child_process');
exports.handler = async (event) => {
  const lines = parseInt(event.queryStringParameters.lines, 10);
  execSync(`tail -n ${lines} /var/log/app.log`); // ok: FG-INJ-001
  return { statusCode: 200 };
};
