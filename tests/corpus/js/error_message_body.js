exports.handler = async (event) => {
  try {
    return { statusCode: 200, body: JSON.stringify(await work(event)) };
  } catch (err) {
    return { statusCode: 500, body: JSON.stringify({ error: err.message }) }; // expect: FG-CODE-003
  }
};
async function work() { return 1; }
