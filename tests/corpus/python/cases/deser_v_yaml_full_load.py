import yaml


def handler(event, context):
    document = event["queryStringParameters"]["doc"]
    data = yaml.full_load(document)  # expect: FG-INJ-003
    return {"statusCode": 200, "body": str(data)}
