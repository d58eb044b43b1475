import uuid


def handler(event, context):
    upload_id = uuid.UUID(event["pathParameters"]["upload"])
    with open(f"/tmp/{upload_id}.bin", "wb") as out:  # ok: FG-INJ-006
        out.write(event["body"].encode())
    return {"statusCode": 201}
