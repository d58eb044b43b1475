exports.handler = async (event) => {
  const { tokenType, hasPassword } = JSON.parse(event.body);
  console.log('login', { tokenType, hasPassword }); // ok: FG-CODE-004
  return { statusCode: 200 };
};
