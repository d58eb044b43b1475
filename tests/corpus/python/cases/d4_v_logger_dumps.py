import json
import logging

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


def handler(event, context):
    logger.info("received %s", json.dumps(event))  # expect: FG-CODE-004
    return {"statusCode": 200}
