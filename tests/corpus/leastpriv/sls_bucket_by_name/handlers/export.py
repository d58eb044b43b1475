import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=os.environ["BUCKET"], Key=f"daily/{event['date']}.csv", Body=b"")
    return s3.list_objects_v2(Bucket=os.environ["BUCKET"], Prefix="daily/")["KeyCount"]
