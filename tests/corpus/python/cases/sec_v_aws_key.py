import boto3

s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIAZ3MSJV4WWLNPQ7XR",  # expect: FG-SEC-005
    aws_secret_access_key="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",  # expect: FG-SEC-005
)


def handler(event, context):
    return s3.list_buckets()
