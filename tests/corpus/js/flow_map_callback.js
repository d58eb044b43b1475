const fs = require('fs');
exports.handler = async (event) => {
  const names = JSON.parse(event.body).files;
  const contents = names.map((n) => fs.readFileSync('/data/' + n, 'utf8')); // expect: FG-INJ-006
  return contents.join('\n');
};
