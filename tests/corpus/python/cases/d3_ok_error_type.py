import json


def handler(event, context):
    try:
        return {"statusCode": 200, "body": json.loads(event["body"])["id"]}
    except (ValueError, KeyError) as e:
        return {"statusCode": 400, "body": json.dumps({"error": type(e).__name__})}  # ok: FG-CODE-003
