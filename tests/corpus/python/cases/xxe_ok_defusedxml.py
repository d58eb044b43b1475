from defusedxml import ElementTree


def handler(event, context):
    doc = ElementTree.fromstring(event["body"])  # ok: FG-INJ-009
    return {"statusCode": 200, "body": doc.tag}
