import json

from walker import walk


def handler(event, context):
    tree = json.loads(event["body"])
    walk(tree, 0)
    return {"statusCode": 200}
