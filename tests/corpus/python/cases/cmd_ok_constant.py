import subprocess


def handler(event, context):
    print("request", event.get("requestContext", {}).get("requestId"))
    out = subprocess.run("df -h /tmp", shell=True, capture_output=True)  # ok: FG-INJ-001
    return {"statusCode": 200, "body": out.stdout.decode()}
