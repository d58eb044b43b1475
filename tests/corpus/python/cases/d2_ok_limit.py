import os

import boto3
import pymysql

conn = pymysql.connect(host=os.environ["DB_HOST"], user="reader", database="shop")
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM orders ORDER BY id DESC LIMIT 25")  # ok: FG-CODE-001
        rows = cur.fetchall()
    sample = table.scan(Limit=10)["Items"]  # ok: FG-CODE-002
    return {"statusCode": 200, "body": str(rows) + str(sample)}
