exports.handler = (event) => save(event)
  .then(() => ({ statusCode: 201 }))
  .catch((err) => ({ statusCode: 500, body: `failed: ${err}` })); // expect: FG-CODE-003
async function save() {}
