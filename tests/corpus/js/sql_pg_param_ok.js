const { Pool } = require('pg');
const pool = new Pool();
exports.handler = async (event) => {
  const order = event.pathParameters.order;
  const result = await pool.query('SELECT * FROM orders WHERE id = $1 LIMIT 1', [order]); // ok: FG-INJ-004
  return result.rows[0];
};
