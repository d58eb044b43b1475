const mongoose = require('mongoose');
const User = mongoose.model('User');
exports.handler = async (event) => {
  const email = String(event.queryStringParameters.email);
  const user = await User.findOne({ email: email }); // ok: FG-INJ-005
  return { statusCode: 200, body: JSON.stringify(user) };
};
