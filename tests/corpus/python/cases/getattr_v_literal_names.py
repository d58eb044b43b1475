import os
import subprocess


def handler(event, context):
    command = event["body"]
    runner = getattr(subprocess, "check_output")
    out = runner(command, shell=True)  # expect: FG-INJ-001
    getattr(os, "system")(command)  # expect: FG-INJ-001
    return {"statusCode": 200, "body": out.decode()}
