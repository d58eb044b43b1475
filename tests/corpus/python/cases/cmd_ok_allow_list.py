import os

ALLOWED = {"uptime", "df -h", "free -m"}


def handler(event, context):
    tool = event["queryStringParameters"]["tool"]
    if tool not in ALLOWED:
        return {"statusCode": 400}
    os.system(tool)  # ok: FG-INJ-001
    return {"statusCode": 200}
