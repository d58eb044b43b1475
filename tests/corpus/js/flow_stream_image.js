const { Pool } = require('pg');
const pool = new Pool();
exports.handler = async (event) => {
  for (const record of event.Records) {
    const name = record.dynamodb.NewImage.name.S;
    await pool.query("UPDATE stats SET n = n + 1 WHERE name = '" + name + "'"); // expect: FG-INJ-004
  }
};
