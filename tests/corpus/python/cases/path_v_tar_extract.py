import base64
import io
import tarfile


def handler(event, context):
    data = base64.b64decode(event["body"])
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall("/tmp/upload")  # expect: FG-INJ-006
    return {"statusCode": 200}
