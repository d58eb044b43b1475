import html

import jinja2

env = jinja2.Environment(autoescape=True)


def handler(event, context):
    title = html.escape(event["queryStringParameters"]["title"])
    page = env.from_string("<h1>" + title + "</h1>").render()  # ok: FG-INJ-008
    return {"statusCode": 200, "body": page}
