import os

import psycopg2


def handler(event, context):
    status = event["queryStringParameters"]["status"]
    conn = psycopg2.connect(os.environ["DSN"])
    with conn.cursor() as cur:
        cur.execute("UPDATE orders SET seen = true WHERE status = %s", (status,))  # ok: FG-INJ-004
    return {"statusCode": 200}
