const { Pool } = require('pg');
const pool = new Pool();
exports.handler = async () => {
  const res = await pool.query('SELECT id, name FROM customers ORDER BY id LIMIT 100'); // ok: FG-CODE-001
  return res.rows;
};
