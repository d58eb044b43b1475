import logging

logger = logging.getLogger()


def handler(event, context):
    logger.info("request %s path %s", event["requestContext"]["requestId"], event["rawPath"])  # ok: FG-CODE-004
    return {"statusCode": 200}
