import json

from responses import error


def handler(event, context):
    try:
        return {"statusCode": 200, "body": json.loads(event["body"])["id"]}
    except Exception as exc:
        return error(500, repr(exc))  # expect: FG-CODE-003
