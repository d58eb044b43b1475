const { MongoClient } = require('mongodb');
const client = new MongoClient(process.env.MONGO_URL);
exports.handler = async (event) => {
  const age = event.queryStringParameters.age;
  const users = client.db('app').collection('users');
  return users.find({ $where: `this.age > ${age}` }).toArray(); // expect: FG-INJ-005
};
