const mysql = require('mysql2/promise');
exports.handler = async () => {
  const conn = await mysql.createConnection({});
  const [rows] = await conn.execute('SELECT COUNT(*) AS n FROM orders'); // ok: FG-CODE-001
  return rows[0].n;
};
