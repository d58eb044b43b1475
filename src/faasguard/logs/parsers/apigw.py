"""API Gateway access logs in JSON (REST, HTTP and WebSocket APIs).

The access log format is the API owner's: a JSON object whose values are ``$context``
variables, under key names the owner chose. Keys are matched without case,
punctuation or a ``context`` prefix, flat or nested (``"authorizer": {"error": ...}``
and ``"authorizerError"`` both work), so the documented examples and the usual
variations all map to the same columns. The whole record is kept in ``fields``.
API Gateway writes ``-`` for a value it does not have; that is stored as NULL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from faasguard.logs.parsers import Item, integer, number, quarantine, text
from faasguard.logs.schema import APIGW

FORMAT = "apigw"
TABLE = APIGW.name
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_PUNCT = re.compile(r"[^a-z0-9]")
_CLF = re.compile(r"(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)")
_MONTHS = {m: f"{i:02d}" for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

# column -> the normalised keys it may be logged under, most specific first
ALIASES: dict[str, tuple[str, ...]] = {
    "request_id": ("requestid",),
    "extended_request_id": ("extendedrequestid",),
    "api_id": ("apiid",),
    "stage": ("stage",),
    "domain_name": ("domainname",),
    "http_method": ("httpmethod", "method"),
    "route_key": ("routekey",),
    "resource_path": ("resourcepath",),
    "path": ("path",),
    "protocol": ("protocol",),
    "status": ("status", "statuscode"),
    "response_length": ("responselength",),
    "response_latency_ms": ("responselatency",),
    "integration_status": ("integrationstatus",),
    "integration_latency_ms": ("integrationlatency",),
    "integration_error": ("integrationerrormessage", "integrationerror"),
    "source_ip": ("identitysourceip", "sourceip", "ip"),
    "user_agent": ("identityuseragent", "useragent"),
    "caller": ("identitycaller", "caller"),
    "user": ("identityuser", "user"),
    "user_arn": ("identityuserarn", "userarn"),
    "account_id": ("accountid",),
    "principal_id": ("authorizerprincipalid", "principalid"),
    "authorizer_error": ("authorizererror",),
    "authorizer_status": ("authorizerstatus", "authorizerintegrationstatus"),
    "authorizer_latency_ms": ("authorizerlatency",),
    "authenticate_status": ("authenticatestatus",),
    "authenticate_error": ("authenticateerror",),
    "authorize_status": ("authorizestatus",),
    "authorize_error": ("authorizeerror",),
    "waf_status": ("wafstatus", "wafresponsecode"),
    "error_message": ("errormessage",),
    "error_response_type": ("errorresponsetype",),
}
_TIME_KEYS = ("requesttimeepoch", "requesttime", "timestamp", "time")
_NUMERIC = frozenset({"response_latency_ms", "integration_latency_ms", "authorizer_latency_ms"})
_COLUMNS = [name for name, _ in APIGW.columns[1:-1]]  # between ts and fields


def _flatten(value: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, item in value.items():
        name = _PUNCT.sub("", f"{prefix}{key}".lower())
        if name.startswith("context"):
            name = name[len("context"):]
        if isinstance(item, dict):
            _flatten(item, f"{prefix}{key}.", out)
        elif item != "-" and item is not None and item != "":
            out.setdefault(name, item)


def normalised(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _flatten(record, "", out)
    return out


def is_access_log(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    keys = normalised(value)
    return "requestid" in keys and any(
        k in keys for k in ("httpmethod", "routekey", "status", "resourcepath"))


def _time(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)  # requestTimeEpoch: epoch milliseconds (REST) or seconds (HTTP)
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        found = _CLF.fullmatch(value)
        if found is not None:  # 29/Nov/2026:12:09:14 +0000
            day, month, year, clock, hours, minutes = found.groups()
            return f"{year}-{_MONTHS.get(month, '01')}-{day}T{clock}{hours}:{minutes}"
        return value
    return None


def record_row(record: dict[str, Any]) -> tuple[Any, ...]:
    keys = normalised(record)
    values: list[Any] = []
    for column in _COLUMNS:
        found = next((keys[k] for k in ALIASES[column] if k in keys), None)
        if column == "status":
            values.append(integer(found))
        elif column == "response_length":
            values.append(integer(found, 62))
        elif column in _NUMERIC:
            values.append(number(found))
        else:
            values.append(text(found))
    ts = _time(next((keys[k] for k in _TIME_KEYS if k in keys), None))
    if isinstance(ts, int) and ts < 10**11:
        ts *= 1000  # HTTP APIs log requestTimeEpoch in seconds
    return (ts, *values, _dumps(record))


def parse_value(value: Any) -> Iterator[Item]:
    if not isinstance(value, dict) or not is_access_log(value):
        yield quarantine(FORMAT, "not an API Gateway access log record (needs requestId and "
                                 "httpMethod, routeKey, resourcePath or status)", _dumps(value))
        return
    yield TABLE, None, record_row(value)
