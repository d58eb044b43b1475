import os


class Probe:
    def __init__(self, event):
        self.port = int(event["queryStringParameters"]["port"])

    def run(self):
        os.system(f"nc -z localhost {self.port}")  # ok: FG-INJ-001


def handler(event, context):
    Probe(event).run()
    return {"statusCode": 200}
