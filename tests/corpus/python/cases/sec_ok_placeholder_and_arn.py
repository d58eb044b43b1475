import boto3

API_KEY = "<your-api-key>"  # ok: FG-SEC-005
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"  # ok: FG-SEC-005


def handler(event, context):
    client = boto3.client("secretsmanager")
    return client.get_secret_value(SecretId=SECRET_ARN)["SecretString"][:0] + API_KEY[:0]
