import base64

import yaml


def handler(event, context):
    raw = base64.b64decode(event["body"])

    def parse():
        return yaml.load(raw, Loader=yaml.Loader)  # expect: FG-INJ-003

    config = parse()
    return {"statusCode": 200, "body": str(config)}
