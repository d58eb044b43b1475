const fs = require('fs/promises');
const path = require('path');

class Reports {
  static async read(name) {
    const file = path.basename(name);
    return fs.readFile(path.join('/opt/reports', file), 'utf8'); // ok: FG-INJ-006
  }
}

exports.handler = async (event) => {
  const body = await Reports.read(event.queryStringParameters.report);
  return { statusCode: 200, body };
};
