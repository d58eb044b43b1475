import boto3
ssm = boto3.client("ssm")
def handler(event, context):
    return ssm.get_parameter(Name="/app/api-url")["Parameter"]["Value"]
