import sqlite3

QUERY = """
    SELECT id, total, created_at
    FROM orders
    WHERE status = ?
    ORDER BY created_at DESC
"""


def handler(event, context):
    conn = sqlite3.connect("/tmp/app.db")
    rows = conn.execute(QUERY, (event["queryStringParameters"]["status"],)).fetchall()  # expect: FG-CODE-001
    return {"statusCode": 200, "body": str(rows)}
