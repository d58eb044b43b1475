import boto3

s3 = boto3.client("s3")


def handler(event, context):
    record = event["Records"][0]
    bucket = record["s3"]["bucket"]["name"]
    key = record["s3"]["object"]["key"]
    s3.download_file(bucket, key, f"/tmp/{key}")  # expect: FG-INJ-006
