import os
import boto3
bucket = boto3.resource("s3").Bucket(os.environ["BUCKET"])
def handler(event, context):
    return [o.key for o in bucket.objects.filter(Prefix="in/")]
