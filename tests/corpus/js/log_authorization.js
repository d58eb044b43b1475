const logger = require('./lib/logger');
exports.handler = async (event) => {
  logger.info('auth header', event.headers.Authorization); // expect: FG-CODE-004
  return { statusCode: 200 };
};
