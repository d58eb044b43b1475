const libxmljs = require('libxmljs2');
exports.handler = async (event) => {
  const doc = libxmljs.parseXml(event.body); // ok: FG-INJ-009
  return { statusCode: 200, body: doc.root().name() };
};
