"""GET /products?category=... : list the products of a category.

VULNERABLE ON PURPOSE (see examples/README.md):
- the category from the query string is pasted into SQL (D1, SQL injection);
- the SELECT has no LIMIT (D2);
- the exception text goes back to the caller (D3).
"""

import json

from db import connect


def list_products(event, context):
    params = event.get("queryStringParameters") or {}
    category = params.get("category", "all")
    try:
        rows = connect().execute(
            f"SELECT id, name, price FROM products WHERE category = '{category}'"
        ).fetchall()
    except Exception as e:
        return {"statusCode": 500, "body": json.dumps({"error": str(e)})}
    products = [{"id": r[0], "name": r[1], "price": r[2]} for r in rows]
    return {"statusCode": 200, "body": json.dumps(products)}
