from jinja2 import Template

PAGE = Template("<p>{{ greeting }}</p>", autoescape=True)


def handler(event, context):
    greeting = event["queryStringParameters"]["greeting"]
    html = Template("<h1>{{ g }}</h1>", autoescape=True).render(g=greeting)  # ok: FG-INJ-008
    return {"statusCode": 200, "body": html + PAGE.render(greeting=greeting)}
