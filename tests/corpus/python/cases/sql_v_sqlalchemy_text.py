import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DB_URL"])


def handler(event, context):
    sort = event["queryStringParameters"]["sort"]
    query = text(f"SELECT id, name FROM products ORDER BY {sort} LIMIT 20")  # expect: FG-INJ-004
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    return {"statusCode": 200, "body": str(rows)}
