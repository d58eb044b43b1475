import sqlite3


def handler(event, context):
    user = event["pathParameters"]["user"]
    conn = sqlite3.connect("/tmp/app.db")
    rows = conn.execute(f"SELECT * FROM orders WHERE owner = '{user}' LIMIT 50").fetchall()  # expect: FG-INJ-004
    return {"statusCode": 200, "body": str(rows)}
