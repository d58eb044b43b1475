import type { APIGatewayProxyEvent } from 'aws-lambda';
export const handler = async (event: APIGatewayProxyEvent) => {
  const body = JSON.parse(event.body ?? '{}') as { formula: string };
  const fn = new Function('x', `return ${body.formula};`); // expect: FG-INJ-002
  return { statusCode: 200, body: JSON.stringify(fn(2)) };
};
