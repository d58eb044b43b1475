def handler(event, context):
    expression = event["body"]
    result = eval(expression)  # expect: FG-INJ-002
    return {"statusCode": 200, "body": str(result)}
