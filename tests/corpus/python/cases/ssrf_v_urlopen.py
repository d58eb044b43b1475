import json
from urllib.request import urlopen


def handler(event, context):
    hook = json.loads(event["body"])["webhook"]
    with urlopen(hook, timeout=5) as resp:  # expect: FG-INJ-007
        return {"statusCode": 200, "body": resp.read().decode()}
