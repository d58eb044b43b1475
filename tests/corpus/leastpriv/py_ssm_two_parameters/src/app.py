import boto3
ssm = boto3.client("ssm")
def handler(event, context):
    got = ssm.get_parameters(Names=["/app/db-host", "/app/db-port"])
    return {p["Name"]: p["Value"] for p in got["Parameters"]}
