const { exec } = require('child_process');
exports.handler = async ({ queryStringParameters }) => {
  const { branch } = queryStringParameters;
  exec(['git', 'checkout', branch].join(' ')); // expect: FG-INJ-001
};
