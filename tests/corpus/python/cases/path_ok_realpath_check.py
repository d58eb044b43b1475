import os

ROOT = "/var/task/public/"


def handler(event, context):
    requested = event["pathParameters"]["file"]
    path = os.path.realpath(os.path.join(ROOT, requested))
    if not path.startswith(ROOT):
        return {"statusCode": 403}
    with open(path) as fh:  # ok: FG-INJ-006
        return {"statusCode": 200, "body": fh.read()}
