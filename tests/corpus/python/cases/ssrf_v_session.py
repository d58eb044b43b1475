import requests

session = requests.Session()


def handler(event, context):
    target = event["queryStringParameters"]["feed"]
    data = session.get(target, timeout=5).json()  # expect: FG-INJ-007
    return {"statusCode": 200, "body": str(data)}
