from xml.dom import minidom


def handler(event, context):
    doc = minidom.parseString(event["body"])  # expect: FG-INJ-009
    return {"statusCode": 200, "body": doc.documentElement.tagName}
