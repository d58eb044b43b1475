import json
import os
import boto3
lam = boto3.client("lambda")
def handler(event, context):
    lam.invoke(FunctionName=os.environ["WORKER"], InvocationType="Event",
               Payload=json.dumps(event))
