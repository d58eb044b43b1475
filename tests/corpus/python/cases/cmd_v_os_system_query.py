import os


def handler(event, context):
    host = event["queryStringParameters"]["host"]
    os.system(f"ping -c 1 {host}")  # expect: FG-INJ-001
    return {"statusCode": 200}
