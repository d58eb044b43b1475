const { Pool } = require('pg');
const pool = new Pool();
exports.handler = async () => {
  const res = await pool.query('SELECT id, name, email FROM customers'); // expect: FG-CODE-001
  return res.rows;
};
