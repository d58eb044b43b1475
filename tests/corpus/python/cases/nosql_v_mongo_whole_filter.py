import json
import os

from pymongo import MongoClient

users = MongoClient(os.environ["MONGO_URL"]).app.users


def handler(event, context):
    query = json.loads(event["body"])
    user = users.find_one(query)  # expect: FG-INJ-005
    return {"statusCode": 200, "body": str(user)}
