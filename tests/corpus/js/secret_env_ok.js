const API_KEY = process.env.API_KEY; // ok: FG-SEC-005
const HEADER = 'x-api-key'; // ok: FG-SEC-005
exports.handler = async () => ({ statusCode: 200, headers: { [HEADER]: API_KEY ? 'set' : 'unset' } });
