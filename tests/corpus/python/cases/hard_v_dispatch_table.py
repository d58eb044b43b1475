import os


def archive(body):
    os.system("tar czf /tmp/out.tgz " + body["dir"])  # expect: FG-INJ-001


def ping(body):
    return {"statusCode": 200}


ACTIONS = {"archive": archive, "ping": ping}


def handler(event, context):
    body = event["queryStringParameters"]
    return ACTIONS[body["action"]](body)
