const _ = require('lodash');
exports.handler = async (event) => {
  const render = _.template(event.queryStringParameters.t); // expect: FG-INJ-008
  return { statusCode: 200, body: render({}) };
};
