import yaml


def handler(event, context):
    config = yaml.safe_load(event["body"])  # ok: FG-INJ-003
    return {"statusCode": 200, "body": str(config)}
