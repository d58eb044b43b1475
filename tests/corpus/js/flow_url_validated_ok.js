const axios = require('axios');
exports.handler = async (event) => {
  const next = event.queryStringParameters.next;
  if (!next.startsWith('https://status.example.com/')) {
    return { statusCode: 400 };
  }
  const res = await axios.get(next); // ok: FG-INJ-007
  return { statusCode: 200, body: res.data };
};
