import json
import boto3
kinesis = boto3.client("kinesis")
def handler(event, context):
    kinesis.put_records(StreamName="clicks", Records=[
        {"Data": json.dumps(r).encode(), "PartitionKey": r["id"]} for r in event["items"]])
