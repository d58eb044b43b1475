const { DynamoDBClient, ExecuteStatementCommand } = require('@aws-sdk/client-dynamodb');
const client = new DynamoDBClient({});
exports.handler = async (event) => {
  const { id } = JSON.parse(event.body);
  await client.send(new ExecuteStatementCommand({
    Statement: `SELECT * FROM "orders" WHERE id = '${id}'`, // expect: FG-INJ-005
  }));
};
