const vm = require('vm');
exports.handler = async (event) => {
  const { script } = JSON.parse(event.body);
  const sandbox = { result: null };
  vm.runInNewContext(script, sandbox); // expect: FG-INJ-002
  return sandbox.result;
};
