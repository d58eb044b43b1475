def handler(event, context):
    name = event["queryStringParameters"]["file"].replace("../", "")
    with open("/var/task/static/" + name) as fh:  # expect: FG-INJ-006
        return {"statusCode": 200, "body": fh.read()}
