import json


def handler(event, context):
    rule = json.loads(event["body"])["rule"]
    code = compile(rule, "<rule>", "eval")  # expect: FG-INJ-002
    return {"statusCode": 200, "body": str(code.co_names)}
