import os

import boto3
from boto3.dynamodb.conditions import Attr, Key

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    owner = event["queryStringParameters"]["owner"]
    status = event["queryStringParameters"]["status"]
    items = table.query(KeyConditionExpression=Key("owner").eq(owner), FilterExpression=Attr("status").eq(status))["Items"]  # ok: FG-INJ-005
    return {"statusCode": 200, "body": str(items)}
