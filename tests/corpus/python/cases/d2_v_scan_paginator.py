import os

import boto3

client = boto3.client("dynamodb")


def handler(event, context):
    paginator = client.get_paginator("scan")
    items = []
    for page in paginator.paginate(TableName=os.environ["TABLE"]):  # expect: FG-CODE-002
        items.extend(page["Items"])
    return {"statusCode": 200, "body": str(len(items))}
