import json

import render
import state


def handler(event, context):
    body = json.loads(event["body"])
    state.remember(body["template"])
    return {"statusCode": 200, "body": render.page("visitor")}
