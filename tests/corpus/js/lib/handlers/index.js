const { render } = require('./render');
module.exports = { render };
