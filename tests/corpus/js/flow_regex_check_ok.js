const { exec } = require('child_process');
exports.handler = async (event) => {
  const ver = event.queryStringParameters.version;
  if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(ver)) {
    throw new Error('bad version');
  }
  exec(`npm view mypkg@${ver}`); // ok: FG-INJ-001
};
