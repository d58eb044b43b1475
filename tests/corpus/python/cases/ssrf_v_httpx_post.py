import json

import httpx


def handler(event, context):
    body = json.loads(event["body"])
    httpx.post(body["callback_url"], json={"ok": True})  # expect: FG-INJ-007
    return {"statusCode": 202}
