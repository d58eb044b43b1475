import sqlite3


def handler(event, context):
    user = event["pathParameters"]["user"]
    conn = sqlite3.connect("/tmp/app.db")
    rows = conn.execute("SELECT * FROM orders WHERE owner = ? LIMIT 50", (user,)).fetchall()  # ok: FG-INJ-004
    return {"statusCode": 200, "body": str(rows)}
