import asyncio

from service import fetch


def handler(event, context):
    return asyncio.run(fetch(event["queryStringParameters"]["url"]))
