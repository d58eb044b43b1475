const DEFAULTS = '({ retries: 3 })';
exports.handler = async (event) => {
  const cfg = eval(DEFAULTS); // ok: FG-INJ-002
  return { retries: cfg.retries, id: event.id };
};
