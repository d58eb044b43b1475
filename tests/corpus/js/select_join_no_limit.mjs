import mysql from 'mysql2/promise';
const REPORT_SQL = `SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id`; // expect: FG-CODE-001
export const handler = async () => {
  const conn = await mysql.createConnection({});
  const [rows] = await conn.query(REPORT_SQL);
  return rows;
};
