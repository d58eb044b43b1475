import json
import logging

logger = logging.getLogger()


def handler(event, context):
    try:
        order = json.loads(event["body"])
    except ValueError as e:
        logger.warning("invalid body: %s", e)
        return {"statusCode": 400, "body": json.dumps({"error": "invalid JSON"})}  # ok: FG-CODE-003
    return {"statusCode": 200, "body": order["id"]}
