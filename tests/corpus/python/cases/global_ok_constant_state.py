import os
import shlex

SETTINGS = {"mode": "fast"}


def handler(event, context):
    SETTINGS["mode"] = "slow" if event.get("slow") else "fast"
    name = shlex.quote(event["queryStringParameters"]["name"])
    return run(name)


def run(name):
    os.system("/opt/bin/report --mode " + SETTINGS["mode"] + " " + name)  # ok: FG-INJ-001
    return {"statusCode": 200}
