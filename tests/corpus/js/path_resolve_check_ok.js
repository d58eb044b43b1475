const fs = require('fs');
const path = require('path');
const ROOT = '/opt/static';
exports.handler = async (event) => {
  const full = path.resolve(ROOT, event.pathParameters.file);
  if (!full.startsWith(ROOT + path.sep)) {
    return { statusCode: 403 };
  }
  return { statusCode: 200, body: fs.readFileSync(full, 'utf8') }; // ok: FG-INJ-006
};
