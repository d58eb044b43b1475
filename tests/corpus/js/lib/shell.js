const { execSync } = require('child_process');
function command(name) {
  return `pg_dump ${name}`;
}
async function backup(name) {
  execSync(command(name)); // expect: FG-INJ-001
}
module.exports = { backup };
