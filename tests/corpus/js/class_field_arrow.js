const mysql = require('mysql2/promise');

class OrdersApi {
  table = 'orders';

  list = async (event) => {
    const db = await mysql.createConnection(process.env.DB_URL);
    const owner = event.pathParameters.owner;
    const [rows] = await db.query(`SELECT id FROM ${this.table} WHERE owner = '${owner}' LIMIT 20`); // expect: FG-INJ-004
    return { statusCode: 200, body: JSON.stringify(rows) };
  };
}

const api = new OrdersApi();
module.exports.handler = api.list;
