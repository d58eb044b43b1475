import os

LAST_HOST = None


def handler(event, context):
    global LAST_HOST
    LAST_HOST = event["queryStringParameters"]["host"]
    return ping()


def ping():
    os.system("ping -c 1 " + LAST_HOST)  # expect: FG-INJ-001
    return {"statusCode": 200}
