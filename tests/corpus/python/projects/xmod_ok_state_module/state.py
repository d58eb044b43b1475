TEMPLATES = {"welcome": "Hello {{ name }}", "bye": "Goodbye {{ name }}"}
CURRENT_TEMPLATE = None


def remember(kind):
    global CURRENT_TEMPLATE
    if kind not in TEMPLATES:
        raise ValueError("unknown template")
    CURRENT_TEMPLATE = TEMPLATES[kind]


def current():
    return CURRENT_TEMPLATE
