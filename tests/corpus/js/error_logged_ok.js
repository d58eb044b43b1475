exports.handler = async (event) => {
  try {
    await run(event);
    return { statusCode: 204 };
  } catch (err) {
    console.error('run failed', err.stack);
    return { statusCode: 500, body: JSON.stringify({ error: 'internal error' }) }; // ok: FG-CODE-003
  }
};
async function run() {}
