import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    email = event["queryStringParameters"]["email"]
    resp = dynamodb.execute_statement(Statement="SELECT * FROM users WHERE email = ?", Parameters=[{"S": email}])  # ok: FG-INJ-005
    return {"statusCode": 200, "body": str(resp["Items"])}
