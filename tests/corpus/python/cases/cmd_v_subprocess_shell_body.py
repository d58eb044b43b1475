import json
import subprocess


def handler(event, context):
    body = json.loads(event["body"])
    cmd = "convert " + body["src"] + " out.png"
    subprocess.run(cmd, shell=True, check=True)  # expect: FG-INJ-001
    return {"statusCode": 200}
