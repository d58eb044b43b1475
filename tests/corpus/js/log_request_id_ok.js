exports.handler = async (event, context) => {
  console.log('request', context.awsRequestId, event.requestContext.http.method); // ok: FG-CODE-004
  console.log('host', event.headers.host); // ok: FG-CODE-004
  return { statusCode: 200 };
};
