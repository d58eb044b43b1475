from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import samples
from samples import AuditLog

from faasguard.runtime import audit
from faasguard.runtime.core import Principal
from faasguard.runtime.events import parse

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "runtime" / "audit-events.md"


def test_event_fields() -> None:
    request = parse(samples.http(headers={"user-agent": "probe/1"}), samples.FakeContext())
    principal = Principal("u1", "jwt", roles=frozenset({"b", "a"}), scopes=frozenset({"read"}))
    event = audit.build("auth.success", request=request, principal=principal,
                        correlation_id="c-1", status=200, duration_ms=1.5)
    assert event["schema"] == "faasguard.audit" and event["schema_version"] == 1
    assert event["type"] == "auth.success"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(event["time"]))
    assert event["principal"] == {"id": "u1", "method": "jwt", "roles": ["a", "b"],
                                  "scopes": ["read"]}
    assert (event["shape"], event["method"], event["route"]) == ("apigw-http", "POST",
                                                                  "POST /orders/{id}")
    assert event["source_ip"] == "198.51.100.4" and event["user_agent"] == "probe/1"
    assert event["request_id"] == "ctx-req-1" and event["correlation_id"] == "c-1"
    assert (event["status"], event["duration_ms"]) == (200, 1.5)
    assert "reason" not in event and "detail" not in event


def test_reason_and_detail_are_redacted() -> None:
    event = audit.build("auth.failure", reason="bad token eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
                        password="hunter2", note="mail bob@example.com")
    assert event["reason"] == "bad token [REDACTED:jwt]"
    assert event["detail"] == {"password": "[REDACTED]", "note": "mail [REDACTED:email]"}
    assert event["principal"] is None


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError):
        audit.build("auth.maybe")


def test_emit_writes_one_json_line_per_event() -> None:
    with AuditLog() as log:
        returned = audit.emit("rate.limited", reason="over 20/minute", limit="20/minute")
    assert log.events == [returned]
    assert returned["detail"] == {"limit": "20/minute"}


def test_default_output_is_a_bare_json_line_on_stdout() -> None:
    code = ("import logging; logging.basicConfig(format='PREFIX %(message)s');"
            "from faasguard.runtime import audit;"
            "audit.emit('timeout', correlation_id='c', status=504);"
            "audit.emit('error', correlation_id='d', status=500)")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "runtime" / "src"),
               AWS_LAMBDA_FUNCTION_NAME="orders", AWS_REGION="eu-west-1")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=True)
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and done.stderr == ""  # not doubled through the root handler
    first = json.loads(lines[0])
    assert first["type"] == "timeout" and first["function"] == "orders"
    assert first["region"] == "eu-west-1"


def test_documented_schema_matches_the_code() -> None:
    """Every field and type the code writes is documented, with the current version."""
    text = DOC.read_text(encoding="utf-8")
    request = parse(samples.rest(), samples.FakeContext())
    event = audit.build("error", request=request, principal=Principal("u", "token"),
                        reason="r", x=1, status=500, duration_ms=1.0)
    for field in event:
        assert f"`{field}`" in text, field
    for field in event["principal"]:  # type: ignore[union-attr]
        assert f"`principal.{field}`" in text, field
    for kind in audit.TYPES:
        assert f"`{kind}`" in text, kind
    assert f"`schema_version` | integer | `{audit.SCHEMA_VERSION}`" in text


def test_caller_controlled_text_is_bounded() -> None:
    request = parse(samples.http(headers={"user-agent": "u" * 5000}, path="/" + "p" * 5000))
    event = audit.build("error", request=request)
    assert len(event["user_agent"]) == 512 and len(event["path"]) == 512  # type: ignore[arg-type]


def test_fast_path_and_logging_path_write_the_same_line() -> None:
    """The direct write used while only our handler is attached, and the logging path
    used once the application adds a filter, produce identical lines."""
    code = ("import io, logging, sys\n"
            "from faasguard.runtime import audit\n"
            "audit.emit('error', correlation_id='x', status=500)\n"
            "logging.getLogger('faasguard.audit').addFilter(lambda r: True)\n"
            "audit.emit('error', correlation_id='x', status=500)\n"
            "logging.getLogger('faasguard.audit').disabled = True\n"
            "audit.emit('error', correlation_id='hidden', status=500)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "runtime" / "src"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=True)
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    first.pop("time"), second.pop("time")
    assert first == second and first["correlation_id"] == "x"
