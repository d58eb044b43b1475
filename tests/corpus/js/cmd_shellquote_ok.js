const { exec } = require('child_process');
const { quote } = require('shell-quote');
exports.handler = async (event) => {
  const dir = quote([event.body]);
  exec('ls -la ' + dir); // ok: FG-INJ-001
};
