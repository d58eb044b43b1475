const axios = require('axios');
exports.handler = async (event) => {
  const id = event.pathParameters.id;
  const res = await axios.get(`https://api.example.com/items/${encodeURIComponent(id)}`); // ok: FG-INJ-007
  return { statusCode: 200, body: JSON.stringify(res.data) };
};
