const fs = require('fs');
exports.handler = async (event) => {
  const page = Number.parseInt(event.queryStringParameters.page, 10);
  return fs.readFileSync(`/data/page-${page}.json`, 'utf8'); // ok: FG-INJ-006
};
