from tools import run_tool


def handler(event, context):
    target = event["queryStringParameters"]["file"]
    return {"statusCode": 200, "body": run_tool("/opt/bin/lint", target)}
