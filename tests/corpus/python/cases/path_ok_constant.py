import json


def handler(event, context):
    with open("/var/task/config.json") as fh:  # ok: FG-INJ-006
        config = json.load(fh)
    return {"statusCode": 200, "body": config.get(event["rawPath"], "")}
