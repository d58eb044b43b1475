const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, QueryCommand } = require('@aws-sdk/lib-dynamodb');
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
exports.handler = async (event) => {
  const user = event.pathParameters.user;
  return doc.send(new QueryCommand({
    TableName: process.env.TABLE,
    KeyConditionExpression: 'pk = :pk', // ok: FG-INJ-005
    ExpressionAttributeValues: { ':pk': user },
  }));
};
