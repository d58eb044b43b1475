"""boto3 calls found in handler code: clients, resources, helpers, targets, unknowns."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from faasguard.code.facts import SdkCall
from faasguard.code.handlers import HandlerRef, resolve_handler
from faasguard.code.python.project import PythonProject
from faasguard.code.python.sdk import find_calls
from faasguard.loaders.base import LoadOptions
from faasguard.model import App, Function, Location, Ref, Unresolved

from conftest import FIXTURES

CODE = FIXTURES / "code" / "python"

Row = tuple[int | None, str, str, str, tuple[tuple[Any, str | None, str | None], ...]]


def rows(calls: list[SdkCall], file: str | None = None) -> list[Row]:
    return sorted(((c.loc.line, c.service, c.operation, c.via,
                    tuple((t.value, t.param, t.env_var) for t in c.targets))
                   for c in calls if file is None or c.loc.file == file),
                  key=lambda r: (r[0] or 0, r[1], r[2]))


def analyze(tmp_path: Path, files: dict[str, str], env: dict[str, Any] | None = None,
            handler: str = "app.handler", others: tuple[str, ...] = ()
            ) -> tuple[list[SdkCall], list[str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    fns = [Function(id=f"F{i}", loc=Location("template.yaml", i + 1), runtime="python3.12",
                    handler=h, code_path=".", environment=env or {})
           for i, h in enumerate((handler, *others))]
    app = App(name="app", source=Location("template.yaml"), format="sam", functions=tuple(fns))
    ref = resolve_handler(app, fns[0], tmp_path)
    assert isinstance(ref, HandlerRef), ref
    project = PythonProject(ref.code_root, tmp_path)
    calls, unknowns = find_calls(project, ref, fns[0], app)
    return calls, [f"{u.loc.line}: {u.what}" for u in unknowns]


def ops(calls: list[SdkCall]) -> list[tuple[int | None, str, str]]:
    return sorted((c.loc.line, c.service, c.operation) for c in calls)


# --- client styles ---------------------------------------------------------------------


def test_every_way_of_making_a_client(tmp_path: Path) -> None:
    calls, unknowns = analyze(tmp_path, {"app.py": """\
        import boto3
        import boto3 as b3
        from boto3 import client as make
        from boto3.session import Session
        import botocore.session

        MODULE = boto3.client("sqs")
        session = boto3.Session(profile_name="x")


        def handler(event, context):
            local = b3.client(service_name="sns")
            local.publish(TopicArn="arn:aws:sns:eu-west-1:1:t", Message="m")
            MODULE.send_message(QueueUrl="https://q", MessageBody="b")
            make("lambda").invoke(FunctionName="other")
            session.client("s3").list_buckets()
            Session().client("kms").decrypt(CiphertextBlob=b"x")
            boto3.session.Session().client("ssm").get_parameter(Name="/app/key")
            botocore.session.get_session().create_client("sts").get_caller_identity()
            boto3.client("cloudwatch").meta.region_name
        """})
    assert unknowns == []
    assert ops(calls) == [(13, "sns", "Publish"), (14, "sqs", "SendMessage"),
                          (15, "lambda", "Invoke"), (16, "s3", "ListBuckets"),
                          (17, "kms", "Decrypt"), (18, "ssm", "GetParameter"),
                          (19, "sts", "GetCallerIdentity")]
    publish = next(c for c in calls if c.operation == "Publish")
    assert publish.via == "client" and publish.language == "python"
    assert publish.targets[0].value == "arn:aws:sns:eu-west-1:1:t"
    assert publish.params == {"TopicArn": "arn:aws:sns:eu-west-1:1:t", "Message": "m"}


def test_clients_passed_stored_and_returned(tmp_path: Path) -> None:
    calls, unknowns = analyze(tmp_path, {
        "app.py": """\
            import boto3

            from lib.factory import events_client, Repo
            from lib import state

            sfn = None


            def start(client, arn):
                client.start_execution(stateMachineArn=arn)


            def init():
                global sfn
                sfn = boto3.client("stepfunctions")


            def handler(event, context):
                init()
                start(sfn, "arn:aws:states:eu-west-1:1:stateMachine:m")
                events_client().put_events(Entries=[{"EventBusName": "bus", "Detail": "{}"}])
                Repo(boto3.client("dynamodb")).get("k")
                state.remember(boto3.client("logs"))
                state.CLIENT.put_log_events(logGroupName="g", logStreamName="s", logEvents=[])
            """,
        "lib/__init__.py": "",
        "lib/factory.py": """\
            import boto3


            def events_client():
                made = boto3.client("events")
                return made


            class Base:
                def read(self, key):
                    return self.db.get_item(TableName="things", Key={"id": {"S": key}})


            class Repo(Base):
                def __init__(self, db):
                    self.db = db

                def get(self, key):
                    return self.read(key)
            """,
        "lib/state.py": """\
            CLIENT = None


            def remember(client):
                global CLIENT
                CLIENT = client
            """,
    })
    assert unknowns == []
    assert rows(calls) == [
        (10, "stepfunctions", "StartExecution", "client",
         (("arn:aws:states:eu-west-1:1:stateMachine:m", "stateMachineArn", None),)),
        (11, "dynamodb", "GetItem", "client", (("things", "TableName", None),)),
        (21, "events", "PutEvents", "client", (("bus", "EventBusName", None),)),
        (24, "logs", "PutLogEvents", "client", (("g", "logGroupName", None),
                                                ("s", "logStreamName", None))),
    ]
    assert {c.loc.file for c in calls} == {"app.py", "lib/factory.py"}


def test_unreached_code_and_other_handlers_do_not_count(tmp_path: Path) -> None:
    calls, _ = analyze(tmp_path, {"app.py": """\
        import boto3

        s3 = boto3.client("s3")


        def never_called():
            s3.delete_bucket(Bucket="b")


        def handler(event, context):
            return s3.get_object(Bucket="b", Key="k")


        def other_handler(event, context):
            return s3.put_object(Bucket="b", Key="k", Body=b"")
        """}, others=("app.other_handler",))
    assert ops(calls) == [(11, "s3", "GetObject")]


def test_router_functions_run_when_the_router_is_used(tmp_path: Path) -> None:
    calls, _ = analyze(tmp_path, {"app.py": """\
        import boto3
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        app = APIGatewayRestResolver()
        ddb = boto3.client("dynamodb")


        @app.get("/items")
        def items():
            return ddb.scan(TableName="items")


        @staticmethod
        def unrelated():
            return ddb.delete_table(TableName="items")


        def handler(event, context):
            return app.resolve(event, context)
        """})
    assert ops(calls) == [(10, "dynamodb", "Scan")]


# --- resources, paginators, waiters, transfer, presign ------------------------------------


def test_resource_api(tmp_path: Path) -> None:
    calls, unknowns = analyze(tmp_path, {"app.py": """\
        import boto3

        ddb = boto3.resource("dynamodb")
        s3 = boto3.resource("s3")
        sqs = boto3.resource("sqs")


        def handler(event, context):
            table = ddb.Table("orders")
            table.put_item(Item={"id": "1"})
            table.query(KeyConditionExpression="id = :v")
            with table.batch_writer() as batch:
                batch.put_item(Item={"id": "2"})
            print(table.item_count)
            bucket = s3.Bucket("media")
            for obj in bucket.objects.filter(Prefix="tmp/"):
                print(obj.key, obj.size)
            bucket.objects.filter(Prefix="old/").delete()
            s3.Object("media", "a.txt").get()
            s3.Object("media", "b.txt").content_length
            sqs.Queue("https://sqs/q").send_message(MessageBody="x")
            s3.meta.client.head_bucket(Bucket="media")
            bucket.wait_until_exists()
        """})
    assert unknowns == []
    assert rows(calls) == [
        (10, "dynamodb", "PutItem", "resource", (("orders", "TableName", None),)),
        (11, "dynamodb", "Query", "resource", (("orders", "TableName", None),)),
        (12, "dynamodb", "BatchWriteItem", "resource", (("orders", "TableName", None),)),
        (14, "dynamodb", "DescribeTable", "resource", (("orders", "TableName", None),)),
        (16, "s3", "ListObjects", "resource", (("media", "Bucket", None),)),
        (18, "s3", "DeleteObjects", "resource", (("media", "Bucket", None),)),
        (18, "s3", "ListObjects", "resource", (("media", "Bucket", None),)),
        (19, "s3", "GetObject", "resource", (("media", "Bucket", None), ("a.txt", "Key", None))),
        (20, "s3", "HeadObject", "resource", (("media", "Bucket", None), ("b.txt", "Key", None))),
        (21, "sqs", "SendMessage", "resource", (("https://sqs/q", "QueueUrl", None),)),
        (22, "s3", "HeadBucket", "client", (("media", "Bucket", None),)),
        (23, "s3", "HeadBucket", "waiter", (("media", "Bucket", None),)),
    ]


def test_paginators_waiters_transfer_and_presign(tmp_path: Path) -> None:
    calls, unknowns = analyze(tmp_path, {"app.py": """\
        import boto3

        s3 = boto3.client("s3")
        ddb = boto3.client("dynamodb")


        def handler(event, context):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket="in"):
                pass
            ddb.get_waiter("table_exists").wait(TableName="t")
            s3.upload_file("/tmp/f", "out", "k", ExtraArgs={"ServerSideEncryption": "aws:kms"})
            s3.download_fileobj(Bucket="in", Key="k", Fileobj=open("/tmp/x", "wb"))
            s3.copy({"Bucket": "in", "Key": "k"}, "out", "k2")
            s3.generate_presigned_url(ClientMethod="put_object", Params={"Bucket": "out", "Key": "u"})
            s3.generate_presigned_post("out", "form")
        """})
    assert unknowns == []
    assert ops(calls) == [
        (8, "s3", "ListObjectsV2"), (10, "dynamodb", "DescribeTable"),
        (11, "s3", "AbortMultipartUpload"), (11, "s3", "CompleteMultipartUpload"),
        (11, "s3", "CreateMultipartUpload"), (11, "s3", "PutObject"), (11, "s3", "UploadPart"),
        (12, "s3", "GetObject"), (12, "s3", "HeadObject"),
        (13, "s3", "AbortMultipartUpload"), (13, "s3", "CompleteMultipartUpload"),
        (13, "s3", "CopyObject"), (13, "s3", "CreateMultipartUpload"), (13, "s3", "HeadObject"),
        (13, "s3", "UploadPartCopy"),
        (14, "s3", "PutObject"), (15, "s3", "PutObject")]
    by = {(c.loc.line, c.operation): c for c in calls}
    assert by[(8, "ListObjectsV2")].via == "paginator"
    assert by[(10, "DescribeTable")].via == "waiter"
    upload = by[(11, "PutObject")]
    assert upload.via == "transfer"
    assert [(t.value, t.param) for t in upload.targets] == [("out", "Bucket"), ("k", "Key")]
    assert upload.params == {"ServerSideEncryption": "aws:kms"}
    copy = by[(13, "CopyObject")]
    assert copy.params["CopySource"] == {"Bucket": "in", "Key": "k"}
    assert [(t.value, t.param) for t in copy.targets] == [("out", "Bucket"), ("k2", "Key")]
    presign = by[(14, "PutObject")]
    assert presign.via == "presign"
    assert [(t.value, t.param) for t in presign.targets] == [("out", "Bucket"), ("u", "Key")]


# --- targets from the environment ---------------------------------------------------------


def test_environment_targets(tmp_path: Path) -> None:
    env = {"TABLE": Ref("Orders"), "BUCKET": "media-prod", "QUEUE": Unresolved("${ssm:/q}")}
    calls, _ = analyze(tmp_path, {"app.py": """\
        import os

        import boto3

        TABLE = os.environ["TABLE"]
        BUCKET_VAR = "BUCKET"
        ddb = boto3.client("dynamodb")
        s3 = boto3.client("s3")


        def handler(event, context):
            ddb.get_item(TableName=TABLE, Key={})
            s3.get_object(Bucket=os.getenv(BUCKET_VAR), Key="k")
            s3.put_object(Bucket=os.environ.get("MISSING", "fallback"), Key="k")
            boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE"], MessageBody="")
            s3.list_objects_v2(Bucket=f"{os.environ['BUCKET']}-logs")
            s3.head_object(Bucket=f"{BUCKET_VAR}-{os.environ['BUCKET']}", Key=event["k"])
            s3.delete_object(Bucket=event["bucket"], Key="k")
        """}, env=env)
    by = {c.operation: c for c in calls}
    assert by["GetItem"].targets[0].value == Ref("Orders")
    assert by["GetItem"].targets[0].env_var == "TABLE"
    assert (by["GetObject"].targets[0].value, by["GetObject"].targets[0].env_var) == \
        ("media-prod", "BUCKET")
    defaulted = by["PutObject"].targets[0]  # not in the template: the code's default
    assert (defaulted.value, defaulted.env_var) == ("fallback", "MISSING")
    assert by["SendMessage"].targets[0].value == Unresolved("${ssm:/q}")
    assert by["ListObjectsV2"].targets[0].value == "media-prod-logs"
    head = by["HeadObject"].targets
    assert head[0].value == "BUCKET-media-prod" and head[0].env_var == "BUCKET"
    assert isinstance(head[1].value, Unresolved) and head[1].value.expr == "event['k']"
    dynamic = by["DeleteObject"].targets[0]
    assert isinstance(dynamic.value, Unresolved) and dynamic.env_var is None


def test_environment_defaults_apply_only_when_the_template_does_not_set_the_variable(
        tmp_path: Path) -> None:
    calls, _ = analyze(tmp_path, {"app.py": """\
        import os

        import boto3

        TABLE = os.environ.get("TABLE", "orders-dev")
        OTHER = os.getenv("OTHER_TABLE", default="audit-dev")
        SET = os.environ.get("SET_TABLE", "never-used")
        NONE = os.environ.get("NO_DEFAULT")
        ddb = boto3.client("dynamodb")


        def handler(event, context):
            ddb.get_item(TableName=TABLE, Key={})
            ddb.put_item(TableName=OTHER, Item={})
            ddb.delete_item(TableName=SET, Key={})
            ddb.update_item(TableName=NONE, Key={})
            ddb.query(TableName=os.environ.setdefault("Q_TABLE", f"{TABLE}-index"))
        """}, env={"SET_TABLE": Ref("Orders")})
    by = {c.operation: c.targets[0] for c in calls}
    assert (by["GetItem"].value, by["GetItem"].env_var) == ("orders-dev", "TABLE")
    assert (by["PutItem"].value, by["PutItem"].env_var) == ("audit-dev", "OTHER_TABLE")
    assert (by["DeleteItem"].value, by["DeleteItem"].env_var) == (Ref("Orders"), "SET_TABLE")
    unset = by["UpdateItem"]  # no default: None at run time, nothing to resolve to
    assert isinstance(unset.value, Unresolved) and unset.env_var == "NO_DEFAULT"
    assert "not set in the function's environment" in unset.value.reason
    assert (by["Query"].value, by["Query"].env_var) == ("orders-dev-index", "Q_TABLE")


def test_env_with_template_reference_in_fstring_stays_unresolved(tmp_path: Path) -> None:
    calls, _ = analyze(tmp_path, {"app.py": """\
        import os
        import boto3


        def handler(event, context):
            boto3.client("s3").get_object(Bucket=f"{os.environ['B']}-x", Key="k")
        """}, env={"B": Ref("Media")})
    target = calls[0].targets[0]
    assert isinstance(target.value, Unresolved)
    assert target.value.expr == "f\"{os.environ['B']}-x\"" and target.env_var == "B"


# --- what is not guessed ------------------------------------------------------------------


def test_dynamic_names_are_unknown(tmp_path: Path) -> None:
    calls, unknowns = analyze(tmp_path, {"app.py": """\
        import boto3


        def handler(event, context):
            name = event["service"]
            client = boto3.client(name)
            client.anything()
            op = event["op"]
            getattr(boto3.client("s3"), op)(Bucket="b")
            getattr(boto3.client("s3"), "list_buckets")()
            boto3.client("s3").get_paginator(op)
            boto3.client("s3").get_paginator("no_such_thing")
            boto3.client("nope")
            boto3.resource("lambda")
            boto3.client("s3").no_such_method()
            boto3.client()
        """})
    assert ops(calls) == [(10, "s3", "ListBuckets")]
    assert unknowns == [
        "6: dynamic client name: name",
        "9: s3 operation chosen at run time (getattr)",
        "11: s3 paginator name is dynamic",
        "12: unknown s3 paginator 'no_such_thing'",
        "13: unknown AWS service 'nope'",
        "14: boto3 has no resource API for 'lambda'",
        "15: s3 client has no method no_such_method()",
        "16: client without a service name",
    ]


def test_deeply_nested_code_is_unknown_not_a_crash(tmp_path: Path) -> None:
    deep = "x = " + " + ".join(["'a'"] * 600) + "\n"
    calls, unknowns = analyze(tmp_path, {"app.py": "import boto3\n" + deep + """\


def handler(event, context):
    boto3.client("s3").list_buckets()
"""})
    assert any("nested too deeply" in u for u in unknowns) or \
        ops(calls) == [(6, "s3", "ListBuckets")]


# --- the fixture apps, through their templates ---------------------------------------------


def load_app(path: Path) -> App:
    opts = LoadOptions(root=path.parent.resolve())
    if path.name == "serverless.yml":
        from faasguard.loaders.serverless import load

        return load(path, opts)[0]
    from faasguard.loaders.cloudformation import load as load_cfn

    return load_cfn(path, opts)[0]


def fixture_calls(path: Path, fid: str) -> tuple[list[SdkCall], list[str]]:
    app = load_app(path)
    fn = app.function(fid)
    assert fn is not None
    ref = resolve_handler(app, fn, path.parent)
    assert isinstance(ref, HandlerRef)
    calls, unknowns = find_calls(PythonProject(ref.code_root, path.parent), ref, fn, app)
    return calls, [f"{u.loc}: {u.what}" for u in unknowns]


def test_serverless_app_links_code_to_template_resources() -> None:
    calls, unknowns = fixture_calls(CODE / "sls_app/serverless.yml", "orders")
    assert unknowns == []
    orders = Ref("OrdersTable")
    uploads = Ref("UploadsBucket")
    found = {(c.loc.file, c.loc.line, c.operation): c for c in calls}
    put = found[("src/handlers/orders.py", 13, "PutItem")]
    assert [(t.value, t.param, t.env_var) for t in put.targets] == [
        (orders, "TableName", "TABLE_NAME")]
    assert found[("src/handlers/orders.py", 19, "PutObject")].targets[0].value == uploads
    send = found[("src/lib/aws.py", 28, "SendMessage")]
    assert (send.targets[0].value, send.targets[0].env_var) == (Ref("JobsQueue"), "QUEUE_URL")
    assert ("src/lib/storage.py", 8, "PutObject") in found
    assert ("src/lib/storage.py", 10, "DeleteObject") in found
    # the other function sharing orders.py, and the vendored package, are not counted
    assert all(c.operation not in ("Scan", "DeleteUser") for c in calls)
    listing, _ = fixture_calls(CODE / "sls_app/serverless.yml", "listing")
    assert ops(listing) == [(27, "dynamodb", "Scan")]


def test_serverless_app_dynamic_handler() -> None:
    calls, unknowns = fixture_calls(CODE / "sls_app/serverless.yml", "dynamic")
    assert ops(calls) == [(11, "lambda", "Invoke")]
    assert unknowns == ["src/handlers/dynamic.py:8: dynamic client name: service",
                        "src/handlers/dynamic.py:13: sns operation chosen at run time (getattr)"]


def test_sam_app_resolves_env_refs_and_nested_table_names() -> None:
    calls, unknowns = fixture_calls(CODE / "sam_app/template.yaml", "Worker")
    assert unknowns == ["src/app.py:30: unknown AWS service 'not-a-service'"]
    found = {(c.loc.file, c.loc.line, c.operation): c for c in calls}
    copy = found[("src/app.py", 17, "CopyObject")]
    assert copy.targets[0].value == Ref("DestBucket")
    assert copy.params["CopySource"]["Bucket"] == Ref("SourceBucket")
    upload = found[("src/app.py", 24, "PutObject")]
    assert upload.params["SSEKMSKeyId"] == Ref("DataKey", "Arn")
    secret = found[("src/app.py", 27, "GetSecretValue")]
    assert (secret.targets[0].value, secret.targets[0].env_var) == (Ref("ApiSecret"),
                                                                    "SECRET_ARN")
    publish = found[("src/app.py", 29, "Publish")]
    assert publish.targets[0].value == "arn:aws:sns:eu-west-1:123456789012:alerts"
    items = Ref("ItemsTable")
    assert found[("src/lib/clients.py", 14, "BatchWriteItem")].targets[0].value == items
    assert found[("src/lib/clients.py", 16, "TransactWriteItems")].targets[0].value == items


@pytest.mark.parametrize(("fid", "expected"), [
    ("Resources", [(14, "sqs", "SendMessage"), (15, "sqs", "GetQueueUrl"),
                   (16, "sqs", "SendMessageBatch"), (17, "s3", "GetObject"),
                   (19, "s3", "ListObjects"), (20, "dynamodb", "BatchGetItem"),
                   (21, "dynamodb", "GetItem")]),
])
def test_sam_resource_handler(fid: str, expected: list[tuple[int, str, str]]) -> None:
    calls, unknowns = fixture_calls(CODE / "sam_app/template.yaml", fid)
    assert unknowns == []
    assert ops(calls) == expected
    batch = next(c for c in calls if c.operation == "SendMessageBatch")
    assert [(t.value, t.param) for t in batch.targets] == [("jobs", "QueueName")]
    get_batch = next(c for c in calls if c.operation == "BatchGetItem")
    assert [(t.value, t.env_var) for t in get_batch.targets] == [(Ref("ItemsTable"), "TABLE")]


def test_names_holding_several_clients_and_lambdas(tmp_path: Path) -> None:
    calls, unknowns = analyze(tmp_path, {"app.py": """\
        import boto3


        def handler(event, context):
            client = boto3.client("sqs") if event else boto3.client("sns")
            client.publish(TopicArn="arn:aws:sns:eu-west-1:1:t", Message="m")
            later = lambda: boto3.client("s3").list_buckets()
            config = {"service_name": event["svc"]}
            boto3.client(**config)
            return later
        """})
    assert ops(calls) == [(6, "sns", "Publish"), (7, "s3", "ListBuckets")]
    assert unknowns == ["9: dynamic client name: boto3.client(**config)"]


def test_namespace_packages_and_module_attributes(tmp_path: Path) -> None:
    calls, unknowns = analyze(tmp_path, {
        "app.py": """\
            import services.mail
            import services.store as store


            def handler(event, context):
                services.mail.send("a@example.com")
                store.CLIENT.put_object(Bucket="b", Key="k")
            """,
        "services/mail.py": """\
            import boto3


            def send(to):
                boto3.client("ses").send_email(Source="x@example.com", Destination={},
                                               Message={})
            """,
        "services/store.py": "import boto3\n\nCLIENT = boto3.client('s3')\n",
    })
    assert unknowns == []
    assert sorted((c.loc.file, c.loc.line, c.operation) for c in calls) == [
        ("app.py", 7, "PutObject"), ("services/mail.py", 5, "SendEmail")]


def test_env_names_through_parameters_and_non_string_values(tmp_path: Path) -> None:
    calls, _ = analyze(tmp_path, {"app.py": """\
        import os
        import boto3


        def setting(key):
            return os.environ[key]


        def handler(event, context):
            boto3.client("sqs").send_message(QueueUrl=setting("QUEUE"), MessageBody="")
            boto3.client("ssm").get_parameter(Name=os.environ.get("PARAM_VERSION"))
        """}, env={"QUEUE": Ref("Jobs"), "PARAM_VERSION": 3})
    by = {c.operation: c.targets[0] for c in calls}
    assert (by["SendMessage"].value, by["SendMessage"].env_var) == (Ref("Jobs"), "QUEUE")
    assert (by["GetParameter"].value, by["GetParameter"].env_var) == ("3", "PARAM_VERSION")
