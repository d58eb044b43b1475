const Handlebars = require('handlebars');
exports.handler = async (event) => {
  const tpl = Handlebars.compile(event.body); // expect: FG-INJ-008
  return tpl({ user: 'x' });
};
