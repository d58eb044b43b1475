import os
import re


def handler(event, context):
    name = event["pathParameters"]["name"]
    if not re.fullmatch(r"[a-z0-9-]{1,32}", name):
        return {"statusCode": 400}
    os.system("touch /tmp/" + name)  # ok: FG-INJ-001
    return {"statusCode": 200}
