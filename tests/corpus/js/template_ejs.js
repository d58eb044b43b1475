const ejs = require('ejs');
exports.handler = async (event) => {
  const { greeting } = JSON.parse(event.body);
  const html = ejs.render('<h1>' + greeting + '</h1>', {}); // expect: FG-INJ-008
  return { statusCode: 200, headers: { 'content-type': 'text/html' }, body: html };
};
