from lxml import etree


def handler(event, context):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.fromstring(event["body"], parser)  # ok: FG-INJ-009
    return {"statusCode": 200, "body": doc.tag}
