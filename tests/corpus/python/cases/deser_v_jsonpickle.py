import jsonpickle


def handler(event, context):
    state = jsonpickle.decode(event["body"])  # expect: FG-INJ-003
    return {"statusCode": 200, "body": str(state)}
