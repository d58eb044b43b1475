import logging


def handler(event, context):
    logging.info(f"processing request {event}")  # expect: FG-CODE-004
    return {"statusCode": 200}
