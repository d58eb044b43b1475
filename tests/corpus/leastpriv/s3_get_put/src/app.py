import os
import boto3
s3 = boto3.client("s3")
BUCKET = os.environ["BUCKET"]
def handler(event, context):
    body = s3.get_object(Bucket=BUCKET, Key=event["key"])["Body"].read()
    s3.put_object(Bucket=BUCKET, Key=event["key"] + ".bak", Body=body)
