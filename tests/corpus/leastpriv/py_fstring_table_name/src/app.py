import os
import boto3
ddb = boto3.client("dynamodb")
TABLE = f"{os.environ['STAGE']}-orders"
def handler(event, context):
    return ddb.get_item(TableName=TABLE, Key={"id": {"S": event["id"]}}).get("Item")
