import requests

from settings import SLACK_WEBHOOK_TOKEN


def handler(event, context):
    requests.post("https://slack.com/api/chat.postMessage", headers={"Authorization": f"Bearer {SLACK_WEBHOOK_TOKEN}"}, json={"text": "ok"}, timeout=5)
    return {"statusCode": 200}
