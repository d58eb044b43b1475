import subprocess

COMMANDS = {"disk": "df -h", "memory": "free -m"}


def handler(event, context):
    command = COMMANDS.get(event["queryStringParameters"]["check"], "uptime")
    subprocess.run(command, shell=True)  # ok: FG-INJ-001
    return {"statusCode": 200}
