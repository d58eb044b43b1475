from pathlib import Path

BASE = Path("/var/task/templates")


def handler(event, context):
    name = event["pathParameters"]["name"]
    body = (BASE / name).read_text()  # expect: FG-INJ-006
    return {"statusCode": 200, "body": body}
