import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    record = event["Records"][0]
    key = record["s3"]["object"]["key"]
    local = "/tmp/" + os.path.basename(key)
    s3.download_file(record["s3"]["bucket"]["name"], key, local)  # ok: FG-INJ-006
