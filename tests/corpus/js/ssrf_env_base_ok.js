const fetch = require('node-fetch');
const BASE = process.env.BACKEND_URL;
exports.handler = async (event) => {
  const res = await fetch(`${BASE}/users/${event.pathParameters.user}`); // ok: FG-INJ-007
  return { statusCode: res.status };
};
