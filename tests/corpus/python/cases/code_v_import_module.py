import importlib


def handler(event, context):
    plugin = event["headers"]["x-plugin"]
    module = importlib.import_module("plugins." + plugin)  # expect: FG-INJ-002
    return module.run(event)
