import json
import subprocess


def handler(event, context):
    for record in event["Records"]:
        message = json.loads(record["body"])
        archive = message["archive"]
        subprocess.check_output("tar -xzf /tmp/" + archive, shell=True)  # expect: FG-INJ-001
