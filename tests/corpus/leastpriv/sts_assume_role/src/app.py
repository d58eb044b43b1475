import boto3
sts = boto3.client("sts")
def handler(event, context):
    creds = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/reader",
                            RoleSessionName="fn")["Credentials"]
    return creds["Expiration"].isoformat()
