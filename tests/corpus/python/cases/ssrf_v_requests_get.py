import requests


def handler(event, context):
    url = event["queryStringParameters"]["url"]
    resp = requests.get(url, timeout=5)  # expect: FG-INJ-007
    return {"statusCode": 200, "body": resp.text}
