import json
import os


def handler(event, context):
    items = json.loads(event["body"])["items"]
    sizes = sorted(items, key=lambda item: len(item))
    check = lambda: os.system("/opt/bin/healthcheck --quiet")  # ok: FG-INJ-001
    check()
    return {"statusCode": 200, "body": json.dumps(sizes)}
