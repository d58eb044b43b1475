import json
import os
from dataclasses import dataclass


@dataclass
class Request:
    bucket: str
    prefix: str


def handler(event, context):
    request = Request(**json.loads(event["body"]))
    os.system(f"aws s3 ls s3://{request.bucket}/{request.prefix}")  # expect: FG-INJ-001
    return {"statusCode": 200}
