"""The parsers on the documented formats: every field detections and reports need."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from faasguard.logs.detect import Detected, Format, Framing, NotLogs, detect
from faasguard.logs.ingest import parse_unit
from faasguard.logs.parsers import Item, apigw, audit, cloudtrail, cloudwatch, lambda_logs
from faasguard.logs.schema import APIGW, AUDIT, CLOUDTRAIL, LAMBDA, QUARANTINE, TABLES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"


def rows(items: Any, table: str) -> list[dict[str, Any]]:
    """Items of one table as dicts by column name (checking each row's width)."""
    out = []
    for name, _key, row in items:
        assert len(row) == TABLES[name].width, (name, row)
        if name == table:
            out.append(dict(zip([c for c, _ in TABLES[name].columns], row, strict=True)))
    return out


def lambda_line(line: str) -> list[Item]:
    return list(lambda_logs.parse_line(line))


def only(items: list[Item], table: str = LAMBDA.name) -> dict[str, Any]:
    (row,) = rows(items, table)
    return row


# -- Lambda, text format ---------------------------------------------------------------

def test_report_line_all_fields() -> None:
    row = only(lambda_line(
        "REPORT RequestId: 8f507cfc-1111-4697-b07a-ac58fc914c95\tDuration: 12.34 ms\t"
        "Billed Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 45 MB\t"
        "Init Duration: 171.59 ms\tXRAY TraceId: 1-5e34a614-10bd7a5bf1fb44f07bc535a1\t"
        "SegmentId: 07f5a4c52d1f6f85\tSampled: true\t"))
    assert row["kind"] == "report"
    assert row["request_id"] == "8f507cfc-1111-4697-b07a-ac58fc914c95"
    assert (row["duration_ms"], row["billed_ms"], row["memory_mb"], row["max_memory_mb"],
            row["init_ms"]) == (12.34, 13.0, 128, 45, 171.59)
    assert (row["trace_id"], row["segment_id"], row["sampled"]) == (
        "1-5e34a614-10bd7a5bf1fb44f07bc535a1", "07f5a4c52d1f6f85", True)


def test_report_line_with_status_and_error_type() -> None:
    row = only(lambda_line(
        "REPORT RequestId: 6d1b9c2a-3333-4e5f-8a7b-9c0d1e2f3a4b\tDuration: 812.50 ms\t"
        "Billed Duration: 813 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t"
        "Status: error\tError Type: Runtime.OutOfMemory"))
    assert (row["status"], row["error_type"], row["init_ms"]) == (
        "error", "Runtime.OutOfMemory", None)


def test_malformed_report_is_quarantined() -> None:
    items = lambda_line("REPORT RequestId: 5b4a3c2d-5555\tDuration: abc ms")
    (q,) = rows(items, QUARANTINE.name)
    assert "malformed REPORT" in q["reason"]
    assert q["raw"].startswith("REPORT RequestId: 5b4a3c2d")


@pytest.mark.parametrize(("line", "kind", "request_id", "extra"), [
    ("START RequestId: 8f507cfc-1111-4697-b07a-ac58fc914c95 Version: $LATEST", "start",
     "8f507cfc-1111-4697-b07a-ac58fc914c95", {"version": "$LATEST"}),
    ("END RequestId: 8f507cfc-1111-4697-b07a-ac58fc914c95", "end",
     "8f507cfc-1111-4697-b07a-ac58fc914c95", {}),
    ("2026-11-20T10:00:05.000Z 2a3f0c5e-2222-4c1d-9a8b-0f1e2d3c4b5a Task timed out after "
     "3.00 seconds", "timeout", "2a3f0c5e-2222-4c1d-9a8b-0f1e2d3c4b5a",
     {"timeout_s": 3.0, "status": "timeout"}),
    ("RequestId: 2a3f0c5e-2222-4c1d-9a8b-0f1e2d3c4b5a Error: Task timed out after 900.00 "
     "seconds", "timeout", "2a3f0c5e-2222-4c1d-9a8b-0f1e2d3c4b5a", {"timeout_s": 900.0}),
    ("RequestId: 6d1b9c2a-3333-4e5f-8a7b-9c0d1e2f3a4b Error: Runtime exited with error: "
     "signal: killed", "oom", "6d1b9c2a-3333-4e5f-8a7b-9c0d1e2f3a4b",
     {"error_type": "Runtime.ExitError"}),
    ("RequestId: 6d1b9c2a-3333-4e5f-8a7b-9c0d1e2f3a4b Error: Runtime exited with error: "
     "exit status 1\nRuntime.ExitError", "error", "6d1b9c2a-3333-4e5f-8a7b-9c0d1e2f3a4b",
     {"error_type": "Runtime.ExitError"}),
    ("[ERROR]\t2026-11-20T10:00:09.001Z\t9e8d7c6b-4444-4a3b-2c1d-0e9f8a7b6c5d\t"
     "ZeroDivisionError: division by zero", "error", "9e8d7c6b-4444-4a3b-2c1d-0e9f8a7b6c5d",
     {"error_type": "ZeroDivisionError", "level": "ERROR"}),
    ("[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named "
     "'requests'", "error", None, {"error_type": "Runtime.ImportModuleError"}),
    ("2026-11-20T11:00:00.190Z\t1c2d3e4f-aaaa-4b5c-8d9e-0f1a2b3c4d5e\tERROR\tInvoke Error "
     '\t{"errorType":"TypeError","errorMessage":"x is not a function"}', "error",
     "1c2d3e4f-aaaa-4b5c-8d9e-0f1a2b3c4d5e", {"error_type": "TypeError"}),
    ("[INFO]\t2026-11-20T10:00:00.120Z\t8f507cfc-1111-4697-b07a-ac58fc914c95\thello", "log",
     "8f507cfc-1111-4697-b07a-ac58fc914c95", {"level": "INFO"}),
    ('{"errorMessage": "boom", "errorType": "KeyError", "requestId": "r-1", '
     '"stackTrace": []}', "error", "r-1", {"error_type": "KeyError"}),
    ("INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout", "init_report",
     None, {"init_ms": 10000.0, "status": "timeout"}),
    ("INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:x",
     "init_start", None, {"version": "python:3.12.v18"}),
    ("just a print() from the handler", "log", None, {"level": None}),
])
def test_text_lines(line: str, kind: str, request_id: str | None,
                    extra: dict[str, Any]) -> None:
    row = only(lambda_line(line))
    assert (row["kind"], row["request_id"]) == (kind, request_id)
    for column, value in extra.items():
        assert row[column] == value, column


def test_export_line_takes_its_time_and_aws_logs_tail_its_stream() -> None:
    row = only(lambda_line("2026-11-20T11:00:00.100Z START RequestId: r-2 Version: 3"))
    assert (row["ts"], row["kind"], row["version"]) == ("2026-11-20T11:00:00.100Z", "start", "3")
    row = only(lambda_line("2026-11-20T11:00:00.100000+00:00 2026/11/20/[$LATEST]0a1b2c "
                           "END RequestId: r-2"))
    assert (row["log_stream"], row["kind"]) == ("2026/11/20/[$LATEST]0a1b2c", "end")


def test_audit_event_in_function_log_is_stored_twice_over() -> None:
    line = (FIXTURES / "lambda-text.log").read_text().splitlines()[15]
    items = lambda_line(line)
    event = only(items, AUDIT.name)
    assert (event["type"], event["status"], event["reason"]) == ("auth.failure", 401,
                                                                 "jwt.expired")
    assert only(items)["kind"] == "log"


# -- Lambda, JSON format ---------------------------------------------------------------

def test_json_format_platform_events() -> None:
    lines = (FIXTURES / "lambda-json.log").read_text().splitlines()
    report = only(lambda_line(lines[6]))
    assert (report["kind"], report["duration_ms"], report["billed_ms"], report["memory_mb"],
            report["max_memory_mb"], report["init_ms"], report["status"],
            report["error_type"]) == ("report", 99.9, 100.0, 512, 70, 300.5, "error",
                                      "KeyError")
    assert (report["trace_id"], report["segment_id"], report["sampled"]) == (
        "1-62e900b2-710d76f009d6e7785905449a", "0efbd19962d95b05", True)
    init = only(lambda_line(lines[1]))
    assert (init["kind"], init["init_ms"], init["duration_ms"]) == ("init_report", 300.5, None)
    error = only(lambda_line(lines[4]))
    assert (error["kind"], error["error_type"], error["level"]) == ("error", "KeyError", "ERROR")
    (q,) = rows(lambda_line(lines[7]), QUARANTINE.name)
    assert q["reason"].startswith("invalid JSON log line")


# -- CloudTrail ------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "raw", "plain"), [
    ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "UpdateFunctionCode"),
    ("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2",
     "UpdateFunctionConfiguration"),
    ("lambda.amazonaws.com", "AddPermission20150331v2", "AddPermission"),
    ("lambda.amazonaws.com", "PublishLayerVersion20181031", "PublishLayerVersion"),
    ("lambda.amazonaws.com", "PutFunctionConcurrency20171031", "PutFunctionConcurrency"),
    ("lambda.amazonaws.com", "CreateFunctionUrlConfig20211031", "CreateFunctionUrlConfig"),
    ("lambda.amazonaws.com", "CreateFunction", "CreateFunction"),
    ("s3.amazonaws.com", "PutBucketPolicy", "PutBucketPolicy"),
])
def test_lambda_event_names_normalised(source: str, raw: str, plain: str) -> None:
    assert cloudtrail.normalise_name(source, raw) == plain


def test_cloudtrail_fields() -> None:
    value = json.loads((FIXTURES / "cloudtrail.json").read_text())
    items = list(cloudtrail.parse_value(value))
    events = {r["event_id"][-1]: r for r in rows(items, CLOUDTRAIL.name)}
    assert len(events) == 7
    deploy = events["1"]
    assert (deploy["event_name"], deploy["event_name_raw"], deploy["identity_type"],
            deploy["session_issuer_arn"], deploy["session_issuer_user_name"],
            deploy["session_mfa_authenticated"], deploy["identity_access_key_id"]) == (
        "UpdateFunctionCode", "UpdateFunctionCode20150331v2", "AssumedRole",
        "arn:aws:iam::123456789012:role/ci-deploy", "ci-deploy", False, "ASIAEXAMPLEKEY")
    assert json.loads(events["2"]["request_parameters"])["principal"] == "*"
    assert (events["4"]["error_code"], events["4"]["identity_user_name"]) == (
        "AccessDenied", "mallory")
    login = events["5"]
    assert (login["identity_type"], login["mfa_used"], login["console_login"],
            login["event_type"]) == ("Root", "No", "Success", "AwsConsoleSignIn")
    assert events["6"]["identity_invoked_by"] == "cloudformation.amazonaws.com"
    assert [q["reason"] for q in rows(items, QUARANTINE.name)] == [
        "record 7: CloudTrail record without eventName, eventSource or eventTime as text",
        "record 8: CloudTrail record is not an object"]
    # the natural key makes the same event the same row wherever it is read
    assert items[0][1] == "ct:e0000000-0000-4000-8000-000000000001"


def test_json_that_is_not_cloudtrail() -> None:
    (q,) = rows(list(cloudtrail.parse_value({"name": "app", "version": "1"})),
                QUARANTINE.name)
    assert q["reason"].startswith("not CloudTrail")


# -- API Gateway -----------------------------------------------------------------------

def test_access_log_fields_under_the_owners_key_names() -> None:
    lines = (FIXTURES / "apigw-access.log").read_text().splitlines()
    rest = only(list(apigw.parse_value(json.loads(lines[0]))), APIGW.name)
    assert (rest["ts"], rest["http_method"], rest["resource_path"], rest["status"],
            rest["source_ip"], rest["principal_id"], rest["authorizer_status"],
            rest["authorizer_latency_ms"], rest["caller"], rest["authorizer_error"]) == (
        "2026-11-20T09:00:00+00:00", "GET", "/orders/{id}", 200, "192.0.2.1", "user-42",
        "200", 12.0, None, None)
    http = only(list(apigw.parse_value(json.loads(lines[1]))), APIGW.name)
    assert (http["route_key"], http["status"], http["authorizer_error"]) == (
        "POST /orders", 401, "The incoming token has expired")
    nested = only(list(apigw.parse_value(json.loads(lines[2]))), APIGW.name)
    assert (nested["authenticate_status"], nested["authenticate_error"],
            nested["authorize_status"]) == ("403", "Unauthorized", None)
    assert json.loads(nested["fields"])["waf"] == {"status": "-"}


def test_access_log_epoch_times() -> None:
    base = {"requestId": "r", "httpMethod": "GET", "status": 200}
    seconds = only(list(apigw.parse_value({**base, "requestTimeEpoch": 1795168800})),
                   APIGW.name)
    millis = only(list(apigw.parse_value({**base, "requestTimeEpoch": "1795168800000"})),
                  APIGW.name)
    assert seconds["ts"] == millis["ts"] == 1795168800000


# -- audit events ----------------------------------------------------------------------

def test_audit_events() -> None:
    lines = (FIXTURES / "audit.log").read_text().splitlines()
    ok = only(list(audit.parse_value(json.loads(lines[0]))), AUDIT.name)
    assert (ok["type"], ok["principal_id"], ok["principal_method"], ok["principal_roles"],
            ok["schema_version"]) == ("auth.success", "user-42", "jwt", '["reader"]', 1)
    limited = only(list(audit.parse_value(json.loads(lines[1]))), AUDIT.name)
    assert json.loads(limited["detail"])["retry_after"] == 3
    (q,) = rows(list(audit.parse_value(json.loads(lines[3]))), QUARANTINE.name)
    assert "known type" in q["reason"]


# -- CloudWatch containers -------------------------------------------------------------

def payload_text() -> str:
    return (FIXTURES / "subscription-payload.json").read_text()


def b64gzip(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode())).decode()


@pytest.mark.parametrize("form", ["decoded", "base64", "awslogs"])
def test_subscription_payload_forms(form: str) -> None:
    value: Any = json.loads(payload_text())
    if form == "base64":
        value = b64gzip(payload_text())
    elif form == "awslogs":
        value = {"awslogs": {"data": b64gzip(payload_text())}}
    items = list(cloudwatch.parse_payload(value))
    found = rows(items, LAMBDA.name)
    assert [r["kind"] for r in found] == ["start", "timeout", "report"]
    assert {(r["log_group"], r["function_name"], r["account_id"]) for r in found} == {
        ("/aws/lambda/payments", "payments", "210987654321")}
    assert found[0]["ts"] == 1795179600000
    assert items[0][1] == "cw:38000000000000000000000000000000000000000000000000000001"


def test_control_message_skipped_and_bad_payloads_quarantined() -> None:
    control = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs",
               "logGroup": "", "logStream": "", "subscriptionFilters": [],
               "logEvents": [{"id": "", "timestamp": 1, "message":
                              "CWL CONTROL MESSAGE: Checking health of destination"}]}
    assert list(cloudwatch.parse_payload(control)) == []
    for bad, reason in (("H4sI!!!not base64", "invalid base64"),
                        (base64.b64encode(b"plain text").decode(), "not gzip")):
        (q,) = rows(list(cloudwatch.parse_payload(bad)), QUARANTINE.name)
        assert reason in q["reason"]


def test_subscription_payload_inflation_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cloudwatch, "MAX_PAYLOAD", 1000)
    bomb = base64.b64encode(gzip.compress(b" " * 100_000)).decode()
    (q,) = rows(list(cloudwatch.parse_payload(bomb)), QUARANTINE.name)
    assert "inflates past" in q["reason"]


def test_cloudtrail_delivered_to_a_log_group() -> None:
    record = json.loads((FIXTURES / "cloudtrail.json").read_text())["Records"][0]
    payload = {"messageType": "DATA_MESSAGE", "owner": "123456789012",
               "logGroup": "aws-cloudtrail-logs", "logStream": "123456789012_CloudTrail",
               "logEvents": [{"id": "1", "timestamp": 1, "message": json.dumps(record)}]}
    (row,) = rows(list(cloudwatch.parse_payload(payload)), CLOUDTRAIL.name)
    assert row["event_name"] == "UpdateFunctionCode"


def test_filter_log_events_output() -> None:
    value = json.loads((FIXTURES / "filter-log-events.json").read_text())
    items = list(cloudwatch.parse_events(value))
    found = rows(items, LAMBDA.name)
    assert [(r["kind"], r["log_stream"]) for r in found] == [
        ("start", "2026/11/20/[$LATEST]0123456789abcdef0123456789abcdef"),
        ("report", "2026/11/20/[$LATEST]0123456789abcdef0123456789abcdef")]
    (q,) = rows(items, QUARANTINE.name)
    assert q["reason"] == "log event 2 has no message"


# -- detection -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("lambda-text.log", Detected(Format.LAMBDA, Framing.LINES)),
    ("lambda-export.log", Detected(Format.LAMBDA, Framing.EVENTS)),
    ("lambda-json.log", Detected(Format.LAMBDA, Framing.LINES)),
    ("cloudtrail.json", Detected(Format.CLOUDTRAIL, Framing.DOCUMENT)),
    ("filter-log-events.json", Detected(Format.CLOUDWATCH_EVENTS, Framing.DOCUMENT)),
    ("subscription-payload.json", Detected(Format.CLOUDWATCH_SUBSCRIPTION, Framing.DOCUMENT)),
    ("apigw-access.log", Detected(Format.APIGW, Framing.LINES)),
    ("audit.log", Detected(Format.AUDIT, Framing.LINES)),
])
def test_detect_fixtures(name: str, expected: Detected) -> None:
    assert detect((FIXTURES / name).read_bytes(), complete=True) == expected


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"  \n\n", "empty"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
    (bytes(range(128, 256)) * 10, "not UTF-8"),
    (b'{"name": "my-app", "version": "1.0.0"}\n', "not a log format"),
    (b'{\n  "name": "my-app"\n}\n', "not a log format"),
    (b"id,name\n1,two\n", "not Lambda logs"),
])
def test_detect_refuses(data: bytes, message: str) -> None:
    with pytest.raises(NotLogs, match=message):
        detect(data, complete=True)


def test_base64_payload_lines_detected() -> None:
    data = (b64gzip(payload_text()) + "\n").encode() * 2
    assert detect(data, complete=True) == Detected(Format.CLOUDWATCH_SUBSCRIPTION, Framing.LINES)
    items = list(parse_unit(Format.CLOUDWATCH_SUBSCRIPTION, Framing.LINES,
                            data.decode().splitlines()[0]))
    assert len(rows(items, LAMBDA.name)) == 3


def test_firehose_concatenated_payloads() -> None:
    text = payload_text().replace("\n", "") * 2  # two payloads back to back, no separator
    items = list(parse_unit(Format.CLOUDWATCH_SUBSCRIPTION, Framing.DOCUMENT, text))
    assert len(rows(items, LAMBDA.name)) == 6


def test_cloudtrail_list_of_records_and_record_lines() -> None:
    records = json.loads((FIXTURES / "cloudtrail.json").read_text())["Records"][:2]
    listed = json.dumps(records, indent=2).encode()
    assert detect(listed, complete=True) == Detected(Format.CLOUDTRAIL, Framing.DOCUMENT)
    lines = "\n".join(json.dumps(r) for r in records).encode()
    assert detect(lines, complete=True) == Detected(Format.CLOUDTRAIL, Framing.LINES)
    found = rows(list(parse_unit(Format.CLOUDTRAIL, Framing.DOCUMENT, listed.decode())),
                 CLOUDTRAIL.name)
    assert [r["event_name"] for r in found] == ["UpdateFunctionCode", "AddPermission"]
