import pickle

with open("/var/task/model.pkl", "rb") as f:
    MODEL = pickle.load(f)


def handler(event, context):
    with open("/var/task/weights.pkl", "rb") as fh:
        weights = pickle.load(fh)  # ok: FG-INJ-003
    return {"statusCode": 200, "body": str(MODEL.predict(weights, event["body"]))}
