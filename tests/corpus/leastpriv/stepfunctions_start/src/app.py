import json
import os
import boto3
sfn = boto3.client("stepfunctions")
def handler(event, context):
    sfn.start_execution(stateMachineArn=os.environ["FLOW"], input=json.dumps(event))
