import yaml


def handler(event, context):
    config = yaml.load(event["body"], Loader=yaml.SafeLoader)  # ok: FG-INJ-003
    return {"statusCode": 200, "body": str(config)}
