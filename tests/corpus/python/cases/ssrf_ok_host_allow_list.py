from urllib.parse import urlparse

import requests

ALLOWED_HOSTS = {"hooks.slack.com", "api.github.com"}


def handler(event, context):
    url = event["queryStringParameters"]["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        return {"statusCode": 400}
    resp = requests.get(url, timeout=5)  # ok: FG-INJ-007
    return {"statusCode": 200, "body": resp.text}
