const fs = require('fs');
exports.handler = async (event) => {
  const { filename, content } = JSON.parse(event.body);
  const out = fs.createWriteStream('/tmp/uploads/' + filename); // expect: FG-INJ-006
  out.end(content);
};
