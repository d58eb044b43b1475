const cp = require('child_process');
module.exports.handler = async (event) => {
  const { file } = JSON.parse(event.body);
  const out = cp.execSync('convert ' + file + ' out.png'); // expect: FG-INJ-001
  return { statusCode: 200, body: out.toString() };
};
