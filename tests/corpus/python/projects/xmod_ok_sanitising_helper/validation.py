def page_number(raw):
    value = int(raw)
    if value < 1:
        raise ValueError("page must be positive")
    return value
