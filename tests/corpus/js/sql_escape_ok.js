const mysql = require('mysql');
const connection = mysql.createConnection({});
exports.handler = async (event) => {
  const name = mysql.escape(event.queryStringParameters.name);
  connection.query(`SELECT * FROM people WHERE name = ${name} LIMIT 10`); // ok: FG-INJ-004
};
