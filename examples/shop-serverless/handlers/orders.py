"""GET /orders/{orderId} (JWT-protected): one order of the signed-in customer.

VULNERABLE ON PURPOSE: logs the whole event, which carries the caller's bearer
token and personal data (D4).
"""

import json
import logging
import os

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)
table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def get_order(event, context):
    logger.info("event: %s", json.dumps(event))
    order_id = event["pathParameters"]["orderId"]
    customer = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    item = table.get_item(Key={"orderId": order_id}).get("Item")
    if not item or item.get("customerId") != customer:
        return {"statusCode": 404, "body": json.dumps({"error": "not found"})}
    return {"statusCode": 200, "body": json.dumps(item, default=str)}
