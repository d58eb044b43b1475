"""POST /checkout: charge the basket and queue the order for fulfilment.

VULNERABLE ON PURPOSE:
- logs the whole event, card details included (D4);
- returns the exception text, which can carry the payment provider's key or
  internal host names, to the caller (D3);
- the payment key comes from a plain-text environment variable (B3, in template.yaml).
"""

import json
import os
import urllib.request
import uuid

import boto3

sqs = boto3.client("sqs")


def charge(amount_cents: int, token: str) -> dict:
    request = urllib.request.Request(
        "https://payments.example.com/v1/charges",
        data=json.dumps({"amount": amount_cents, "source": token}).encode(),
        headers={"Authorization": f"Bearer {os.environ['STRIPE_SECRET_KEY']}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def checkout(event, context):
    print("checkout request:", json.dumps(event))
    try:
        basket = json.loads(event["body"])
        receipt = charge(int(basket["total"]), basket["cardToken"])
        order_id = str(uuid.uuid4())
        sqs.send_message(
            QueueUrl=os.environ["ORDERS_QUEUE_URL"],
            MessageBody=json.dumps({"orderId": order_id, "items": basket["items"],
                                    "receipt": receipt["id"]}),
        )
    except Exception as e:
        return {"statusCode": 500, "body": json.dumps({"error": f"checkout failed: {e}"})}
    return {"statusCode": 201, "body": json.dumps({"orderId": order_id})}
