const fs = require('fs');
exports.handler = async (event) => {
  const name = event.queryStringParameters.file;
  const data = fs.readFileSync('/opt/reports/' + name, 'utf8'); // expect: FG-INJ-006
  return { statusCode: 200, body: data };
};
