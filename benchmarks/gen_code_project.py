"""Generate a large serverless.yml project of Python handlers, for speed measurements.

    python benchmarks/gen_code_project.py OUT [--handlers 200] [--measure-sdk]

The project looks like a real service grown over time: a ``serverless.yml`` with one
function per handler module, environment variables naming template resources, a shared
``lib/`` package (clients at module level, factories, a repository class), and handlers
that use boto3 in every common style, parse events, call helpers, and (one in four)
pass event data to a dangerous sink, so data-flow analysis has real work to do.
The output is deterministic: the same arguments write the same files.

``--measure-sdk`` then times ``faasguard.code.python.sdk.find_calls`` over every function
and prints lines of code per second (the whole analysis is timed by code_speed.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

SERVICES = ("orders", "billing", "users", "catalog", "shipping", "reports", "media", "audit")

LIB_INIT = ""

LIB_AWS = '''\
"""Clients shared by every handler."""
import os

import boto3
from boto3.session import Session

REGION = os.environ.get("AWS_REGION", "eu-west-1")
session = Session(region_name=REGION)
s3 = session.client("s3")
sqs = boto3.client("sqs")
sns = boto3.client("sns")
dynamodb = boto3.resource("dynamodb")
secrets = boto3.client("secretsmanager")


def table(name):
    return dynamodb.Table(name)


def queue_client():
    client = boto3.client("sqs")
    return client
'''

LIB_REPO = '''\
"""A small repository over one DynamoDB table."""
import json
import logging

from lib.aws import table

LOG = logging.getLogger(__name__)


class Repository:
    def __init__(self, table_name):
        self.table = table(table_name)
        self.name = table_name

    def get(self, key):
        response = self.table.get_item(Key={"id": key})
        return response.get("Item")

    def put(self, item):
        LOG.info("saving %s", item.get("id"))
        self.table.put_item(Item=item)
        return item

    def query(self, owner):
        response = self.table.query(
            KeyConditionExpression="owner = :o",
            ExpressionAttributeValues={":o": owner},
        )
        return response.get("Items", [])

    def save_many(self, items):
        with self.table.batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)

    def dump(self):
        return json.dumps({"table": self.name})
'''

LIB_EVENTS = '''\
"""Event parsing helpers."""
import base64
import json


def body(event):
    raw = event.get("body") or "{}"
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode()
    return json.loads(raw)


def path_param(event, name):
    return (event.get("pathParameters") or {}).get(name)


def query_param(event, name, default=None):
    return (event.get("queryStringParameters") or {}).get(name, default)


def records(event):
    for record in event.get("Records", []):
        yield record


def response(status, payload):
    return {"statusCode": status, "body": json.dumps(payload)}
'''

LIB_NOTIFY = '''\
"""Notifications through SNS and SQS."""
import json
import os

from lib import aws

TOPIC = os.environ.get("TOPIC_ARN")


def publish(subject, payload):
    aws.sns.publish(TopicArn=TOPIC, Subject=subject, Message=json.dumps(payload))


def enqueue(queue_url, payload):
    client = aws.queue_client()
    client.send_message(QueueUrl=queue_url, MessageBody=json.dumps(payload))
'''

SINKS = (
    ("import subprocess", "subprocess.run(f\"convert {name} /tmp/out.png\", shell=True)"),
    ("import sqlite3", "sqlite3.connect('/tmp/db').execute(\"SELECT * FROM t WHERE n = '\" + name + \"'\")"),
    ("import pickle\nimport base64", "pickle.loads(base64.b64decode(name))"),
    ("import urllib.request", "urllib.request.urlopen(name).read()"),
)

HANDLER = '''\
"""{service} handler {index}."""
import json
import os

{sink_import}
import boto3

from lib import aws
from lib.events import body, path_param, query_param, records, response
from lib.notify import enqueue, publish
from lib.repository import Repository

TABLE = os.environ["TABLE_NAME"]
BUCKET = os.environ["BUCKET_NAME"]
QUEUE_URL = os.getenv("QUEUE_URL")
repo = Repository(TABLE)
kms = boto3.client("kms")


class Exporter{index}:
    def __init__(self, client, bucket):
        self.client = client
        self.bucket = bucket

    def export(self, key, data):
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                               ServerSideEncryption="aws:kms")
        return f"s3://{{self.bucket}}/{{key}}"


def validate(payload):
    missing = [f for f in ("id", "owner") if f not in payload]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    return payload


def load_config():
    secret = aws.secrets.get_secret_value(SecretId=os.environ["SECRET_ARN"])
    return json.loads(secret["SecretString"])


def archive(items):
    paginator = aws.s3.get_paginator("list_objects_v2")
    keys = []
    for page in paginator.paginate(Bucket=BUCKET, Prefix="{service}/"):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    for key in keys[:10]:
        aws.s3.copy_object(CopySource={{"Bucket": BUCKET, "Key": key}}, Bucket=BUCKET,
                           Key="archive/" + key)
    return len(keys)


def process(record):
    message = json.loads(record["body"])
    item = repo.get(message["id"]) or {{}}
    item.update(message)
    repo.put(item)
    return item


def handler(event, context):
    if "Records" in event:
        done = [process(r) for r in records(event)]
        return {{"processed": len(done)}}
    payload = validate(body(event))
    owner = path_param(event, "owner") or payload["owner"]
    limit = int(query_param(event, "limit", "10"))
    items = repo.query(owner)[:limit]
    name = query_param(event, "name", "default")
    {sink_call}
    exporter = Exporter{index}(aws.s3, BUCKET)
    location = exporter.export(f"{service}/{{owner}}.json", json.dumps(items))
    data_key = kms.generate_data_key(KeyId=os.environ["KEY_ID"], KeySpec="AES_256")
    publish("{service} export", {{"owner": owner, "location": location}})
    enqueue(QUEUE_URL, {{"owner": owner, "count": len(items)}})
    config = load_config()
    if config.get("archive"):
        archive(items)
    return response(200, {{"items": items, "key": len(data_key)}})
'''


def serverless_yml(count: int) -> str:
    lines = [
        "service: generated",
        "provider:",
        "  name: aws",
        "  runtime: python3.12",
        "  region: eu-west-1",
        "  environment:",
        "    TOPIC_ARN: !Ref Events",
        "    SECRET_ARN: !Ref ApiSecret",
        "    KEY_ID: !Ref DataKey",
        "functions:",
    ]
    for index in range(count):
        service = SERVICES[index % len(SERVICES)]
        lines += [
            f"  h{index:03d}:",
            f"    handler: handlers/{service}/h{index:03d}.handler",
            "    environment:",
            f"      TABLE_NAME: !Ref {service.title()}Table",
            "      BUCKET_NAME: !Ref DataBucket",
            "      QUEUE_URL: !Ref WorkQueue",
            "    events:",
            "      - httpApi:",
            f"          path: /{service}/{index}/{{owner}}",
            "          method: post",
        ]
    lines += ["resources:", "  Resources:"]
    for service in SERVICES:
        lines += [f"    {service.title()}Table:", "      Type: AWS::DynamoDB::Table"]
    lines += ["    DataBucket:", "      Type: AWS::S3::Bucket",
              "    WorkQueue:", "      Type: AWS::SQS::Queue",
              "    Events:", "      Type: AWS::SNS::Topic",
              "    ApiSecret:", "      Type: AWS::SecretsManager::Secret",
              "    DataKey:", "      Type: AWS::KMS::Key"]
    return "\n".join(lines) + "\n"


def generate(out: Path, handlers: int = 200) -> dict[str, int]:
    """Write the project under ``out``; returns the number of files and lines."""
    files: dict[str, str] = {
        "serverless.yml": serverless_yml(handlers),
        "lib/__init__.py": LIB_INIT,
        "lib/aws.py": LIB_AWS,
        "lib/repository.py": LIB_REPO,
        "lib/events.py": LIB_EVENTS,
        "lib/notify.py": LIB_NOTIFY,
        "handlers/__init__.py": "",
    }
    for service in SERVICES:
        files[f"handlers/{service}/__init__.py"] = ""
    for index in range(handlers):
        service = SERVICES[index % len(SERVICES)]
        if index % 4 == 0:
            sink_import, sink_call = SINKS[(index // 4) % len(SINKS)]
        else:
            sink_import, sink_call = "import shlex", "name = shlex.quote(name)"
        files[f"handlers/{service}/h{index:03d}.py"] = HANDLER.format(
            service=service, index=index, sink_import=sink_import, sink_call=sink_call)
    lines = 0
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if rel.endswith(".py"):
            lines += sum(1 for line in text.splitlines()
                         if line.strip() and not line.strip().startswith("#"))
    return {"files": len(files), "python_lines": lines}


def measure_sdk(root: Path) -> dict[str, float]:
    """Time ``find_calls`` for every function of the generated app (parsing included,
    shared per code root as in a scan)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from faasguard.code import CodeAnalyzer
    from faasguard.code.handlers import HandlerRef
    from faasguard.code.python import botodata, count_lines
    from faasguard.code.python.sdk import find_calls
    from faasguard.loaders.base import LoadOptions
    from faasguard.loaders.serverless import load

    root = root.resolve()
    app = load(root / "serverless.yml", LoadOptions(root=root))[0]
    for service in ("s3", "sqs", "sns", "dynamodb", "secretsmanager", "kms"):
        botodata.operations(service)  # the SDK models load once per process; not timed
        botodata.resources(service)
    analyzer = CodeAnalyzer(root)
    start = time.perf_counter()
    calls = 0
    lines = 0
    for fn in app.functions:
        ref = analyzer.handler(app, fn)
        if not isinstance(ref, HandlerRef):
            continue
        project = analyzer.python_project(ref.code_root)
        found, _ = find_calls(project, ref, fn, app)
        calls += len(found)
        lines += sum(count_lines(project.source_lines(p)) for p in project.reachable(ref.file))
    seconds = time.perf_counter() - start
    unique = sum(count_lines(p.read_text(encoding="utf-8").splitlines())
                 for p in root.rglob("*.py"))
    # ``lines``: each function's reachable code (shared modules count once per function
    # that imports them, as they are analysed again with that function's bindings)
    return {"functions": len(app.functions), "sdk_calls": calls, "lines": lines,
            "project_lines": unique, "seconds": round(seconds, 3),
            "lines_per_second": round(lines / seconds),
            "project_lines_per_second": round(unique / seconds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--handlers", type=int, default=200)
    parser.add_argument("--measure-sdk", action="store_true")
    args = parser.parse_args(argv)
    stats = generate(args.out, args.handlers)
    print(f"wrote {stats['files']} files, {stats['python_lines']} lines of Python "
          f"to {args.out}")
    if args.measure_sdk:
        result = measure_sdk(args.out)
        print("find_calls: " + ", ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
