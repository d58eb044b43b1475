import logging

logger = logging.getLogger("audit")


def record_login(user, bearer_token):
    logger.info("login %s with %s", user, bearer_token)  # expect: FG-CODE-004
