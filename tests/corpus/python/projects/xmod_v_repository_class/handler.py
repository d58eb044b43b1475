import json

from store.db import Repository


def handler(event, context):
    body = json.loads(event["body"])
    rows = Repository().find_by_name(body["name"])
    return {"statusCode": 200, "body": json.dumps(rows)}
