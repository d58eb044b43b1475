import json

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    try:
        obj = s3.get_object(Bucket="reports", Key=event["pathParameters"]["id"])
    except s3.exceptions.NoSuchKey as err:
        message = f"lookup failed: {err}"
        return {"statusCode": 404, "body": json.dumps({"error": message})}  # expect: FG-CODE-003
    return {"statusCode": 200, "body": obj["Body"].read().decode()}
