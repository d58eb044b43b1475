exports.handler = require('./lib/handlers').render;
