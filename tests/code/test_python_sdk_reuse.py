"""Runs of shared modules recorded by one handler's SDK analysis and replayed by the next
give exactly what running them again gives."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from faasguard.code.handlers import HandlerRef, resolve_handler
from faasguard.code.python.project import PythonProject
from faasguard.code.python.sdk import find_calls
from faasguard.model import App, Function, Location, Ref

LIB = {
    "lib/__init__.py": "",
    "lib/aws.py": """\
        import os
        import boto3

        REGION = os.environ.get("AWS_REGION", "eu-west-1")
        s3 = boto3.client("s3")
        dynamodb = boto3.resource("dynamodb")


        def table(name):
            return dynamodb.Table(name)
        """,
    "lib/repo.py": """\
        import os
        from lib.aws import table


        class Repository:
            def __init__(self, name):
                self.table = table(name)

            def get(self, key):
                return self.table.get_item(Key={"id": key}).get("Item")

            def put(self, item):
                self.table.put_item(Item=item)


        class Audited(Repository):
            def put(self, item):
                self.table.put_item(Item=item)
                table(os.environ["AUDIT_TABLE"]).put_item(Item={"of": item})
        """,
    "lib/extra.py": """\
        import os
        import boto3

        s3 = boto3.client("s3")
        LOGS = os.environ.get("LOG_BUCKET", "logs-dev")


        def log(line):
            s3.put_object(Bucket=LOGS, Key="log", Body=line)
        """,
    # reaches lib.extra through the package attribute only: whether that module is among
    # the handler's files decides what save() does
    "lib/helpers.py": """\
        import lib

        COUNT = 0


        def save(key):
            global COUNT
            COUNT = key
            lib.extra.s3.put_object(Bucket="archive", Key=key)


        def client_for(service):
            import boto3
            return boto3.client(service)
        """,
}

HANDLERS = {
    "orders.py": """\
        import os
        import lib.extra
        from lib.repo import Repository
        from lib.helpers import save

        repo = Repository(os.environ["TABLE"])


        def handler(event, context):
            repo.put(repo.get(event["id"]))
            save(event["id"])
        """,
    "billing.py": """\
        import os
        from lib.repo import Audited
        from lib.helpers import client_for, save

        repo = Audited(os.environ.get("TABLE", "billing-dev"))


        def handler(event, context):
            repo.put({"id": 1})
            save("k")
            client_for("sqs").send_message(QueueUrl=os.getenv("QUEUE", "q"), MessageBody="")
        """,
    "users.py": """\
        import os
        from lib.extra import log
        from lib.repo import Repository


        def handler(event, context):
            Repository(os.environ["TABLE"]).get(event["id"])
            log("read")
        """,
}

ENVIRONMENTS: list[tuple[str, dict[str, Any]]] = [
    ("orders.handler", {"TABLE": Ref("Orders")}),
    ("billing.handler", {"AUDIT_TABLE": "audit"}),
    ("users.handler", {"TABLE": Ref("Users")}),
    ("orders.handler", {"TABLE": Ref("Users")}),
    ("billing.handler", {"TABLE": Ref("Billing"), "AUDIT_TABLE": Ref("Audit"),
                         "QUEUE": "https://sqs/q"}),
    ("users.handler", {"TABLE": Ref("Orders"), "LOG_BUCKET": Ref("Logs")}),
    ("orders.handler", {"TABLE": Ref("Orders")}),
    ("billing.handler", {"AUDIT_TABLE": "audit"}),
]
"""Functions in the order the analysis meets them: the same handler with other
environments, and again with environments seen before (those replay everything)."""


def _tree(tmp_path: Path) -> App:
    for name, text in {**LIB, **HANDLERS}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    fns = tuple(Function(id=f"F{i}", loc=Location("template.yaml", i + 1),
                         runtime="python3.12", handler=handler, code_path=".",
                         environment=env)
                for i, (handler, env) in enumerate(ENVIRONMENTS))
    return App(name="app", source=Location("template.yaml"), format="sam", functions=fns)


def _rows(found: tuple[list[Any], list[Any]]) -> tuple[list[Any], list[Any]]:
    calls, unknowns = found
    return ([(c.loc, c.service, c.operation, c.via, c.targets, dict(c.params)) for c in calls],
            [(u.loc, u.what) for u in unknowns])


def test_replayed_runs_give_what_running_gives(tmp_path: Path) -> None:
    app = _tree(tmp_path)
    shared: PythonProject | None = None
    for fn in app.functions:
        ref = resolve_handler(app, fn, tmp_path)
        assert isinstance(ref, HandlerRef)
        if shared is None:
            shared = PythonProject(ref.code_root, tmp_path)
        reused = find_calls(shared, ref, fn, app, reuse=True)
        alone = find_calls(PythonProject(ref.code_root, tmp_path), ref, fn, app, reuse=False)
        assert _rows(reused) == _rows(alone), fn.id
    assert shared is not None and shared.derived["sdk.runs"]  # runs were recorded


def test_what_a_replayed_run_found(tmp_path: Path) -> None:
    app = _tree(tmp_path)
    ref = resolve_handler(app, app.functions[0], tmp_path)
    assert isinstance(ref, HandlerRef)
    project = PythonProject(ref.code_root, tmp_path)
    found: dict[str, set[tuple[str, Any]]] = {}
    for fn in app.functions:
        fn_ref = resolve_handler(app, fn, tmp_path)
        assert isinstance(fn_ref, HandlerRef)
        calls, _ = find_calls(project, fn_ref, fn, app)
        found[fn.id] = {(c.operation, c.targets[0].value if c.targets else None)
                        for c in calls}
    # orders imports lib.extra itself: save() reaches S3 through the package attribute
    assert ("PutObject", "archive") in found["F0"] and found["F0"] == found["F6"]
    # billing does not: the same save() finds nothing there, replayed or not
    assert not any(op == "PutObject" for op, _ in found["F1"])
    assert any(op == "PutItem" for op, _ in found["F1"]) and found["F1"] == found["F7"]
    assert ("SendMessage", "q") in found["F1"] and ("SendMessage", "https://sqs/q") in found["F4"]
    assert ("GetItem", Ref("Users")) in found["F2"] and ("GetItem", Ref("Orders")) in found["F5"]
    # the same library code, another environment
    assert ("PutObject", "logs-dev") in found["F2"] and ("PutObject", Ref("Logs")) in found["F5"]
