import os


def handler(event, context):
    pattern = event["queryStringParameters"]["q"]
    command = "grep -r '%s' /var/task/docs" % pattern
    status = os.system(command)  # expect: FG-INJ-001
    return {"statusCode": 200, "body": str(status)}
