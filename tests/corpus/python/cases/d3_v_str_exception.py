import json


def handler(event, context):
    try:
        order = json.loads(event["body"])
        return {"statusCode": 200, "body": order["id"]}
    except Exception as e:
        return {"statusCode": 500, "body": str(e)}  # expect: FG-CODE-003
