import base64
import marshal


def handler(event, context):
    for record in event["Records"]:
        blob = base64.b64decode(record["Sns"]["Message"])
        marshal.loads(blob)  # expect: FG-INJ-003
