const axios = require('axios');
exports.handler = async (event) => {
  const target = event.queryStringParameters.url;
  const res = await axios({ method: 'get', url: target }); // expect: FG-INJ-007
  return { statusCode: 200, body: res.data };
};
