import xml.sax


class Counter(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.count = 0

    def startElement(self, name, attrs):
        self.count += 1


def handler(event, context):
    counter = Counter()
    xml.sax.parseString(event["body"].encode(), counter)  # expect: FG-INJ-009
    return {"statusCode": 200, "body": str(counter.count)}
