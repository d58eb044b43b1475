import os
import boto3
idp = boto3.client("cognito-idp")
def handler(event, context):
    return idp.admin_get_user(UserPoolId=os.environ["POOL"], Username=event["user"])
