"""Audit events: one JSON line per security-relevant event, schema in
docs/runtime/audit-events.md (faasguard's log monitoring reads it back; bump
`SCHEMA_VERSION` on any incompatible change).

Lines go to the logger "faasguard.audit". Unless the application gave that logger a
handler of its own, the first event attaches one that writes the bare JSON line to
stdout and stops propagation, so the Lambda log handler neither prefixes nor doubles it.
While that handler is the logger's only one, lines are written to it directly (same
output, a fraction of the cost of a LogRecord); give the logger a handler or filter of
your own and every line goes through `logging` as usual.
"""

from __future__ import annotations

import os
import sys
import time

from faasguard.runtime.core import Principal, Request

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the name)
if TYPE_CHECKING:
    import json
    import logging

SCHEMA = "faasguard.audit"
SCHEMA_VERSION = 1
TYPES = frozenset({
    "auth.success", "auth.failure", "authz.denied", "validation.rejected",
    "rate.limited", "sandbox.violation", "timeout", "error",
})
LOGGER_NAME = "faasguard.audit"
_MAX_TEXT = 512

# Read once: they do not change during the life of an execution environment.
_FUNCTION = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
_FUNCTION_VERSION = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "")
_REGION = os.environ.get("AWS_REGION", "")

_logger: logging.Logger | None = None
_own_handler: logging.StreamHandler | None = None
_encoder: json.JSONEncoder | None = None


def _get_logger() -> logging.Logger:
    global _logger, _own_handler
    if _logger is None:
        import logging
        logger = logging.getLogger(LOGGER_NAME)
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            logger.propagate = False
            _own_handler = handler
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        _logger = logger
    return _logger


def _write(line: str) -> None:
    logger = _get_logger()
    handler = _own_handler
    # Fast path, same output: while the logger still has only the handler we attached
    # (no filters, not disabled), write the line as that handler would, without the
    # LogRecord machinery. Anything else the application set up goes through logging.
    if handler is not None and logger.handlers == [handler] and not logger.filters \
            and not handler.filters and not logger.disabled and logger.isEnabledFor(20):
        with handler.lock:  # type: ignore[union-attr]
            stream = handler.stream
            stream.write(line + "\n")
            stream.flush()
        return
    logger.info(line)


_stamp_second = -1
_stamp_prefix = ""


def _timestamp(now: float) -> str:
    global _stamp_second, _stamp_prefix
    seconds = int(now)
    if seconds != _stamp_second:  # strftime once a second, not once an event
        _stamp_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _stamp_second = seconds
    return f"{_stamp_prefix}.{int((now - seconds) * 1000):03d}Z"


def build(type: str, *, request: Request | None = None, principal: Principal | None = None,
          reason: str | None = None, correlation_id: str | None = None,
          status: int | None = None, duration_ms: float | None = None,
          **detail: object) -> dict[str, object]:
    """The event as a dict (what `emit` writes). Reason and detail are redacted."""
    if type not in TYPES:
        raise ValueError(f"unknown audit event type {type!r}; known: {sorted(TYPES)}")
    now = time.time()
    event: dict[str, object] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "type": type,
        "time": _timestamp(now),
        # the guard uses the request id as correlation id: parts that only have the
        # request (the sandbox) correlate without being told
        "correlation_id": correlation_id or (request.request_id if request else ""),
        "function": _FUNCTION,
        "function_version": _FUNCTION_VERSION,
        "region": _REGION,
        "status": status,
        "duration_ms": duration_ms,
    }
    if request is not None:
        event["request_id"] = request.request_id
        event["shape"] = request.shape
        event["method"] = request.method
        # caller-controlled text: bounded, so one event stays one reasonable line
        event["path"] = request.path[:_MAX_TEXT]
        event["route"] = request.route[:_MAX_TEXT]
        event["source_ip"] = request.source_ip[:64]
        event["user_agent"] = request.headers.get("user-agent", "")[:_MAX_TEXT]
    if principal is not None:
        event["principal"] = {"id": principal.id, "method": principal.method,
                              "roles": sorted(principal.roles),
                              "scopes": sorted(principal.scopes)}
    else:
        event["principal"] = None
    if reason is not None or detail:
        from faasguard.runtime.logs import redact, redact_text
        if reason is not None:
            event["reason"] = redact_text(reason)
        if detail:
            event["detail"] = redact(detail)
    return event


def emit(type: str, *, request: Request | None = None, principal: Principal | None = None,
         reason: str | None = None, correlation_id: str | None = None,
         status: int | None = None, duration_ms: float | None = None,
         **detail: object) -> dict[str, object]:
    """Write one audit event as a JSON line and return it.

    `reason` and `detail` are for operators: they are redacted (tokens, keys, card
    numbers, emails) but never sent to the caller.
    """
    global _encoder
    event = build(type, request=request, principal=principal, reason=reason,
                  correlation_id=correlation_id, status=status, duration_ms=duration_ms,
                  **detail)
    if _encoder is None:  # one encoder: json.dumps with options builds one per call
        import json
        _encoder = json.JSONEncoder(separators=(",", ":"), default=str)
    _write(_encoder.encode(event))
    return event
