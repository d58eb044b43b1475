import os

import pymysql

conn = pymysql.connect(host=os.environ["DB_HOST"], user="reader", database="shop")


def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM orders")  # expect: FG-CODE-001
        return {"statusCode": 200, "body": str(cur.fetchall())}
