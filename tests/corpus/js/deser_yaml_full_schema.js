const yaml = require('js-yaml');
exports.handler = async (event) => {
  const doc = yaml.load(event.body, { schema: yaml.DEFAULT_FULL_SCHEMA }); // expect: FG-INJ-003
  return { statusCode: 200, body: JSON.stringify(doc) };
};
