"""SQS consumer: record each paid order for the warehouse.

VULNERABLE ON PURPOSE: the message body, written by another function, is trusted
and pasted into SQL (A2 data from another function used unvalidated; D1).
"""

import json

from db import connect


def fulfil_order(event, context):
    db = connect()
    for record in event["Records"]:
        order = json.loads(record["body"])
        for item in order["items"]:
            db.execute(
                f"INSERT INTO picks (order_id, sku, qty) "
                f"VALUES ('{order['orderId']}', '{item['sku']}', {item['qty']})"
            )
    db.commit()
    return {"batchItemFailures": []}
