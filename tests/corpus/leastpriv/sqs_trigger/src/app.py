import json
def handler(event, context):
    return [json.loads(r["body"]) for r in event["Records"]]
