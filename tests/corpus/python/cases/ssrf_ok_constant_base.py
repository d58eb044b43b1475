import requests

BASE_URL = "https://api.partner.example"


def handler(event, context):
    order = event["pathParameters"]["order"]
    resp = requests.get(BASE_URL + "/orders/" + order, timeout=5)  # ok: FG-INJ-007
    return {"statusCode": resp.status_code}
