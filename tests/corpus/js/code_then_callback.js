async function load(event) {
  return event.body;
}
exports.handler = async (event) => {
  return load(event).then((text) => eval(text)); // expect: FG-INJ-002
};
