"""What a source holds, from its first bytes: which log format, and how it divides
into units (a line, an export event of one or more lines, or a whole JSON document).

Detection never guesses a format it cannot back up: a file that is not one of the
formats faasguard reads is refused with the reason, and ingestion moves on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from faasguard.logs.parsers import apigw, cloudtrail, cloudwatch
from faasguard.logs.parsers.audit import SCHEMA as AUDIT_SCHEMA
from faasguard.logs.parsers.lambda_logs import EXPORT

HEAD_BYTES = 64 * 1024
_LOOK_LINES = 50


class Format(StrEnum):
    LAMBDA = "lambda"
    CLOUDWATCH_EVENTS = "cloudwatch-events"
    CLOUDWATCH_SUBSCRIPTION = "cloudwatch-subscription"
    CLOUDTRAIL = "cloudtrail"
    APIGW = "apigw"
    AUDIT = "audit"


class Framing(StrEnum):
    LINES = "lines"
    """One unit per line."""
    EVENTS = "events"
    """CloudWatch export lines: a line starting with a time and the lines after it that
    do not (the rest of a multi-line message)."""
    DOCUMENT = "document"
    """The whole source: one JSON document, or several written back to back."""


@dataclass(frozen=True)
class Detected:
    format: Format
    framing: Framing


class NotLogs(Exception):
    """The source is not a log faasguard reads; the message says why."""


_BASE64_GZIP = re.compile(r"H4sI[A-Za-z0-9+/]*={0,2}")
_LAMBDA_TEXT = re.compile(
    r"(?:START|END|REPORT) RequestId: |INIT_START |INIT_REPORT |\[[A-Z]+\]\t"
    r"|\d{4}-\d\d-\d\dT\S+\t\S+\t[A-Z]+\t|.*Task timed out after ")


def _classify(value: Any) -> Format | None:
    if isinstance(value, dict):
        if isinstance(value.get("Records"), list) or cloudtrail.is_record(value):
            return Format.CLOUDTRAIL
        if cloudwatch.is_payload(value):
            return Format.CLOUDWATCH_SUBSCRIPTION
        if cloudwatch.is_events(value):
            return Format.CLOUDWATCH_EVENTS
        if value.get("schema") == AUDIT_SCHEMA:
            return Format.AUDIT
        if apigw.is_access_log(value):
            return Format.APIGW
        kind = value.get("type")
        if isinstance(kind, str) and kind.startswith("platform."):
            return Format.LAMBDA
        if ("timestamp" in value or "time" in value) and (
                "level" in value or "requestId" in value or "log_level" in value):
            return Format.LAMBDA
        return None
    if isinstance(value, list) and value:
        if cloudtrail.is_record(value[0]):
            return Format.CLOUDTRAIL
        if cloudwatch.is_events(value):
            return Format.CLOUDWATCH_EVENTS
    return None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        keys = sorted(value)[:6]
        return "a JSON object with keys " + ", ".join(keys) + (" ..." if len(value) > 6 else "")
    return f"a JSON {type(value).__name__}"


def detect(head: bytes, complete: bool) -> Detected:
    """The format of a source that starts with `head` (decompressed); `complete` when
    `head` is the whole source. Raises NotLogs."""
    if not head.strip():
        raise NotLogs("empty: nothing to ingest")
    if b"\x00" in head:
        raise NotLogs("a binary file, not logs")
    text = head.decode("utf-8", "replace")
    if text.count("\ufffd") > max(8, len(text) // 20):
        raise NotLogs("not UTF-8 text")
    text = text.lstrip("\ufeff \t\r\n")
    if text[:1] in ("{", "["):
        return _detect_json(text, complete)
    lines = [line for line in text.splitlines()[:_LOOK_LINES] if line.strip()]
    if not complete and len(lines) > 1:
        lines.pop()  # may be cut
    if lines and all(_BASE64_GZIP.fullmatch(line.strip()) for line in lines):
        return Detected(Format.CLOUDWATCH_SUBSCRIPTION, Framing.LINES)
    if EXPORT.match(lines[0]):
        return Detected(Format.LAMBDA, Framing.EVENTS)
    if any(_LAMBDA_TEXT.match(line) for line in lines):
        return Detected(Format.LAMBDA, Framing.LINES)
    raise NotLogs("text, but not Lambda logs: no START/END/REPORT, runtime or export "
                  f"lines in the first {len(lines)} line(s)")


def _detect_json(text: str, complete: bool) -> Detected:
    lines = text.splitlines()
    seen: list[Any] = []
    for line in lines[:_LOOK_LINES]:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            break
        except RecursionError:
            raise NotLogs("JSON nested too deeply to read") from None
        fmt = _classify(value)
        if fmt is not None:
            return Detected(fmt, Framing.LINES)
        seen.append(value)
    if seen:
        raise NotLogs(f"JSON lines, but not a log format faasguard reads: {_describe(seen[0])}")
    # a document spread over lines (pretty-printed), or longer than the head
    if complete:
        try:
            value, _ = json.JSONDecoder().raw_decode(text)
        except ValueError as exc:
            raise NotLogs(f"not valid JSON: {exc}") from None
        except RecursionError:
            raise NotLogs("JSON nested too deeply to read") from None
        fmt = _classify(value)
        if fmt is None:
            raise NotLogs(f"JSON, but not a log format faasguard reads (not CloudTrail, "
                          f"CloudWatch Logs or API Gateway): {_describe(value)}")
        return Detected(fmt, Framing.DOCUMENT)
    for marker, fmt in (('"Records"', Format.CLOUDTRAIL), ('"eventSource"', Format.CLOUDTRAIL),
                        ('"logEvents"', Format.CLOUDWATCH_SUBSCRIPTION),
                        ('"awslogs"', Format.CLOUDWATCH_SUBSCRIPTION),
                        ('"events"', Format.CLOUDWATCH_EVENTS)):
        if marker in text:
            return Detected(fmt, Framing.DOCUMENT)
    raise NotLogs("JSON, but not a log format faasguard reads (not CloudTrail, "
                  "CloudWatch Logs or API Gateway)")
