const { exec } = require('child_process');
exports.handler = async (event) => {
  console.info('cleanup requested', event.requestContext.requestId);
  exec('rm -rf /tmp/cache'); // ok: FG-INJ-001
};
