import { Sequelize } from 'sequelize';
const sequelize = new Sequelize(process.env.DB_URL as string);
export async function handler(event: { body: string }) {
  const { user } = JSON.parse(event.body);
  return sequelize.query(`DELETE FROM sessions WHERE user_name = '${user}'`); // expect: FG-INJ-004
}
