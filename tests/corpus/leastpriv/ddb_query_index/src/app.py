import os
import boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    return ddb.query(TableName=os.environ["TABLE"], IndexName="byUser",
                     KeyConditionExpression="userId = :u",
                     ExpressionAttributeValues={":u": {"S": event["user"]}})["Items"]
