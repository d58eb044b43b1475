import base64
import pickle


def handler(event, context):
    payload = base64.b64decode(event["body"])
    cart = pickle.loads(payload)  # expect: FG-INJ-003
    return {"statusCode": 200, "body": str(len(cart))}
