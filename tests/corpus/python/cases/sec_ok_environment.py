import os

import pymysql

DB_PASSWORD = os.environ["DB_PASSWORD"]  # ok: FG-SEC-005


def handler(event, context):
    conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", password=DB_PASSWORD)
    return {"statusCode": 200, "body": str(conn.open)}
