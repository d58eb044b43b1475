"""`guard`: one decorator around a Lambda handler.

Per call, in this order (each step only when configured):

    parse the event (size limits) -> rate limits per ip / function -> authenticate
    -> authorize -> rate limits per principal -> validate
    -> run the handler (inside the sandbox, within the time budget)

A refusal from any step (`Rejection`) or any exception from the handler becomes the
answer the event's shape expects: an HTTP response with only the status, the public
message and a correlation id, or a `GuardError` for non-HTTP events. Details go to
the log and the audit event, never to the caller.

Everything that can be done once is done here at decoration time (cold start):
schemas are compiled, rate-limit specs parsed, optional modules imported. The module
itself imports only the shared types and the event parser, so that
`from faasguard.runtime import guard` stays cheap.
"""

from __future__ import annotations

import os
import time

from faasguard.runtime import core
from faasguard.runtime.core import GuardError, Principal, Rejection, Request
from faasguard.runtime.events import http_response, parse, shape_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the name)
if TYPE_CHECKING:
    import logging
    from collections.abc import Callable
    from contextlib import AbstractContextManager
    from typing import Protocol

    from faasguard.runtime.validation import Validator

    Handler = Callable[..., object]

    class Authenticator(Protocol):
        def authenticate(self, request: Request) -> Principal: ...

    class Limiter(Protocol):
        def check(self, request: Request, principal: Principal | None) -> None: ...

    class Policy(Protocol):  # faasguard.runtime.auth.authz.Requirements
        def check(self, principal: Principal | None, request: Request) -> None: ...

    class SandboxLike(Protocol):
        def activate(self, request: Request) -> AbstractContextManager[object]: ...

    class Budget(Protocol):
        def run(self, fn: Handler, *args: object) -> object: ...

DEFAULT_MAX_BODY = 1_048_576
"""Largest body accepted, in bytes of decoded text (1 MiB; Lambda's own limit is 6 MB)."""
DEFAULT_MAX_DEPTH = 32
"""Deepest nesting of JSON containers accepted when a schema is given."""
DEFAULT_MAX_HEADER_BYTES = 32_768
"""Largest total of header names and values accepted (API Gateway REST stops at 10 KiB)."""

_VALIDATE_TARGETS = ("auto", "body", "records", "event")
_QUIET = (KeyboardInterrupt, SystemExit, GeneratorExit)

_log: logging.Logger | None = None


def _logger() -> logging.Logger:
    global _log
    if _log is None:
        import logging
        _log = logging.getLogger("faasguard.runtime")
    return _log


def _new_id() -> str:
    return os.urandom(16).hex()


def guard(handler: Handler | None = None, *, schema: object = None, auth: object = None,
          roles: object = None, scopes: object = None, sandbox: object = None,
          rate_limit: object = None, time_budget: float | None = None,
          max_body: int | None = DEFAULT_MAX_BODY, max_depth: int | None = DEFAULT_MAX_DEPTH,
          max_header_bytes: int | None = DEFAULT_MAX_HEADER_BYTES, redact_logs: bool = True,
          validate: str = "auto", audit_success: bool = True) -> Handler:
    """Wrap a Lambda handler `(event, context)`; use as `@guard` or `@guard(...)`.

    Parameters (all optional; see docs/runtime/guide.md):

    - `schema`: JSON Schema dict or pydantic model class; `validate` picks what is
      checked: "auto" (the JSON body for HTTP shapes, each record's JSON body for SQS
      and SNS, the event otherwise), "body", "records" or "event". The handler gets a
      shallow copy of the event with `event["parsed_body"]` set to the result.
    - `auth`: an authenticator (`.authenticate(request) -> Principal`) or a list of
      them (the first that accepts wins). The handler gets `event["principal"]`.
    - `roles`, `scopes`: required roles (any of) / scopes (all of), a set or a mapping
      route -> set; need `auth`.
    - `sandbox`: an object with `.activate(request)` returning a context manager.
    - `rate_limit`: a spec string such as "20/minute per principal", a `RateLimit`
      (`.check(request, principal)`), or a list of them. Limits per ip or per function
      are checked before authentication, so failed logins count too.
    - `time_budget`: fraction (0, 1] of the remaining Lambda time the handler may use.
    - `max_body`, `max_depth`, `max_header_bytes`: limits; None turns one off.
    - `redact_logs`: attach a `RedactingFilter` to the root logger's handlers.
    - `audit_success`: write an "auth.success" audit event for every accepted caller.
    """
    plan = _Plan(schema=schema, auth=auth, roles=roles, scopes=scopes, sandbox=sandbox,
                 rate_limit=rate_limit, time_budget=time_budget, max_body=max_body,
                 max_depth=max_depth, max_header_bytes=max_header_bytes,
                 redact_logs=redact_logs, validate=validate, audit_success=audit_success)
    if handler is not None:
        return plan.wrap(handler)
    return plan.wrap


class _Plan:
    """Everything decided at decoration time; `wrap` builds the per-call function."""

    __slots__ = ("audit_success", "authenticators", "budget", "limits_after_auth",
                 "limits_before_auth", "max_body", "max_depth", "max_header_bytes",
                 "redact_logs", "requirements", "sandbox", "target", "validation", "validator")

    def __init__(self, *, schema: object, auth: object, roles: object, scopes: object,
                 sandbox: object, rate_limit: object, time_budget: float | None,
                 max_body: int | None, max_depth: int | None, max_header_bytes: int | None,
                 redact_logs: bool, validate: str, audit_success: bool) -> None:
        for name, limit in (("max_body", max_body), ("max_depth", max_depth),
                            ("max_header_bytes", max_header_bytes)):
            if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                      or limit < 1):
                raise ValueError(f"{name} must be a positive integer or None, not {limit!r}")
        if validate not in _VALIDATE_TARGETS:
            raise ValueError(f"validate must be one of {_VALIDATE_TARGETS}, not {validate!r}")
        self.max_body = max_body
        self.max_depth = max_depth
        self.max_header_bytes = max_header_bytes
        self.target = validate
        self.audit_success = audit_success
        self.redact_logs = redact_logs

        self.validator: Validator | None = None
        self.validation = None
        if schema is not None:
            from faasguard.runtime import validation
            self.validation = validation  # bound once: no import statement per call
            self.validator = validation.compile_schema(schema)

        self.authenticators: tuple[Authenticator, ...] = ()
        if auth is not None:
            chosen = tuple(auth) if isinstance(auth, list | tuple) else (auth,)
            if not chosen:
                raise ValueError("auth= got an empty list")
            for one in chosen:
                if not callable(getattr(one, "authenticate", None)):
                    raise TypeError(f"auth= needs objects with .authenticate(request); got "
                                    f"{type(one).__name__}")
            self.authenticators = chosen

        self.requirements: Policy | None = None
        if roles is not None or scopes is not None:
            if not self.authenticators:
                raise ValueError("roles= and scopes= need auth= (who is the caller?)")
            from faasguard.runtime.auth.authz import Requirements
            self.requirements = Requirements(roles, scopes)  # type: ignore[arg-type]

        # Limits per address or per function also count callers that fail to
        # authenticate (credential stuffing, denial of wallet): they run before auth.
        # Limits per principal, and objects of other kinds, run after it.
        self.limits_before_auth: tuple[Limiter, ...] = ()
        self.limits_after_auth: tuple[Limiter, ...] = ()
        if rate_limit is not None:
            given = list(rate_limit) if isinstance(rate_limit, list | tuple) else [rate_limit]
            before: list[Limiter] = []
            after: list[Limiter] = []
            for spec in given:
                if isinstance(spec, str):
                    from faasguard.runtime.ratelimit import RateLimit
                    spec = RateLimit(spec)
                if not callable(getattr(spec, "check", None)):
                    raise TypeError("rate_limit= needs spec strings or objects with "
                                    ".check(request, principal)")
                kind = getattr(spec, "kind", None)
                (before if kind in ("ip", "function") else after).append(spec)  # type: ignore[arg-type]
            self.limits_before_auth, self.limits_after_auth = tuple(before), tuple(after)

        if sandbox is not None and not callable(getattr(sandbox, "activate", None)):
            raise TypeError("sandbox= needs an object with .activate(request)")
        self.sandbox: SandboxLike | None = sandbox  # type: ignore[assignment]

        self.budget: Budget | None = None
        if time_budget is not None:
            from faasguard.runtime.budget import TimeBudget
            self.budget = TimeBudget(time_budget)

        if redact_logs:
            from faasguard.runtime.logs import install
            install()

    def wrap(self, handler: Handler) -> Handler:
        if not callable(handler):
            raise TypeError(f"guard wraps a callable handler, not {type(handler).__name__}")
        max_body = self.max_body
        max_headers = self.max_header_bytes
        authenticators = self.authenticators
        single_auth = authenticators[0].authenticate if len(authenticators) == 1 else None
        check_authz = self.requirements.check if self.requirements is not None else None
        limits_before = self.limits_before_auth
        limits_after = self.limits_after_auth
        validator = self.validator
        sandbox = self.sandbox
        run = self.budget.run if self.budget is not None else None
        audit_success = self.audit_success
        adds_keys = validator is not None or bool(authenticators)
        # Lambda sets up its log handler before importing the handler module, but a
        # local run may configure logging later: try once more on the first call.
        pending_install = [self.redact_logs]
        plan = self

        def guarded(event: object, context: object = None) -> object:
            start = time.perf_counter()
            request: Request | None = None
            principal: Principal | None = None
            try:
                if pending_install[0]:
                    pending_install[0] = False
                    from faasguard.runtime.logs import install
                    install()
                request = parse(event, context, max_body=max_body, max_header_bytes=max_headers)
                for limit in limits_before:
                    limit.check(request, None)
                if authenticators:
                    principal = single_auth(request) if single_auth is not None \
                        else _authenticate_any(authenticators, request)
                    if audit_success:
                        _audit("auth.success", request, principal, None, {}, start)
                    if check_authz is not None:
                        check_authz(principal, request)
                for limit in limits_after:
                    limit.check(request, principal)
                call_event = event
                if adds_keys and isinstance(event, dict):
                    call_event = dict(event)
                    if validator is not None:
                        call_event["parsed_body"] = plan.validated(validator, request)
                    if authenticators:
                        call_event["principal"] = principal
                elif validator is not None:
                    plan.validated(validator, request)
                if sandbox is not None:
                    with sandbox.activate(request):
                        if run is not None:
                            return run(handler, call_event, context)
                        return handler(call_event, context)
                if run is not None:
                    return run(handler, call_event, context)
                return handler(call_event, context)
            except Rejection as rejection:
                return _refuse(rejection, request, event, context, principal, start)
            except GuardError as error:  # the handler chose a status itself
                if request is not None and request.is_http:
                    return _reply(request, error.status, error.correlation_id, {})
                raise
            except BaseException as exc:
                if isinstance(exc, _QUIET):
                    raise
                return _fail(exc, request, event, context, principal, start)

        guarded.__name__ = getattr(handler, "__name__", "handler")
        guarded.__qualname__ = getattr(handler, "__qualname__", guarded.__name__)
        guarded.__doc__ = getattr(handler, "__doc__", None)
        guarded.__module__ = getattr(handler, "__module__", __name__)
        guarded.__wrapped__ = handler  # type: ignore[attr-defined]
        return guarded

    def validated(self, validator: Validator, request: Request) -> object:
        """Run the schema on what `validate=` names; refuse with 400 when it fails."""
        v = self.validation
        assert v is not None
        target = self.target
        if target == "auto":
            if request.is_http:
                target = "body"
            elif request.shape in (core.SQS, core.SNS):
                target = "records"
            else:
                target = "event"
        try:
            if target == "body":
                if not request.body:
                    raise v.ValidationFailed("required", "empty body")
                return validator.validate(v.parse_json(request.body, max_depth=self.max_depth))
            if target == "records":
                return [validator.validate(v.parse_json(text, max_depth=self.max_depth,
                                                        max_size=self.max_body))
                        for text in _record_bodies(request.event)]
            if self.max_depth is not None:
                v.check_depth(request.event, self.max_depth)
            return validator.validate(request.event)
        except v.ValidationFailed as failed:
            status = 413 if failed.keyword == "maxSize" else 400
            raise Rejection(status, "validation.rejected", str(failed),
                            detail={"path": failed.path, "keyword": failed.keyword,
                                    "engine": validator.engine}) from None


def _record_bodies(event: object) -> list[str]:
    """The text each SQS/SNS record carries; a record without one is refused."""
    from faasguard.runtime.validation import ValidationFailed
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        raise ValidationFailed("records", "event has no Records")
    out = []
    for index, record in enumerate(records):
        text = None
        if isinstance(record, dict):
            text = record.get("body")
            if text is None and isinstance(record.get("Sns"), dict):
                text = record["Sns"].get("Message")
        if not isinstance(text, str):
            raise ValidationFailed("records", "record has no text body", [index])
        out.append(text)
    return out


def _authenticate_any(authenticators: tuple[Authenticator, ...], request: Request) -> Principal:
    """The first authenticator that accepts wins. All refusing gives one 401 naming every
    reason (for the audit event); an authenticator that breaks is raised after trying the
    rest, so an outage shows as an error, not as a wave of bad credentials."""
    rejections: list[Rejection] = []
    failure: BaseException | None = None
    for authenticator in authenticators:
        try:
            return authenticator.authenticate(request)
        except Rejection as rejection:
            rejections.append(rejection)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    headers: dict[str, str] = {}
    for refused in rejections:
        for name, value in refused.headers.items():
            headers.setdefault(name, value)
    statuses = {r.status for r in rejections}
    status = statuses.pop() if len(statuses) == 1 else 401
    raise Rejection(status, "auth.failure", "; ".join(r.reason for r in rejections),
                    headers=headers,
                    detail={"attempts": [{"reason": r.reason, **r.detail} for r in rejections]})


def _correlation_id(request: Request | None, context: object) -> str:
    if request is not None and request.request_id:
        return request.request_id
    rid = getattr(context, "aws_request_id", None)
    return rid if isinstance(rid, str) and rid else _new_id()


def _audit(kind: str, request: Request | None, principal: Principal | None,
           reason: str | None, detail: dict[str, object], start: float,
           correlation_id: str | None = None) -> None:
    """Write an audit event; a broken log setup must not change the caller's answer."""
    try:
        from faasguard.runtime.audit import TYPES, emit
        if kind not in TYPES:  # a part raised Rejection with a type of its own
            detail = {**detail, "rejection": kind}
            kind = "error"
        if correlation_id is None:
            correlation_id = _correlation_id(request, None)
        emit(kind, request=request, principal=principal, reason=reason,
             correlation_id=correlation_id,
             duration_ms=round((time.perf_counter() - start) * 1000, 3), **detail)  # type: ignore[arg-type]
    except Exception:
        _logger().exception("faasguard: could not write the %s audit event", kind)


def _reply(request: Request, status: int, correlation_id: str,
           headers: dict[str, str]) -> dict[str, object]:
    out = {"x-correlation-id": correlation_id, "cache-control": "no-store",
           "x-content-type-options": "nosniff"}
    out.update(headers)
    return http_response(request, status,
                         {"message": core.PUBLIC_MESSAGES.get(status, "Error"),
                          "correlation_id": correlation_id}, out)


def _answer(status: int, request: Request | None, event: object, context: object,
            correlation_id: str, headers: dict[str, str]) -> dict[str, object]:
    """HTTP reply, or raise GuardError for the other shapes."""
    if request is None:  # parsing refused the event: still answer in its shape
        request = Request(shape_of(event), event, context)
    if request.is_http:
        return _reply(request, status, correlation_id, headers)
    raise GuardError(status, correlation_id) from None


def _refuse(rejection: Rejection, request: Request | None, event: object, context: object,
            principal: Principal | None, start: float) -> dict[str, object]:
    cid = _correlation_id(request, context)
    audit_request = request if request is not None else Request(shape_of(event), event, context)
    _audit(rejection.audit, audit_request,
           rejection.principal or principal, rejection.reason,
           {"status": rejection.status, **rejection.detail}, start, cid)
    return _answer(rejection.status, request, event, context, cid, rejection.headers)


def _fail(exc: BaseException, request: Request | None, event: object, context: object,
          principal: Principal | None, start: float) -> dict[str, object]:
    cid = _correlation_id(request, context)
    audit_request = request if request is not None else Request(shape_of(event), event, context)
    name = type(exc).__name__
    if name == "TimeBudgetExceeded":
        detail = {"status": 504, "budget_ms": round(getattr(exc, "budget_ms", 0.0), 3)}
        _logger().error("faasguard: time budget exceeded (correlation id %s): %s", cid, exc,
                        extra={"correlation_id": cid})
        _audit("timeout", audit_request, principal, str(exc), detail, start, cid)
        return _answer(504, request, event, context, cid, {})
    # A SandboxViolation was already reported as "sandbox.violation" by the sandbox at the
    # moment it happened (alert mode too); here it is the failure it caused: "error".
    _logger().error("faasguard: %s in handler (correlation id %s)", name, cid,
                    exc_info=(type(exc), exc, exc.__traceback__),
                    extra={"correlation_id": cid, "request_id": audit_request.request_id})
    _audit("error", audit_request, principal, f"{name}: {exc}",
           {"status": 500, "exception": name}, start, cid)
    return _answer(500, request, event, context, cid, {})
