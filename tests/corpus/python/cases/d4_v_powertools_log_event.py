from aws_lambda_powertools import Logger

logger = Logger()


@logger.inject_lambda_context(log_event=True)  # expect: FG-CODE-004
def handler(event, context):
    return {"statusCode": 200}
