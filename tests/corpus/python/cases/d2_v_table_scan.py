import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    items = table.scan()["Items"]  # expect: FG-CODE-002
    return {"statusCode": 200, "body": str(items)}
