exports.handler = (event, context, callback) => {
  try {
    callback(null, { statusCode: 200, body: process(event) });
  } catch (e) {
    callback(null, { statusCode: 500, body: e.stack }); // expect: FG-CODE-003
  }
};
function process() { return 'ok'; }
