import json
import os

import pymysql


def handler(event, context):
    body = json.loads(event["body"])
    conn = pymysql.connect(host=os.environ["DB_HOST"], user="app", database="shop")
    cur = conn.cursor()
    sql = "DELETE FROM carts WHERE id = " + body["cart"]
    cur.execute(sql)  # expect: FG-INJ-004
    conn.commit()
    return {"statusCode": 204}
