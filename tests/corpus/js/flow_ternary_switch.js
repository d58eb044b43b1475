const vm = require('vm');
exports.handler = async (event) => {
  let code;
  switch (event.queryStringParameters.mode) {
    case 'custom':
      code = event.queryStringParameters.code;
      break;
    default:
      code = '1 + 1';
  }
  const src = code ? code : '0';
  return vm.runInThisContext(src); // expect: FG-INJ-002
};
