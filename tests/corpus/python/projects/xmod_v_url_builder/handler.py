import requests

from urls import service_url


def handler(event, context):
    region = event["queryStringParameters"]["region"]
    resp = requests.get(service_url(region), timeout=5)  # expect: FG-INJ-007
    return {"statusCode": resp.status_code}
