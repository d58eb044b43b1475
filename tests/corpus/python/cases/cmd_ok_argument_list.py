import subprocess


def handler(event, context):
    host = event["queryStringParameters"]["host"]
    subprocess.run(["ping", "-c", "1", host], check=True)  # ok: FG-INJ-001
    return {"statusCode": 200}
