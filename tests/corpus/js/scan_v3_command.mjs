import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async () => {
  const out = await doc.send(new ScanCommand({ TableName: process.env.TABLE })); // expect: FG-CODE-002
  return out.Items;
};
