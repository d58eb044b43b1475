const { exec } = require('child_process');
exports.handler = async (event) => {
  const message = JSON.parse(event.Records[0].Sns.Message);
  const opts = { ...message, retries: 3 };
  exec('notify --to ' + opts.recipient); // expect: FG-INJ-001
};
