import os
import boto3
from store import save
ddb = boto3.client("dynamodb")
def handler(event, context):
    save(ddb, os.environ["TABLE"], event["id"])
