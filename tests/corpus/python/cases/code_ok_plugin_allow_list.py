import importlib

PLUGINS = {"csv": "plugins.csv_export", "pdf": "plugins.pdf_export"}


def handler(event, context):
    kind = event["queryStringParameters"]["format"]
    module = importlib.import_module(PLUGINS[kind])  # ok: FG-INJ-002
    return module.run()
