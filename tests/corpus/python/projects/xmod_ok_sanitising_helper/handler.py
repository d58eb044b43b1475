import os

from validation import page_number


def handler(event, context):
    page = page_number(event["queryStringParameters"]["page"])
    os.system(f"/opt/bin/render --page {page}")  # ok: FG-INJ-001
    return {"statusCode": 200}
