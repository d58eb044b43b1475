exports.handler = async (event) => {
  try {
    await run(event);
    return { statusCode: 204 };
  } catch (error) {
    const body = JSON.stringify(error); // expect: FG-CODE-003
    return { statusCode: 500, body };
  }
};
async function run() {}
