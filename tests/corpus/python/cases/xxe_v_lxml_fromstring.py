from lxml import etree


def handler(event, context):
    doc = etree.fromstring(event["body"].encode())  # expect: FG-INJ-009
    return {"statusCode": 200, "body": doc.findtext("name")}
