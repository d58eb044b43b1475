import json
import shutil


def handler(event, context):
    job = json.loads(event["body"])["job"]
    shutil.rmtree("/tmp/jobs/" + job)  # expect: FG-INJ-006
    return {"statusCode": 204}
