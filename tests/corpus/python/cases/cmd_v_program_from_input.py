import json
import subprocess


def handler(event, context):
    body = json.loads(event["body"])
    tool = body["tool"]
    result = subprocess.run([tool, "--version"], capture_output=True)  # expect: FG-INJ-001
    return {"statusCode": 200, "body": result.stdout.decode()}
