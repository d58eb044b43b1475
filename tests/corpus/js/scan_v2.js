const AWS = require('aws-sdk');
const db = new AWS.DynamoDB.DocumentClient();
exports.handler = async () => {
  const all = await db.scan({ TableName: process.env.TABLE }).promise(); // expect: FG-CODE-002
  return { statusCode: 200, body: JSON.stringify(all.Items) };
};
