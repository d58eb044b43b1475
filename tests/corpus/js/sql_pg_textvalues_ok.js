const { Client } = require('pg');
exports.handler = async (event) => {
  const client = new Client();
  await client.connect();
  const { name } = JSON.parse(event.body);
  await client.query({ text: 'INSERT INTO tags(name) VALUES($1)', values: [name] }); // ok: FG-INJ-004
  return { statusCode: 201 };
};
