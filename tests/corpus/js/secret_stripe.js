const Stripe = require('stripe');
const stripe = Stripe('sk_live_51H8xQ2Lk9vTzR4mNcY7pWqA3bD6eF0gH'); // expect: FG-SEC-005
exports.handler = async () => stripe.balance.retrieve();
