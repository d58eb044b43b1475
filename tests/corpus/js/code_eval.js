exports.handler = async (event) => {
  const expr = event.queryStringParameters.expr;
  const result = eval(expr); // expect: FG-INJ-002
  return { statusCode: 200, body: String(result) };
};
