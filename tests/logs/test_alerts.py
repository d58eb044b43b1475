"""Alert outputs (console, JSON lines, webhook against a local server, SNS and SQS on
moto), deduplication kept in the store, and `faasguard logs detect` end to end."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from faasguard.cli import main
from faasguard.findings import Severity
from faasguard.logs.detections.alerts import (
    STATE_TABLE,
    AlertError,
    Console,
    JsonLines,
    Sns,
    Sqs,
    Webhook,
    dispatch,
    parse_output,
)
from faasguard.logs.detections.model import Detection
from faasguard.logs.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs" / "detections"
T0 = datetime(2026, 11, 20, 10, 0)
DAY = timedelta(days=1)


def detection(key: str = "R|k", first: datetime = T0, last: datetime = T0,
              severity: Severity = Severity.HIGH) -> Detection:
    return Detection(rule_id="R", title="Trail stopped", severity=severity,
                     controls=("F4",), first_seen=first, last_seen=last,
                     summary="StopLogging by mallory", dedup_key=key, event_ids=("e1",))


@pytest.fixture
def db(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return Store(tmp_path / "store.duckdb", tmp_path).db


class Recorder:
    """A local webhook receiver: answers with the queued statuses, then 200."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.headers: list[dict[str, str]] = []


@pytest.fixture
def hook() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            recorder.bodies.append(json.loads(self.rfile.read(length)))
            recorder.headers.append(dict(self.headers))
            status = recorder.statuses.pop(0) if recorder.statuses else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/s3cr3t-token", recorder
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_posts_json(hook: tuple[str, Recorder]) -> None:
    url, recorder = hook
    Webhook(url).send(detection())
    assert recorder.bodies[0]["alert"]["rule_id"] == "R"
    assert recorder.bodies[0]["alert"]["event_ids"] == ["e1"]
    assert recorder.headers[0]["Content-Type"] == "application/json"


def test_webhook_retries_with_backoff(hook: tuple[str, Recorder]) -> None:
    url, recorder = hook
    recorder.statuses = [503, 429]
    waits: list[float] = []
    Webhook(url, retries=3, backoff=0.5, sleep=waits.append).send(detection())
    assert len(recorder.bodies) == 3
    assert waits == [0.5, 1.0]


def test_webhook_gives_up_and_hides_the_secret(hook: tuple[str, Recorder]) -> None:
    url, recorder = hook
    recorder.statuses = [500, 500, 500]
    waits: list[float] = []
    with pytest.raises(AlertError) as failed:
        Webhook(url, retries=2, sleep=waits.append).send(detection())
    assert "HTTP 500 (after 3 attempts)" in str(failed.value)
    assert "s3cr3t" not in str(failed.value)
    assert waits == [0.5, 1.0]
    # a client error is not retried
    recorder.statuses = [404]
    with pytest.raises(AlertError, match=r"HTTP 404 \(after 1 attempts"):
        Webhook(url, sleep=waits.append).send(detection())


def test_webhook_timeout_and_unreachable() -> None:
    import socket

    quiet = socket.socket()
    quiet.bind(("127.0.0.1", 0))
    quiet.listen(1)  # accepts, never answers
    port = quiet.getsockname()[1]
    try:
        with pytest.raises(AlertError, match="after 2 attempts"):
            Webhook(f"http://127.0.0.1:{port}/", timeout=0.2, retries=1,
                    sleep=lambda s: None).send(detection())
    finally:
        quiet.close()
    with pytest.raises(AlertError, match="not an http"):
        Webhook("file:///etc/passwd")


def test_jsonl_and_console(tmp_path: Path) -> None:
    out = JsonLines(tmp_path / "alerts.jsonl")
    out.send(detection("a"))
    out.send(detection("b"))
    out.close()
    lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(x)["alert"]["dedup_key"] for x in lines] == ["a", "b"]
    stream = io.StringIO()
    Console(stream).send(detection())
    assert stream.getvalue() == "ALERT [high] R: Trail stopped: StopLogging by mallory\n"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "eu-west-1")):
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def test_sqs(aws: None) -> None:
    import boto3

    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    Sqs(url).send(detection())
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(messages[0]["Body"])["alert"]["title"] == "Trail stopped"
    with pytest.raises(AlertError, match="sqs"):
        Sqs(url.replace("alerts", "missing")).send(detection())


def test_sns(aws: None) -> None:
    import boto3

    sns = boto3.client("sns", region_name="eu-west-1")
    sqs = boto3.client("sqs", region_name="eu-west-1")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    Sns(topic).send(detection())
    body = json.loads(sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"])
    assert body["Subject"] == "[high] Trail stopped"
    assert json.loads(body["Message"])["alert"]["rule_id"] == "R"
    with pytest.raises(AlertError, match="sns"):
        Sns(topic.replace("alerts", "missing")).send(detection())


def test_parse_output(tmp_path: Path) -> None:
    assert isinstance(parse_output("console"), Console)
    assert isinstance(parse_output(f"jsonl={tmp_path}/a.jsonl"), JsonLines)
    assert isinstance(parse_output("webhook=https://hooks.example.com/x"), Webhook)
    assert isinstance(parse_output("sns=arn:aws:sns:eu-west-1:123456789012:t"), Sns)
    assert isinstance(parse_output("sqs=https://sqs.eu-west-1.amazonaws.com/1/q"), Sqs)
    for bad in ("pager=x", "jsonl", "sns=topic", "webhook=ftp://x"):
        with pytest.raises(AlertError):
            parse_output(bad)


class Flaky:
    kind = "flaky"
    key = "flaky"

    def __init__(self, fail_on: set[str]) -> None:
        self.fail_on = fail_on
        self.sent: list[str] = []

    def send(self, d: Detection) -> None:
        if d.dedup_key in self.fail_on:
            raise AlertError("down")
        self.sent.append(d.dedup_key)

    def close(self) -> None:
        return None


def test_dedup_over_a_window(db: duckdb.DuckDBPyConnection) -> None:
    out = Flaky(set())
    first = dispatch(db, [detection("a"), detection("b")], [out], DAY)
    assert (first[0].sent, first[0].suppressed) == (2, 0)
    again = dispatch(db, [detection("a"), detection("b")], [out], DAY)
    assert (again[0].sent, again[0].suppressed) == (0, 2)
    # the same key, still going an hour later: inside the window
    later = detection("a", T0, T0 + timedelta(hours=1))
    assert dispatch(db, [later], [out], DAY)[0].suppressed == 1
    # activity a window past what was alerted: a new alert
    much_later = detection("a", T0 + DAY, T0 + DAY)
    assert dispatch(db, [much_later], [out], DAY)[0].sent == 1
    assert out.sent == ["a", "b", "a"]
    rows = db.execute(f"SELECT dedup_key, alerts FROM {STATE_TABLE} ORDER BY 1").fetchall()
    assert rows == [("a", 2), ("b", 1)]


def test_failed_alerts_are_retried_next_run(db: duckdb.DuckDBPyConnection) -> None:
    down = Flaky({"b"})
    report = dispatch(db, [detection("a"), detection("b"), detection("c")], [down], DAY)
    assert (report[0].sent, report[0].errors) == (1, ["down"])
    up = Flaky(set())
    retry = dispatch(db, [detection("a"), detection("b"), detection("c")], [up], DAY)
    assert up.sent == ["b", "c"] and retry[0].suppressed == 1


def test_outputs_dedup_independently(db: duckdb.DuckDBPyConnection) -> None:
    one, other = Flaky(set()), Flaky(set())
    other.key = "other"
    dispatch(db, [detection("a")], [one], DAY)
    dispatch(db, [detection("a")], [one, other], DAY)
    assert (one.sent, other.sent) == (["a"], ["a"])


def test_detect_command(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        hook: tuple[str, Recorder]) -> None:
    url, recorder = hook
    store = tmp_path / "store.duckdb"
    assert main(["logs", "ingest", "--no-progress", "--db", str(store),
                 str(FIXTURES / "builtin")]) == 0
    capsys.readouterr()
    alerts = tmp_path / "alerts.jsonl"
    args = ["logs", "detect", "--db", str(store), "--since", "2026-11-01T00:00:00Z",
            "--until", "2026-12-01T00:00:00Z", "--alert", f"jsonl={alerts}",
            "--alert", f"webhook={url}"]
    assert main([*args, "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    rules = {d["rule_id"] for d in doc["detections"]}
    assert len(rules) == 11  # every built-in rule fires on its fixture
    assert doc["refused"] == [] and doc["failures"] == []
    sent = len(alerts.read_text().splitlines())
    assert sent == len(doc["detections"]) == len(recorder.bodies)
    assert [a["sent"] for a in doc["alerts"]] == [sent, sent]
    # a re-run finds the same and alerts nothing
    assert main(args) == 1
    text = capsys.readouterr().out
    assert f"alerts to jsonl: 0 sent, {sent} already alerted" in text
    assert "[HIGH] FG-CT-TRAIL-STOPPED" in text
    assert len(alerts.read_text().splitlines()) == sent == len(recorder.bodies)


def test_detect_command_sigma_refusals_and_errors(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store.duckdb"
    main(["logs", "ingest", "--no-progress", "--db", str(store),
          str(FIXTURES / "builtin" / "FG-CT-TRAIL-STOPPED.json")])
    capsys.readouterr()
    base = ["logs", "detect", "--db", str(store), "--since", "2026-11-20T00:00:00Z",
            "--until", "2026-11-21T00:00:00Z", "--no-builtin"]
    assert main([*base, "--rules", str(FIXTURES / "sigma" / "refused" / "cidr.yml")]) == 0
    err = capsys.readouterr().err
    assert "rule not loaded" in err and "|cidr" in err
    assert main([*base, "--rules", str(FIXTURES / "sigma" / "cloudtrail_tampering.yml")]) == 1
    assert "2 detections from 1 rules" in capsys.readouterr().out
    for bad in (["--since", "yesterday"], ["--alert", "pager=x"], ["--rules", "/nope"],
                ["--db", str(tmp_path / "none.duckdb")], ["--dedup-window", "0m"]):
        with pytest.raises(SystemExit) as usage:
            main([*base, *bad])
        assert usage.value.code == 2
        assert "Traceback" not in capsys.readouterr().err


def test_detect_rules_cannot_read_files(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "store.duckdb"
    main(["logs", "ingest", "--no-progress", "--db", str(store),
          str(FIXTURES / "builtin" / "FG-CT-TRAIL-STOPPED.json")])
    rules = tmp_path / "rules"
    rules.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t")
    (rules / "leak.yaml").write_text(
        "id: LEAK\ntitle: leak\nseverity: low\ncontrols: [F4]\ndescription: d\n"
        f"where: (SELECT content FROM read_text('{secret}')) = 's3cr3t'\n")
    capsys.readouterr()
    code = main(["logs", "detect", "--db", str(store), "--no-builtin", "--no-wallet",
                 "--rules", str(rules), "--since", "2026-11-01T00:00:00Z",
                 "--until", "2026-12-01T00:00:00Z"])
    assert code == 3
    assert "rule LEAK" in capsys.readouterr().err


def test_detect_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["logs", "detect", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--alert OUTPUT" in out and "--dedup-window" in out
