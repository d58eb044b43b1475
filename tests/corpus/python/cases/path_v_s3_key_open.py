import urllib.parse


def handler(event, context):
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        with open("/tmp/" + key, "wb") as out:  # expect: FG-INJ-006
            out.write(b"")
