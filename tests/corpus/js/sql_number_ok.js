const mysql = require('mysql');
const connection = mysql.createConnection({});
exports.handler = (event, context, callback) => {
  const id = Number(event.pathParameters.id);
  connection.query('SELECT * FROM items WHERE id = ' + id + ' LIMIT 1', (err, rows) => { // ok: FG-INJ-004
    callback(null, { statusCode: 200, body: JSON.stringify(rows) });
  });
};
