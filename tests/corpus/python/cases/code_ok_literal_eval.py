import ast


def handler(event, context):
    value = ast.literal_eval(event["body"])  # ok: FG-INJ-002
    return {"statusCode": 200, "body": str(value)}
