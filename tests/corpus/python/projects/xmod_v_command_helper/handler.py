from lib.runner import run_report


def handler(event, context):
    report = event["queryStringParameters"]["report"]
    return {"statusCode": 200, "body": run_report(report)}
