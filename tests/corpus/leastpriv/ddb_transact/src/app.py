import os
import boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": os.environ["TABLE"], "Item": {"id": {"S": event["id"]}}}},
        {"ConditionCheck": {"TableName": "audit", "Key": {"id": {"S": "x"}},
                            "ConditionExpression": "attribute_exists(id)"}},
    ])
