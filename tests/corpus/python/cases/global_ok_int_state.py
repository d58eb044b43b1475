import os

PORT = None


def handler(event, context):
    global PORT
    PORT = int(event["queryStringParameters"]["port"])
    return probe()


def probe():
    os.system(f"nc -z localhost {PORT}")  # ok: FG-INJ-001
    return {"statusCode": 200}
