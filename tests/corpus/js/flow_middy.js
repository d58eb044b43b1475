const middy = require('@middy/core');
const jsonBodyParser = require('@middy/http-json-body-parser');
const fs = require('fs');
const base = async (event) => {
  const { path: p } = event.body;
  return { statusCode: 200, body: fs.readFileSync(p, 'utf8') }; // expect: FG-INJ-006
};
module.exports.handler = middy(base).use(jsonBodyParser());
