exports.handler = async (event) => {
  const { webhook } = JSON.parse(event.body);
  const res = await fetch(webhook, { method: 'POST' }); // expect: FG-INJ-007
  return { statusCode: res.status };
};
