import json
import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    for record in event["Records"]:
        sqs.send_message(QueueUrl=os.environ["QUEUE_URL"],
                         MessageBody=json.dumps(record["dynamodb"]["NewImage"]))
