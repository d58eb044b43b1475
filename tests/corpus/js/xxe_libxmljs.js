const libxmljs = require('libxmljs');
exports.handler = async (event) => {
  const doc = libxmljs.parseXml(event.body, { noent: true }); // expect: FG-INJ-009
  return { statusCode: 200, body: doc.root().text() };
};
