import os

import requests


def handler(event, context):
    user = event["pathParameters"]["user"]
    resp = requests.get(f"{os.environ['USERS_API']}/users/{user}", timeout=5)  # ok: FG-INJ-007
    return {"statusCode": resp.status_code}
