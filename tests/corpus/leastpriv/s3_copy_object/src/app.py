import os
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    key = event["key"]
    s3.copy_object(Bucket=os.environ["BUCKET"], Key=key,
                   CopySource={"Bucket": "incoming-bucket", "Key": key})
