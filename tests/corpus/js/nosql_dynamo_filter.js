const AWS = require('aws-sdk');
const ddb = new AWS.DynamoDB.DocumentClient();
exports.handler = async (event) => {
  const field = event.queryStringParameters.field;
  const params = {
    TableName: process.env.TABLE,
    KeyConditionExpression: 'pk = :pk',
    FilterExpression: `${field} = :v`, // expect: FG-INJ-005
    ExpressionAttributeValues: { ':pk': 'user', ':v': event.queryStringParameters.value },
  };
  return ddb.query(params).promise();
};
