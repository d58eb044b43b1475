exports.handler = async (event) => {
  console.debug('headers', event.headers); // expect: FG-CODE-004
  return { statusCode: 200 };
};
