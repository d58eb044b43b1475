import subprocess

CURRENT = {}


def run():
    subprocess.run(CURRENT["cmd"], shell=True)  # expect: FG-INJ-001


def handler(event, context):
    CURRENT["cmd"] = event["body"]
    run()
    return {"statusCode": 200}
