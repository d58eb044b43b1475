exports.handler = async (event) => {
  const { username, password } = JSON.parse(event.body);
  console.log('login attempt', username, password); // expect: FG-CODE-004
  return { statusCode: 200 };
};
