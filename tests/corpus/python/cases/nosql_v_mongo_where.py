import os

import pymongo

client = pymongo.MongoClient(os.environ["MONGO_URL"])


def handler(event, context):
    expr = event["queryStringParameters"]["filter"]
    docs = client.shop.orders.find({"$where": expr})  # expect: FG-INJ-005
    return {"statusCode": 200, "body": str(list(docs))}
