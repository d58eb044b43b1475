import requests


def handler(event, context):
    item = event["pathParameters"]["id"]
    resp = requests.get(f"https://api.example.com/items/{item}", timeout=5)  # ok: FG-INJ-007
    return {"statusCode": resp.status_code, "body": resp.text}
