def handler(event, context):
    field = event["queryStringParameters"]["field"]
    scope = {}
    exec(f"value = record.{field}", scope)  # expect: FG-INJ-002
    return {"statusCode": 200, "body": str(scope.get("value"))}
