import sqlite3


def handler(event, context):
    page = int(event["queryStringParameters"]["page"])
    cur = sqlite3.connect("/tmp/a.db").cursor()
    cur.execute(f"SELECT id FROM items ORDER BY id LIMIT 20 OFFSET {page * 20}")  # ok: FG-INJ-004
    return {"statusCode": 200, "body": str(cur.fetchall())}
