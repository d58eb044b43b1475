import os

import pymongo

client = pymongo.MongoClient(os.environ["MONGO_URL"])


def handler(event, context):
    name = str(event["queryStringParameters"]["name"])
    docs = client.shop.products.find({"name": name}).limit(20)  # ok: FG-INJ-005
    return {"statusCode": 200, "body": str(list(docs))}
