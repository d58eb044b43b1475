import os
import boto3
sqs = boto3.client("sqs")
QUEUE = os.environ["QUEUE_URL"]
def handler(event, context):
    for m in sqs.receive_message(QueueUrl=QUEUE, MaxNumberOfMessages=10).get("Messages", []):
        sqs.delete_message(QueueUrl=QUEUE, ReceiptHandle=m["ReceiptHandle"])
