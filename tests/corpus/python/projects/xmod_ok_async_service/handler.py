import asyncio

from service import fetch_item


def handler(event, context):
    item = event["pathParameters"]["id"]
    return asyncio.run(fetch_item(item))
