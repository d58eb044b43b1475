import os
import boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    count = 0
    for page in ddb.get_paginator("scan").paginate(TableName=os.environ["TABLE"]):
        count += page["Count"]
    return count
