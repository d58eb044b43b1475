import requests


def handler(event, context):
    target = event["queryStringParameters"]["callback"]
    notify = lambda payload: requests.post(target, json=payload, timeout=5)  # expect: FG-INJ-007
    notify({"status": "done"})
    return {"statusCode": 202}
