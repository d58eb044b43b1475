import json


def handler(event, context):
    names = json.loads(event["body"])["files"]
    contents = list(map(lambda name: open("/tmp/" + name).read(), names))  # expect: FG-INJ-006
    return {"statusCode": 200, "body": json.dumps(contents)}
