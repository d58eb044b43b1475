"""Lambda function logs, in the text and the JSON log format.

Platform lines: ``START``, ``END``, ``REPORT`` (Duration, Billed Duration, Memory Size,
Max Memory Used, Init Duration, XRAY TraceId/SegmentId/Sampled, Status, Error Type),
``INIT_START``, ``INIT_REPORT``, and in the JSON format the ``platform.*`` events.
Failures: "Task timed out after N seconds", out-of-memory exits ("Runtime exited with
error: signal: killed", ``Runtime.OutOfMemory``), init and runtime errors (``[ERROR]``
lines, ``errorType`` objects, ``Runtime.*`` error types). Everything else is an
application log line (``kind`` ``log``), with its level and request id when the
runtime's format gives them. faasguard.runtime audit events found in the stream are
also stored as audit events.

A line of a file is either a message as the function wrote it, or a CloudWatch Logs
export line: ``<ISO time> <message>`` (S3 export), or ``<ISO time> <stream> <message>``
(``aws logs tail``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from faasguard.logs.parsers import Item, integer, number, quarantine, text
from faasguard.logs.parsers.audit import SCHEMA as AUDIT_SCHEMA
from faasguard.logs.parsers.audit import audit_row
from faasguard.logs.schema import AUDIT, LAMBDA

FORMAT = "lambda"
TABLE = LAMBDA.name

# An export line: time, optionally a log stream name (aws logs tail), the message.
EXPORT = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) "
    r"(?:(\d{4}/\d\d/\d\d/\[[^\]]*\]\w+) )?(.*)", re.S)
# Where an export line starts; lines that do not are the rest of a multi-line message.
EVENT_START = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
_FIELD = re.compile(r"(?:^|\s)([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*): (\S+)")
_START = re.compile(r"START RequestId: (\S+)(?:\s+Version: (\S+))?")
_END = re.compile(r"END RequestId: (\S+)")
# runtime formats: Python "[LEVEL]\ttime\trequest\tmessage"; Node.js, Java and others
# "time\trequest\tLEVEL\tmessage"; init errors "[ERROR] Type: message"
_PYTHON = re.compile(r"\[([A-Z]+)\]\t(\S+)\t(\S+)\t(.*)", re.S)
_NODE = re.compile(r"(\d{4}-\d\d-\d\dT\S+)\t(\S+)\t([A-Z]+)\t(.*)", re.S)
_BRACKET = re.compile(r"\[([A-Z]+)\] ([A-Za-z_][\w.]*): ")
_TIMEOUT = re.compile(r"Task timed out after (\d+(?:\.\d+)?) seconds")
_REQUEST_ERROR = re.compile(r"RequestId: (\S+) Error: ")
_BARE_REQUEST = re.compile(r"(?:\S+\s+)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s")
_ERROR_TYPE = re.compile(r'"errorType"\s*:\s*"([^"]+)"')
_RUNTIME_ERROR = re.compile(r"\b(Runtime\.[A-Za-z]+)\b")
# "ZeroDivisionError: division by zero", "botocore.exceptions.ClientError: ..."
_EXCEPTION = re.compile(r"([A-Za-z_][\w.]*(?:Error|Exception|Exit|Timeout|Interrupt)): ")
_ERROR_LEVELS = frozenset({"ERROR", "FATAL", "CRITICAL"})
_PLATFORM_PREFIXES = ("EXTENSION", "TELEMETRY", "LOGS\t", "RESTORE_START", "RESTORE_REPORT",
                      "INIT_RUNTIME_DONE")
_PLATFORM_KINDS = {
    "platform.start": "start", "platform.report": "report",
    "platform.initStart": "init_start", "platform.initReport": "init_report",
    "platform.runtimeDone": "runtime_done", "platform.extension": "extension",
}
_loads = json.loads


class Origin:
    """Where the messages of a unit come from, when the container says (CloudWatch
    events and subscription payloads do; plain files do not)."""

    __slots__ = ("account_id", "function_name", "log_group", "log_stream")

    def __init__(self, log_group: str | None = None, log_stream: str | None = None,
                 account_id: str | None = None) -> None:
        self.log_group = log_group
        self.log_stream = log_stream
        self.account_id = account_id
        self.function_name = (log_group[len("/aws/lambda/"):]
                              if log_group and log_group.startswith("/aws/lambda/") else None)


NOWHERE = Origin()


def _row(origin: Origin, ts: Any, kind: str, message: str, *, request_id: str | None = None,
         level: str | None = None, duration: float | None = None, billed: float | None = None,
         memory: int | None = None, max_memory: int | None = None, init: float | None = None,
         status: str | None = None, error_type: str | None = None,
         timeout: float | None = None, trace_id: str | None = None,
         segment_id: str | None = None, sampled: bool | None = None, version: str | None = None,
         cw_id: str | None = None) -> tuple[Any, ...]:
    return (ts, origin.log_group, origin.log_stream, origin.account_id, origin.function_name,
            kind, request_id, level, message, duration, billed, memory, max_memory, init,
            status, error_type, timeout, trace_id, segment_id, sampled, version, cw_id)


def parse_line(line: str, origin: Origin = NOWHERE) -> Iterator[Item]:
    """One unit of a Lambda log file: an export line (with the lines of a multi-line
    message after it) or a bare message. `origin`: what the user said the file is."""
    match = EXPORT.match(line)
    if match is None:
        return parse_message(line, None, origin, None)
    ts, stream, message = match.groups()
    if stream:
        origin = Origin(origin.log_group, stream, origin.account_id)
    return parse_message(message, ts, origin, None)


def parse_message(message: str, ts: Any, origin: Origin, cw_id: str | None) -> Iterator[Item]:
    """One log event's message. `ts` is the container's time (ISO text or epoch
    milliseconds), `cw_id` the CloudWatch event id when known."""
    message = message.rstrip("\r\n")
    key = f"cw:{cw_id}" if cw_id else None
    head = message[:6]
    if head == "START ":
        found = _START.match(message)
        if found is None:
            yield quarantine(FORMAT, "malformed START line", message)
            return
        yield TABLE, key, _row(origin, ts, "start", message, request_id=found[1],
                               version=found[2], cw_id=cw_id)
    elif head == "REPORT":
        yield _report(message, ts, origin, cw_id, key)
    elif head == "END Re":
        found = _END.match(message)
        if found is None:
            yield quarantine(FORMAT, "malformed END line", message)
            return
        yield TABLE, key, _row(origin, ts, "end", message, request_id=found[1], cw_id=cw_id)
    elif head == "INIT_S":  # INIT_START Runtime Version: python:3.12.v18 ...
        fields = dict(_FIELD.findall(message))
        yield TABLE, key, _row(origin, ts, "init_start", message,
                               version=fields.get("Runtime Version"), cw_id=cw_id)
    elif head == "INIT_R":  # INIT_REPORT Init Duration: 1.2 ms Phase: init Status: error ...
        fields = dict(_FIELD.findall(message))
        init = number(fields.get("Init Duration"))
        if init is None:
            yield quarantine(FORMAT, "malformed INIT_REPORT line", message)
            return
        yield TABLE, key, _row(origin, ts, "init_report", message, init=init,
                               status=fields.get("Status"), error_type=fields.get("Error Type"),
                               cw_id=cw_id)
    elif message[:1] == "{":
        yield from _json_message(message, ts, origin, cw_id, key)
    elif message.startswith(_PLATFORM_PREFIXES):
        yield TABLE, key, _row(origin, ts, "platform", message, cw_id=cw_id)
    else:
        yield TABLE, key, _text_message(message, ts, origin, cw_id)


def _report(message: str, ts: Any, origin: Origin, cw_id: str | None, key: str | None) -> Item:
    fields = dict(_FIELD.findall(message, 6))  # after "REPORT"
    request_id = fields.get("RequestId")
    duration = number(fields.get("Duration"))
    if request_id is None or duration is None:
        return quarantine(FORMAT, "malformed REPORT line: no RequestId or Duration", message)
    sampled = fields.get("Sampled")
    return TABLE, key, _row(
        origin, ts, "report", message, request_id=request_id, duration=duration,
        billed=number(fields.get("Billed Duration")), memory=integer(fields.get("Memory Size")),
        max_memory=integer(fields.get("Max Memory Used")),
        init=number(fields.get("Init Duration")), status=fields.get("Status"),
        error_type=fields.get("Error Type"), trace_id=fields.get("XRAY TraceId"),
        segment_id=fields.get("SegmentId"),
        sampled=None if sampled is None else sampled.lower() == "true", cw_id=cw_id)


def _text_message(message: str, ts: Any, origin: Origin, cw_id: str | None) -> tuple[Any, ...]:
    request_id = level = None
    body = message
    found = _PYTHON.match(message)
    if found is not None:
        level, event_ts, request_id, body = found.groups()
        ts = ts or event_ts
    else:
        found = _NODE.match(message)
        if found is not None:
            event_ts, request_id, level, body = found.groups()
            ts = ts or event_ts
        else:
            found = _BRACKET.match(message)
            if found is not None:
                level = found[1]
    if request_id in ("undefined", "None", "null"):
        request_id = None
    if "Task timed out after" in body:
        timed = _TIMEOUT.search(body)
        if timed is not None:
            return _row(origin, ts, "timeout", message, level=level, status="timeout",
                        request_id=request_id or _request_of(message),
                        timeout=float(timed[1]), error_type="Sandbox.Timedout", cw_id=cw_id)
    if "signal: killed" in body or "Runtime.OutOfMemory" in body:
        return _row(origin, ts, "oom", message, level=level, status="error",
                    request_id=request_id or _request_of(message),
                    error_type="Runtime.OutOfMemory" if "Runtime.OutOfMemory" in body
                    else "Runtime.ExitError", cw_id=cw_id)
    if "Runtime exited" in body:
        return _row(origin, ts, "error", message, level=level, status="error",
                    request_id=request_id or _request_of(message),
                    error_type="Runtime.ExitError", cw_id=cw_id)
    if level in _ERROR_LEVELS:
        error_type = None
        typed = _ERROR_TYPE.search(body)
        if typed is not None:
            error_type = typed[1]
        elif found is not None and found.re is _BRACKET:
            error_type = found[2]
        else:
            named = _EXCEPTION.match(body) or _RUNTIME_ERROR.search(body)
            error_type = named[1] if named else None
        return _row(origin, ts, "error", message, request_id=request_id, level=level,
                    error_type=error_type, cw_id=cw_id)
    return _row(origin, ts, "log", message, request_id=request_id, level=level, cw_id=cw_id)


def _request_of(message: str) -> str | None:
    found = _REQUEST_ERROR.search(message) or _BARE_REQUEST.match(message)
    return found[1] if found else None


def _json_message(message: str, ts: Any, origin: Origin, cw_id: str | None,
                  key: str | None) -> Iterator[Item]:
    try:
        obj = _loads(message)
    except ValueError as exc:
        if message[:2] == '{"':  # a structured line cut short: keep it where it is seen
            yield quarantine(FORMAT, f"invalid JSON log line: {exc}", message)
        else:
            yield TABLE, key, _text_message(message, ts, origin, cw_id)
        return
    if not isinstance(obj, dict):
        yield TABLE, key, _row(origin, ts, "log", message, cw_id=cw_id)
        return
    kind = obj.get("type")
    record = obj.get("record")
    if isinstance(kind, str) and kind.startswith("platform.") and isinstance(record, dict):
        yield TABLE, key, _platform(kind, record, message, obj.get("time") or ts, origin, cw_id)
        return
    if obj.get("schema") == AUDIT_SCHEMA:
        audit = audit_row(obj, origin.log_group, origin.log_stream)
        if audit is None:
            yield quarantine("audit", "audit event without a known type or time", message)
        else:
            yield AUDIT.name, key, audit
        yield TABLE, key, _row(origin, obj.get("time") or ts, "log", message,
                               request_id=text(obj.get("request_id")), level="INFO",
                               cw_id=cw_id)
        return
    # an application's structured line: Powertools, the runtimes' JSON format, ...
    level = text(obj.get("level") or obj.get("log_level") or obj.get("levelname"))
    request_id = text(obj.get("requestId") or obj.get("AWSRequestId")
                      or obj.get("function_request_id") or obj.get("request_id"))
    inner = obj.get("message")
    error_type = text(obj.get("errorType")) or (
        text(inner.get("errorType")) if isinstance(inner, dict) else None)
    event_ts = obj.get("timestamp") or obj.get("time")
    if not isinstance(event_ts, str | int | float) or isinstance(event_ts, bool):
        event_ts = None
    is_error = error_type is not None or (level is not None and level.upper() in _ERROR_LEVELS)
    yield TABLE, key, _row(origin, ts or event_ts, "error" if is_error else "log", message,
                           request_id=request_id, level=level, error_type=error_type,
                           cw_id=cw_id)


def _platform(kind: str, record: dict[str, Any], message: str, ts: Any, origin: Origin,
              cw_id: str | None) -> tuple[Any, ...]:
    metrics = record.get("metrics")
    if not isinstance(metrics, dict):
        metrics = {}
    trace_id = segment_id = None
    sampled: bool | None = None
    tracing = record.get("tracing")
    if isinstance(tracing, dict) and isinstance(tracing.get("value"), str):
        # "Root=1-5e3...;Parent=53995c3f42cd8ad8;Sampled=1"
        parts = dict(p.partition("=")[::2] for p in tracing["value"].split(";"))
        trace_id = parts.get("Root") or None
        segment_id = parts.get("Parent") or None
        sampled = {"1": True, "0": False}.get(parts.get("Sampled", ""))
    short = _PLATFORM_KINDS.get(kind, "platform")
    duration = number(metrics.get("durationMs"))
    init = number(metrics.get("initDurationMs"))
    if short == "init_report":
        init, duration = duration, None
    return _row(origin, ts, short, message, request_id=text(record.get("requestId")),
                duration=duration, billed=number(metrics.get("billedDurationMs")),
                memory=integer(metrics.get("memorySizeMB")),
                max_memory=integer(metrics.get("maxMemoryUsedMB")), init=init,
                status=text(record.get("status")), error_type=text(record.get("errorType")),
                trace_id=trace_id, segment_id=segment_id, sampled=sampled,
                version=text(record.get("version") or record.get("runtimeVersion")),
                cw_id=cw_id)
