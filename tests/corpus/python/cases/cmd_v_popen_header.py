import os


def handler(event, context):
    name = event["headers"].get("x-user")
    out = os.popen("echo hello " + name).read()  # expect: FG-INJ-001
    return {"statusCode": 200, "body": out}
