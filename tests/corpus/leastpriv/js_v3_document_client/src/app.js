const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { DynamoDBDocumentClient, GetCommand, UpdateCommand } = require("@aws-sdk/lib-dynamodb");
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
exports.handler = async (event) => {
  const found = await ddb.send(new GetCommand({ TableName: process.env.TABLE, Key: { id: event.id } }));
  await ddb.send(new UpdateCommand({ TableName: process.env.TABLE, Key: { id: event.id },
    UpdateExpression: "SET seen = :t", ExpressionAttributeValues: { ":t": true } }));
  return found.Item;
};
