def handler(event, context):
    print(event)  # expect: FG-CODE-004
    return {"statusCode": 200}
