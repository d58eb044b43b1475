import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    email = event["queryStringParameters"]["email"]
    resp = dynamodb.execute_statement(Statement=f"SELECT * FROM users WHERE email = '{email}'")  # expect: FG-INJ-005
    return {"statusCode": 200, "body": str(resp["Items"])}
