const AWS = require("aws-sdk");
const db = new AWS.DynamoDB.DocumentClient();
exports.handler = async (event) => {
  const out = await db.query({ TableName: process.env.TABLE,
    KeyConditionExpression: "id = :id", ExpressionAttributeValues: { ":id": event.id } }).promise();
  return out.Items;
};
