"""CloudWatch Logs containers: the output of ``aws logs filter-log-events`` (and
``get-log-events``), and subscription payloads (what a subscription filter delivers to
Lambda, Kinesis or Firehose: gzip, base64 in a Lambda event's ``awslogs.data``).

Each log event's message is read by what its log group holds: Lambda log groups
(``/aws/lambda/...``) by the Lambda parser (audit events included); in other groups a
JSON message is recognised as a CloudTrail record or an API Gateway access log record,
anything else is read as a Lambda-style log line. ``CONTROL_MESSAGE`` payloads (sent to
check the destination) hold no logs and are skipped.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterator
from typing import Any

from faasguard.logs.parsers import Item, apigw, cloudtrail, quarantine, text
from faasguard.logs.parsers.lambda_logs import NOWHERE, Origin, parse_message

EVENTS_FORMAT = "cloudwatch-events"
SUBSCRIPTION_FORMAT = "cloudwatch-subscription"
# A payload is at most 1 MB compressed; anything inflating past this is not one.
MAX_PAYLOAD = 64 * 1024 * 1024
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def is_events(value: Any) -> bool:
    """filter-log-events / get-log-events output, or its ``events`` list alone."""
    if isinstance(value, dict):
        events = value.get("events")
        return isinstance(events, list) and (
            not events or (isinstance(events[0], dict) and "message" in events[0]))
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict) \
        and "message" in value[0] and "timestamp" in value[0]


def is_payload(value: Any) -> bool:
    return isinstance(value, dict) and (
        ("messageType" in value and "logEvents" in value)
        or isinstance(value.get("awslogs"), dict))


def _message(message: str, ts: Any, origin: Origin, cw_id: str | None) -> Iterator[Item]:
    if origin.function_name is None and message[:1] == "{":
        try:
            value = json.loads(message)
        except ValueError:
            value = None
        key = f"cw:{cw_id}" if cw_id else None
        if cloudtrail.is_record(value):
            yield from cloudtrail.records([value])
            return
        if apigw.is_access_log(value):
            yield apigw.TABLE, key, apigw.record_row(value)
            return
    yield from parse_message(message, ts, origin, cw_id)


def _events(events: list[Any], origin: Origin, fmt: str) -> Iterator[Item]:
    for index, event in enumerate(events):
        message = event.get("message") if isinstance(event, dict) else None
        if not isinstance(message, str):
            yield quarantine(fmt, f"log event {index} has no message", _dumps(event))
            continue
        stream = text(event.get("logStreamName"))
        here = origin if stream is None else Origin(origin.log_group, stream, origin.account_id)
        ts = event.get("timestamp")
        if not isinstance(ts, int) or isinstance(ts, bool):
            ts = None
        yield from _message(message, ts, here, text(event.get("eventId") or event.get("id")))


def parse_events(value: Any, origin: Origin = NOWHERE) -> Iterator[Item]:
    """One decoded filter-log-events / get-log-events document (or its events list).
    The output does not name the log group: `origin` is what the user said it is."""
    if isinstance(value, dict) and isinstance(value.get("events"), list):
        yield from _events(value["events"], origin, EVENTS_FORMAT)
    elif isinstance(value, list):
        yield from _events(value, origin, EVENTS_FORMAT)
    else:
        yield quarantine(EVENTS_FORMAT, "not CloudWatch Logs events (no \"events\" list)",
                         _dumps(value))


def inflate(data: bytes) -> bytes:
    """A gzip (or zlib) payload, bounded: raises ValueError past MAX_PAYLOAD."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
    out = inflater.decompress(data, MAX_PAYLOAD + 1)
    if len(out) > MAX_PAYLOAD:
        raise ValueError(f"inflates past {MAX_PAYLOAD // (1024 * 1024)} MiB")
    if not inflater.eof:
        raise ValueError("truncated compressed data")
    return out


def decode_data(data: str) -> Any:
    """base64 text of a gzip payload -> the decoded JSON payload. ValueError if not."""
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64: {exc}") from None
    try:
        inflated = inflate(raw)
    except zlib.error as exc:
        raise ValueError(f"not gzip data: {exc}") from None
    try:
        return json.loads(inflated)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"payload is not JSON: {exc}") from None


def parse_payload(value: Any) -> Iterator[Item]:
    """One decoded subscription payload, a Lambda event carrying one (``awslogs``),
    or a line of base64 text."""
    if isinstance(value, str):
        try:
            value = decode_data(value)
        except ValueError as exc:
            yield quarantine(SUBSCRIPTION_FORMAT, f"subscription payload: {exc}", value)
            return
    if isinstance(value, dict) and isinstance(value.get("awslogs"), dict):
        data = value["awslogs"].get("data")
        if not isinstance(data, str):
            yield quarantine(SUBSCRIPTION_FORMAT, "awslogs event without data", _dumps(value))
            return
        yield from parse_payload(data)
        return
    if not isinstance(value, dict) or "messageType" not in value:
        yield quarantine(SUBSCRIPTION_FORMAT, "not a CloudWatch Logs subscription payload "
                                              "(no messageType)", _dumps(value))
        return
    if value.get("messageType") == "CONTROL_MESSAGE":
        return
    events = value.get("logEvents")
    if value.get("messageType") != "DATA_MESSAGE" or not isinstance(events, list):
        yield quarantine(SUBSCRIPTION_FORMAT, "subscription payload without DATA_MESSAGE "
                                              "logEvents", _dumps(value))
        return
    origin = Origin(text(value.get("logGroup")), text(value.get("logStream")),
                    text(value.get("owner")))
    yield from _events(events, origin, SUBSCRIPTION_FORMAT)
