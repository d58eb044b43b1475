exports.handler = (event, context, callback) => {
  const code = event.body;
  setTimeout('process(' + code + ')', 10); // expect: FG-INJ-002
  callback(null, { statusCode: 202 });
};
