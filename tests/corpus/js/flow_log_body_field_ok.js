exports.handler = async (event) => {
  const order = JSON.parse(event.body);
  console.log('order received', order.id, order.items.length); // ok: FG-CODE-004
  return { statusCode: 202 };
};
