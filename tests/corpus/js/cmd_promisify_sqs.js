const util = require('util');
const { exec } = require('child_process');
const run = util.promisify(exec);
exports.handler = async (event) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body);
    await run(`./scripts/${job.script}.sh`); // expect: FG-INJ-001
  }
};
