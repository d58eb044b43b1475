import os

KNOWN = {"status", "version"}


def handler(event, context):
    command = event["queryStringParameters"]["command"]
    if command in KNOWN:
        os.system("/opt/bin/tool " + command)  # ok: FG-INJ-001
    else:
        os.system("/opt/bin/tool --raw " + command)  # expect: FG-INJ-001
    return {"statusCode": 200}
