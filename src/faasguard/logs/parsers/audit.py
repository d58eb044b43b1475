"""faasguard.runtime audit events (schema: docs/runtime/audit-events.md).

A line is an audit event when it is a JSON object whose ``schema`` is
``faasguard.audit``. Version 1 is read here; fields this version does not know are
ignored (the schema allows additions), and an event of a newer version is still
stored with the fields it shares with version 1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from faasguard.logs.parsers import Item, integer, number, quarantine, text
from faasguard.logs.schema import AUDIT

FORMAT = "audit"
SCHEMA = "faasguard.audit"
TYPES = frozenset({
    "auth.success", "auth.failure", "authz.denied", "validation.rejected",
    "rate.limited", "sandbox.violation", "timeout", "error",
})
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def audit_row(event: dict[str, Any], log_group: str | None = None,
              log_stream: str | None = None) -> tuple[Any, ...] | None:
    """The row of one audit event, or None when it lacks a known type or its time."""
    kind = event.get("type")
    when = event.get("time")
    if kind not in TYPES or not isinstance(when, str):
        return None
    principal = event.get("principal")
    if not isinstance(principal, dict):
        principal = {}
    roles = principal.get("roles")
    scopes = principal.get("scopes")
    detail = event.get("detail")
    return (
        when, integer(event.get("schema_version")), kind, text(event.get("correlation_id")),
        text(event.get("function")), text(event.get("function_version")),
        text(event.get("region")), integer(event.get("status")),
        number(event.get("duration_ms")), text(event.get("request_id")),
        text(event.get("shape")), text(event.get("method")), text(event.get("path")),
        text(event.get("route")), text(event.get("source_ip")), text(event.get("user_agent")),
        text(principal.get("id")), text(principal.get("method")),
        _dumps(roles) if isinstance(roles, list) else None,
        _dumps(scopes) if isinstance(scopes, list) else None,
        text(event.get("reason")),
        _dumps(detail) if isinstance(detail, dict) else None,
        log_group, log_stream,
    )


def parse_value(value: Any) -> Iterator[Item]:
    """One decoded JSON line of an audit log."""
    if not isinstance(value, dict) or value.get("schema") != SCHEMA:
        yield quarantine(FORMAT, "not a faasguard audit event (no \"schema\": "
                                 "\"faasguard.audit\")", _dumps(value))
        return
    row = audit_row(value)
    if row is None:
        yield quarantine(FORMAT, "audit event without a known type or time", _dumps(value))
        return
    yield AUDIT.name, None, row
