const { backup } = require('./lib/shell');
exports.handler = async (event) => {
  const target = event.detail.target;
  await backup(target);
  return 'done';
};
