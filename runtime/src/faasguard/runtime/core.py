"""The types every part of the guard shares: the request view, the caller, a rejection.

Plain slotted classes on purpose: this module is imported on every cold start, and
`dataclasses`/`enum`/`typing` would cost more import time than the whole guard.
"""

from __future__ import annotations

# Event shapes. HTTP shapes get an HTTP response; the others get an exception the
# platform can retry or send to a dead-letter queue.
REST = "apigw-rest"
HTTP = "apigw-http"
FUNCTION_URL = "function-url"
ALB = "alb"
SQS = "sqs"
SNS = "sns"
S3 = "s3"
SCHEDULE = "schedule"
DYNAMODB_STREAM = "dynamodb-stream"
KINESIS = "kinesis"
OTHER = "other"
HTTP_SHAPES = frozenset({REST, HTTP, FUNCTION_URL, ALB})


class Request:
    """What the guard needs from one invocation, whatever the event shape.

    Built once per call by `events.parse`. Header names are lower-case. `body` is the
    decoded text (base64 undone) or None; non-HTTP events have no method/path/headers.
    """

    __slots__ = ("authorizer", "body", "context", "event", "headers", "method", "path",
                 "query", "request_id", "route", "shape", "source_ip")

    def __init__(self, shape: str, event: object, context: object = None, *,
                 method: str = "", path: str = "", route: str = "",
                 headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
                 body: str | None = None, source_ip: str = "",
                 authorizer: dict[str, object] | None = None, request_id: str = "") -> None:
        self.shape = shape
        self.event = event
        self.context = context
        self.method = method
        self.path = path
        self.route = route
        """The route as the API declares it: `GET /orders/{id}` (routeKey/resource)."""
        self.headers = headers or {}
        self.query = query or {}
        self.body = body
        self.source_ip = source_ip
        self.authorizer = authorizer or {}
        """Claims or context an API Gateway authorizer already attached (not re-verified)."""
        self.request_id = request_id

    @property
    def is_http(self) -> bool:
        return self.shape in HTTP_SHAPES

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Principal:
    """An authenticated caller. `id` is stable per caller (JWT `sub`, token id, key name)."""

    __slots__ = ("claims", "id", "method", "roles", "scopes")

    def __init__(self, id: str, method: str, roles: frozenset[str] = frozenset(),
                 scopes: frozenset[str] = frozenset(),
                 claims: dict[str, object] | None = None) -> None:
        self.id = id
        self.method = method
        """How it was authenticated: "jwt", "token", "api-key" or "gateway"."""
        self.roles = roles
        self.scopes = scopes
        self.claims = claims or {}

    def __repr__(self) -> str:
        return f"Principal({self.id!r}, {self.method!r})"


# The only texts a caller ever sees; details stay in the log and the audit event.
PUBLIC_MESSAGES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    413: "Payload too large",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
    504: "Request timed out",
}


class Rejection(Exception):
    """The guard refuses a call. Raised by any part; the guard turns it into the
    response (or exception) for the event's shape and one audit event.

    `reason` is for logs and audit events only and must never reach the caller;
    `audit` is the audit event type ("auth.failure", "validation.rejected", ...).
    """

    def __init__(self, status: int, audit: str, reason: str, *,
                 principal: Principal | None = None,
                 headers: dict[str, str] | None = None,
                 detail: dict[str, object] | None = None) -> None:
        super().__init__(f"{status} {audit}: {reason}")
        self.status = status
        self.audit = audit
        self.reason = reason
        self.principal = principal
        self.headers = headers or {}
        """Extra response headers, e.g. WWW-Authenticate or Retry-After."""
        self.detail = detail or {}
        """Extra audit fields (never sent to the caller)."""

    @property
    def public_message(self) -> str:
        return PUBLIC_MESSAGES.get(self.status, "Error")


class GuardError(Exception):
    """What a non-HTTP invocation raises when the guard refuses it or the handler
    fails: the platform sees a failure (retry, DLQ) but no detail beyond the status,
    the public message and the correlation id."""

    def __init__(self, status: int, correlation_id: str) -> None:
        super().__init__(f"{PUBLIC_MESSAGES.get(status, 'Error')} (correlation id "
                         f"{correlation_id})")
        self.status = status
        self.correlation_id = correlation_id
