import os
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=os.environ["BUCKET"]):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys
