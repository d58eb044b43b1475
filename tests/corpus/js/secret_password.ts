const DB_PASSWORD = "hunter2-Q8vLz3Rk"; // expect: FG-SEC-005
export const handler = async () => ({ statusCode: 200, body: DB_PASSWORD.length.toString() });
