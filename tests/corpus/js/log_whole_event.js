exports.handler = async (event) => {
  console.log('received', JSON.stringify(event)); // expect: FG-CODE-004
  return { statusCode: 200 };
};
