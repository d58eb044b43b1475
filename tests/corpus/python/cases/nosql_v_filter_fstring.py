import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    owner = event["queryStringParameters"]["owner"]
    items = table.scan(FilterExpression=f"owner = {owner}", Limit=100)["Items"]  # expect: FG-INJ-005
    return {"statusCode": 200, "body": str(items)}
