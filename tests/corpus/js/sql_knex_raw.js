const knex = require('knex')({ client: 'pg' });
exports.handler = async (event) => {
  const sort = event.queryStringParameters.sort;
  const rows = await knex.raw(`SELECT id, name FROM items ORDER BY ${sort} LIMIT 50`); // expect: FG-INJ-004
  return rows;
};
