import os
import boto3
s3 = boto3.resource("s3")
def handler(event, context):
    s3.Object(os.environ["BUCKET"], "latest.json").put(Body=event["body"])
