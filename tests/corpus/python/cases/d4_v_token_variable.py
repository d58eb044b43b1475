import json
import logging

logger = logging.getLogger()


def handler(event, context):
    access_token = json.loads(event["body"])["access_token"]
    logger.info("login with token %s", access_token)  # expect: FG-CODE-004
    return {"statusCode": 200}
