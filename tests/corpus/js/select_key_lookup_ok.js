const { Pool } = require('pg');
const pool = new Pool();
exports.handler = async (event) => {
  const res = await pool.query('SELECT * FROM orders WHERE id = $1', [event.pathParameters.id]); // ok: FG-CODE-001
  return res.rows[0];
};
