import json
import traceback


def handler(event, context):
    try:
        return {"statusCode": 200, "body": json.dumps(process(event))}
    except Exception:
        return {"statusCode": 500, "body": traceback.format_exc()}  # expect: FG-CODE-003


def process(event):
    return json.loads(event["body"])
