import got from 'got';
export const handler = async (event: { queryStringParameters: Record<string, string> }) => {
  const avatar = event.queryStringParameters.avatar;
  const image = await got(avatar).buffer(); // expect: FG-INJ-007
  return { statusCode: 200, body: image.toString('base64'), isBase64Encoded: true };
};
