exports.handler = async (event) => {
  return save(event).catch((err) => {
    console.error(err);
    return { statusCode: 500, body: 'try again later' }; // ok: FG-CODE-003
  });
};
async function save() {}
