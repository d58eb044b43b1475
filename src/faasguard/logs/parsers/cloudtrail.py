"""CloudTrail records: delivered files (``{"Records": [...]}``, usually .json.gz), one
record per line, or a JSON list of records.

Lambda's API names carry the API version in CloudTrail (``UpdateFunctionCode20150331v2``,
``PublishLayerVersion20181031``); ``event_name`` holds the plain name detections match
on and ``event_name_raw`` the name as logged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from faasguard.logs.parsers import Item, quarantine, text
from faasguard.logs.schema import CLOUDTRAIL

FORMAT = "cloudtrail"
TABLE = CLOUDTRAIL.name
_VERSIONED = re.compile(r"([A-Za-z]+?)20\d{6}(?:v\d+)?")
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def is_record(value: Any) -> bool:
    return isinstance(value, dict) and "eventName" in value and "eventSource" in value \
        and "eventTime" in value


def normalise_name(source: str | None, name: str) -> str:
    if source == "lambda.amazonaws.com":
        found = _VERSIONED.fullmatch(name)
        if found is not None:
            return found[1]
    return name


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _json(value: Any) -> str | None:
    return None if value is None else _dumps(value)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def record_row(rec: dict[str, Any]) -> tuple[Any, ...] | str:
    """The row of one record, or the reason it cannot be one."""
    name = rec.get("eventName")
    source = rec.get("eventSource")
    when = rec.get("eventTime")
    if not isinstance(name, str) or not isinstance(source, str) or not isinstance(when, str):
        return "CloudTrail record without eventName, eventSource or eventTime as text"
    who = _dict(rec.get("userIdentity"))
    session = _dict(who.get("sessionContext"))
    issuer = _dict(session.get("sessionIssuer"))
    attributes = _dict(session.get("attributes"))
    extra = rec.get("additionalEventData")
    response = rec.get("responseElements")
    console = _dict(response).get("ConsoleLogin")
    return (
        when, text(rec.get("eventID")), text(rec.get("eventVersion")), source,
        normalise_name(source, name), name, text(rec.get("eventType")),
        text(rec.get("eventCategory")), text(rec.get("awsRegion")),
        text(rec.get("sourceIPAddress")), text(rec.get("userAgent")),
        text(who.get("type")), text(who.get("arn")), text(who.get("accountId")),
        text(who.get("principalId")), text(who.get("userName")),
        text(who.get("accessKeyId")), text(who.get("invokedBy")),
        text(issuer.get("type")), text(issuer.get("arn")), text(issuer.get("userName")),
        text(issuer.get("accountId")), _flag(attributes.get("mfaAuthenticated")),
        text(rec.get("errorCode")), text(rec.get("errorMessage")),
        _json(rec.get("requestParameters")), _json(response), _json(extra),
        text(_dict(extra).get("MFAUsed")), text(console),
        text(rec.get("recipientAccountId")), _flag(rec.get("readOnly")),
        _flag(rec.get("managementEvent")), text(rec.get("requestID")),
        _json(rec.get("resources")), text(rec.get("vpcEndpointId")),
        _json(rec.get("serviceEventDetails")),
    )


def records(recs: list[Any]) -> Iterator[Item]:
    for index, rec in enumerate(recs):
        row = record_row(rec) if isinstance(rec, dict) else "CloudTrail record is not an object"
        if isinstance(row, str):
            yield quarantine(FORMAT, f"record {index}: {row}", _dumps(rec))
        else:
            event_id = row[1]
            yield TABLE, f"ct:{event_id}" if event_id else None, row


def parse_value(value: Any) -> Iterator[Item]:
    """One decoded JSON value: a delivered file, one record, or a list of records."""
    if isinstance(value, dict) and isinstance(value.get("Records"), list):
        yield from records(value["Records"])
    elif is_record(value):
        yield from records([value])
    elif isinstance(value, list):
        yield from records(value)
    else:
        keys = ", ".join(sorted(value)[:5]) if isinstance(value, dict) else type(value).__name__
        yield quarantine(FORMAT, f"not CloudTrail: no \"Records\" list and not a record "
                                 f"(found {keys})", _dumps(value))
