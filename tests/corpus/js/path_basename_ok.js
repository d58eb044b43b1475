const fs = require('fs');
const path = require('path');
exports.handler = async (event) => {
  const name = path.basename(event.queryStringParameters.file);
  const data = fs.readFileSync(path.join('/opt/reports', name), 'utf8'); // ok: FG-INJ-006
  return { statusCode: 200, body: data };
};
