module.exports = { info: (...args) => console.info(...args) };
