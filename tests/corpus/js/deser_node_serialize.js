const serialize = require('node-serialize');
exports.handler = async (event) => {
  const cookie = Buffer.from(event.headers.cookie, 'base64').toString();
  const profile = serialize.unserialize(cookie); // expect: FG-INJ-003
  return { statusCode: 200, body: profile.name };
};
