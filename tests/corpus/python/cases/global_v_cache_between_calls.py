import sqlite3

FILTERS = {}


def remember(event):
    FILTERS["status"] = event["queryStringParameters"]["status"]


def report():
    cur = sqlite3.connect("/tmp/app.db").cursor()
    cur.execute("SELECT id FROM orders WHERE status = '%s' LIMIT 20" % FILTERS["status"])  # expect: FG-INJ-004
    return cur.fetchall()


def handler(event, context):
    remember(event)
    return {"statusCode": 200, "body": str(report())}
