import os
import re

NAME = re.compile(r"[a-z0-9-]{1,40}")


def check_name(name):
    if not NAME.fullmatch(name):
        raise ValueError("bad name")


def handler(event, context):
    name = event["pathParameters"]["name"]
    check_name(name)
    os.system("mkdir -p /tmp/" + name)  # ok: FG-INJ-001
    return {"statusCode": 201}
