import sqlite3


def handler(event, context):
    conn = sqlite3.connect("/tmp/app.db")
    total = conn.execute("SELECT COUNT(*) FROM orders").fetchone()  # ok: FG-CODE-001
    order = conn.execute("SELECT * FROM orders WHERE id = ?", (event["pathParameters"]["id"],)).fetchone()  # ok: FG-CODE-001
    return {"statusCode": 200, "body": str(total) + str(order)}
