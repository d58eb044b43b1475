from jinja2 import Template


def handler(event, context):
    greeting = event["queryStringParameters"]["greeting"]
    html = Template("<p>" + greeting + "</p>").render()  # expect: FG-INJ-008
    return {"statusCode": 200, "body": html}
