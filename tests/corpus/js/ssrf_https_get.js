const https = require('https');
exports.handler = (event, context, callback) => {
  const url = event.body;
  https.get(url, (res) => callback(null, { statusCode: res.statusCode })); // expect: FG-INJ-007
};
