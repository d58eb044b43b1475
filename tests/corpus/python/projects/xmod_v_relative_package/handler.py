from app import files


def handler(event, context):
    for record in event["Records"]:
        files.remove_upload(record["s3"]["object"]["key"])
