import os


def handler(event, context):
    seconds = int(event["queryStringParameters"]["seconds"])
    os.system(f"sleep {seconds}")  # ok: FG-INJ-001
    return {"statusCode": 200}
