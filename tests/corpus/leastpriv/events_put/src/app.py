import json
import os
import boto3
events = boto3.client("events")
def handler(event, context):
    events.put_events(Entries=[{"EventBusName": os.environ["BUS"], "Source": "shop",
                                "DetailType": "order", "Detail": json.dumps(event)}])
