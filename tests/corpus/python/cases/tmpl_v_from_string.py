import jinja2

env = jinja2.Environment(autoescape=True)


def handler(event, context):
    source = event["body"]
    page = env.from_string(source).render(user="guest")  # expect: FG-INJ-008
    return {"statusCode": 200, "body": page}
