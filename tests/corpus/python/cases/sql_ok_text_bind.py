import os

from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DB_URL"])


def handler(event, context):
    product = event["pathParameters"]["id"]
    query = text("SELECT id, name FROM products WHERE id = :id")  # ok: FG-INJ-004
    with engine.connect() as conn:
        row = conn.execute(query, {"id": product}).first()
    return {"statusCode": 200, "body": str(row)}
