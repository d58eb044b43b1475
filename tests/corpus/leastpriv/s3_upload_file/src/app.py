import boto3
s3 = boto3.client("s3")
def handler(event, context):
    s3.upload_file("/tmp/report.csv", "reports-bucket", "daily/report.csv")
