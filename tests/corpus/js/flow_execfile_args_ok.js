const { execFile } = require('child_process');
exports.handler = async (event) => {
  const file = event.queryStringParameters.file;
  execFile('/usr/bin/file', ['--brief', file], () => {}); // ok: FG-INJ-001
};
