const { Pool } = require('pg');
const pool = new Pool();
exports.handler = async (event) => {
  const order = event.pathParameters.order;
  const sql = 'SELECT * FROM orders WHERE id = ' + order + ' LIMIT 1';
  const result = await pool.query(sql); // expect: FG-INJ-004
  return result.rows[0];
};
