const { exec } = require('child_process');
exports.handler = async (event) => {
  let cmd = event.body;
  cmd = 'date';
  exec(cmd); // ok: FG-INJ-001
};
