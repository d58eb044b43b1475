const { DynamoDBClient, ScanCommand } = require('@aws-sdk/client-dynamodb');
const client = new DynamoDBClient({});
exports.handler = async (event) => {
  const page = await client.send(new ScanCommand({ TableName: 'audit', Limit: 25 })); // ok: FG-CODE-002
  return page.Items;
};
