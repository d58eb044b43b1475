CURRENT_TEMPLATE = None


def remember(template):
    global CURRENT_TEMPLATE
    CURRENT_TEMPLATE = template


def current():
    return CURRENT_TEMPLATE
