// Function URL: export orders as CSV, filtered by an expression the caller sends.
//
// VULNERABLE ON PURPOSE (see examples/README.md):
// - the function URL has no authentication (template.yaml `FunctionUrlConfig: AuthType: NONE`) (A4, C1);
// - the `filter` query parameter is evaluated as JavaScript (D1, code injection);
// - the error message and stack go back to the caller (D3).
"use strict";

const { DynamoDBClient, ScanCommand } = require("@aws-sdk/client-dynamodb");
const { unmarshall } = require("@aws-sdk/util-dynamodb");

const client = new DynamoDBClient({});

exports.handler = async (event) => {
  const params = event.queryStringParameters || {};
  try {
    const result = await client.send(new ScanCommand({ TableName: process.env.ORDERS_TABLE }));
    const orders = result.Items.map((item) => unmarshall(item));
    const keep = params.filter ? eval("(order) => " + params.filter) : () => true;
    const rows = orders.filter(keep).map((o) => [o.orderId, o.customerId, o.total].join(","));
    return { statusCode: 200, headers: { "content-type": "text/csv" }, body: rows.join("\n") };
  } catch (err) {
    return { statusCode: 500, body: JSON.stringify({ error: err.message, stack: err.stack }) };
  }
};
