const mysql = require('mysql2/promise');
exports.handler = async (event) => {
  const conn = await mysql.createConnection({ host: process.env.DB_HOST });
  const email = event.queryStringParameters.email;
  const [rows] = await conn.query(`SELECT id FROM users WHERE email = '${email}' LIMIT 1`); // expect: FG-INJ-004
  return { statusCode: 200, body: JSON.stringify(rows) };
};
