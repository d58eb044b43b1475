import requests


def handler(event, context):
    host = event["headers"]["x-forwarded-host"]
    resp = requests.get(f"http://{host}/internal/health", timeout=3)  # expect: FG-INJ-007
    return {"statusCode": resp.status_code}
