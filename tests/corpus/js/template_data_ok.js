const pug = require('pug');
const page = pug.compile('p Hello #{name}');
exports.handler = async (event) => {
  const html = page({ name: event.queryStringParameters.name }); // ok: FG-INJ-008
  return { statusCode: 200, body: html };
};
