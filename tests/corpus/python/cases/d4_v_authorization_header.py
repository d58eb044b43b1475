import logging

log = logging.getLogger()


def handler(event, context):
    log.debug("auth header %s", event["headers"]["Authorization"])  # expect: FG-CODE-004
    return {"statusCode": 200}
