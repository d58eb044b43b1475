from lxml import etree

PARSER = etree.XMLParser(resolve_entities=True)


def handler(event, context):
    doc = etree.fromstring(event["body"], parser=PARSER)  # expect: FG-INJ-009
    return {"statusCode": 200, "body": doc.tag}
