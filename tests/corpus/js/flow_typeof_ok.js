const { Pool } = require('pg');
const pool = new Pool();
exports.handler = async (event) => {
  const { limit } = JSON.parse(event.body);
  if (typeof limit !== 'number') return { statusCode: 400 };
  return pool.query(`SELECT id FROM t ORDER BY id LIMIT ${limit}`); // ok: FG-INJ-004
};
