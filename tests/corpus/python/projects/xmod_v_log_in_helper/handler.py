from audit import record_login


def handler(event, context):
    record_login(event["headers"]["x-user"], event["headers"]["authorization"])
    return {"statusCode": 200}
