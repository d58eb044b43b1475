import os
import shlex


def handler(event, context):
    host = event["queryStringParameters"]["host"]
    os.system("ping -c 1 " + shlex.quote(host))  # ok: FG-INJ-001
    return {"statusCode": 200}
