import yaml


def handler(event, context):
    config = yaml.load(event["body"])  # expect: FG-INJ-003
    return {"statusCode": 200, "body": str(config)}
