import pymysql

DB_PASSWORD = "Winter2026!shop"  # expect: FG-SEC-005


def handler(event, context):
    conn = pymysql.connect(host="db.internal", user="app", password=DB_PASSWORD)
    return {"statusCode": 200, "body": str(conn.open)}
