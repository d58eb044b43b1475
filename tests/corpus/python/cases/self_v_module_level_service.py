import requests


class Forwarder:
    def __init__(self):
        self.url = "https://hooks.internal.example.com/events"

    def configure(self, event):
        self.url = event["headers"]["x-forward-to"]

    def send(self, body):
        return requests.post(self.url, data=body, timeout=5)  # expect: FG-INJ-007


FORWARDER = Forwarder()


def handler(event, context):
    FORWARDER.configure(event)
    FORWARDER.send(event["body"])
    return {"statusCode": 202}
