const mysql = require('mysql2');
const pool = mysql.createPool({});
exports.handler = async (event) => {
  const { email } = JSON.parse(event.body);
  const [rows] = await pool.promise().execute('SELECT id FROM users WHERE email = ? LIMIT 1', [email]); // ok: FG-INJ-004
  return rows;
};
