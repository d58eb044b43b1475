import subprocess


def handler(event, context):
    parts = ["zip", "-r", "/tmp/out.zip"]
    parts.append(event["queryStringParameters"]["dir"])
    subprocess.call(" ".join(parts), shell=True)  # expect: FG-INJ-001
    return {"statusCode": 200}
