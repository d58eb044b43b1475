import os
import boto3
sm = boto3.client("secretsmanager")
def handler(event, context):
    return sm.get_secret_value(SecretId=os.environ["SECRET"])["SecretString"] != ""
