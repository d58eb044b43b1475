import json


def error(status, message):
    return {"statusCode": status, "body": json.dumps({"error": message})}
