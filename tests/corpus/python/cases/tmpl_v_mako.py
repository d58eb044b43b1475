from mako.template import Template


def handler(event, context):
    title = event["queryStringParameters"]["title"]
    page = Template(f"<h1>{title}</h1>").render()  # expect: FG-INJ-008
    return {"statusCode": 200, "body": page}
