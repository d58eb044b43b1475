import os

import boto3

client = boto3.client("dynamodb")


def handler(event, context):
    tenant = event["requestContext"]["authorizer"]["tenant"]
    resp = client.query(
        TableName=os.environ["TABLE"],
        KeyConditionExpression="pk = :pk",  # ok: FG-INJ-005
        ExpressionAttributeValues={":pk": {"S": tenant}},
    )
    return {"statusCode": 200, "body": str(resp["Items"])}
