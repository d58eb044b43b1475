import sqlite3


def handler(event, context):
    name = event["queryStringParameters"]["name"]
    cur = sqlite3.connect("/tmp/a.db").cursor()
    cur.execute("SELECT id FROM users WHERE name = '{}' LIMIT 1".format(name))  # expect: FG-INJ-004
    return {"statusCode": 200, "body": str(cur.fetchone())}
