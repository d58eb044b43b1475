const mongoose = require('mongoose');
const User = mongoose.model('User');
exports.handler = async (event) => {
  const filter = JSON.parse(event.body);
  const user = await User.findOne(filter); // expect: FG-INJ-005
  return { statusCode: 200, body: JSON.stringify(user) };
};
