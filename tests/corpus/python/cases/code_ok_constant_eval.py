def handler(event, context):
    limit = eval("10 * 60")  # ok: FG-INJ-002
    return {"statusCode": 200, "body": str(limit), "path": event["rawPath"]}
