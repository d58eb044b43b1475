const nunjucks = require('nunjucks');
exports.render = async (event) => {
  const page = nunjucks.renderString(event.body, { title: 'x' }); // expect: FG-INJ-008
  return { statusCode: 200, body: page };
};
