"""Event shapes: turn whatever Lambda passed into one `Request`, and build the reply
each HTTP front expects.

Runs on every invocation, so it does only dictionary look-ups and never raises on odd
input except with a `Rejection` (oversized or undecodable bodies, oversized headers).
`json`, `base64` and `urllib.parse` are imported where needed: the Lambda runtime has
already loaded them, and a plain `import` of this module stays cheap.
"""

from __future__ import annotations

from faasguard.runtime import core
from faasguard.runtime.core import Rejection, Request

# Reason phrases for ALB's statusDescription ("404 Not Found").
_REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 413: "Payload Too Large", 429: "Too Many Requests",
    500: "Internal Server Error", 503: "Service Unavailable", 504: "Gateway Timeout",
}

# Record sources of the batch events Lambda polls or is pushed.
_RECORD_SOURCES = {
    "aws:sqs": core.SQS,
    "aws:sns": core.SNS,
    "aws:s3": core.S3,
    "aws:dynamodb": core.DYNAMODB_STREAM,
    "aws:kinesis": core.KINESIS,
}


def _get(mapping: object, key: str) -> object:
    return mapping.get(key) if isinstance(mapping, dict) else None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def shape_of(event: object) -> str:
    """The event's shape (one of the `core` constants), from its distinctive keys."""
    if not isinstance(event, dict):
        return core.OTHER
    context = event.get("requestContext")
    if isinstance(context, dict):
        if isinstance(context.get("elb"), dict):
            return core.ALB
        if isinstance(context.get("http"), dict):
            if ".lambda-url." in _str(context.get("domainName")):
                return core.FUNCTION_URL
            return core.HTTP
        if "httpMethod" in event or "httpMethod" in context:
            return core.REST
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        source = first.get("eventSource") or first.get("EventSource")
        if isinstance(source, str) and source in _RECORD_SOURCES:
            return _RECORD_SOURCES[source]
        return core.OTHER
    if event.get("detail-type") == "Scheduled Event" and "source" in event:
        return core.SCHEDULE
    return core.OTHER


def _headers(event: dict, max_bytes: int | None) -> tuple[dict[str, str], bool]:
    """Lower-cased headers and whether the event used multiValueHeaders.

    Repeated headers are joined with ", " (RFC 9110), so a second Authorization header
    makes the value invalid rather than letting either copy win silently.
    """
    multi = event.get("multiValueHeaders")
    single = event.get("headers")
    out: dict[str, str] = {}
    size = 0
    if isinstance(multi, dict) and multi:
        for name, values in multi.items():
            if not isinstance(name, str):
                continue
            if isinstance(values, list):
                value = ", ".join(v if isinstance(v, str) else str(v) for v in values
                                  if v is not None)
            elif values is None:
                continue
            else:
                value = values if isinstance(values, str) else str(values)
            out[name.lower()] = value
            size += len(name) + len(value)
        used_multi = True
    else:
        used_multi = False
        if isinstance(single, dict):
            for name, value in single.items():
                if not isinstance(name, str) or value is None:
                    continue
                if not isinstance(value, str):
                    value = str(value)
                out[name.lower()] = value
                size += len(name) + len(value)
    if max_bytes is not None and size > max_bytes:
        raise Rejection(400, "validation.rejected", f"headers total {size} bytes, limit {max_bytes}",
                        detail={"limit": "headers", "size": size})
    return out, used_multi


def _query(event: dict, decode: bool) -> dict[str, str]:
    multi = event.get("multiValueQueryStringParameters")
    single = event.get("queryStringParameters")
    out: dict[str, str] = {}
    if isinstance(multi, dict) and multi:
        for name, values in multi.items():
            if isinstance(name, str) and isinstance(values, list) and values:
                out[name] = ",".join(str(v) for v in values)
    elif isinstance(single, dict):
        for name, value in single.items():
            if isinstance(name, str) and value is not None:
                out[name] = value if isinstance(value, str) else str(value)
    if decode and out:
        # ALB passes the query string still percent-encoded; API Gateway decodes it.
        from urllib.parse import unquote_plus
        out = {unquote_plus(k): unquote_plus(v) for k, v in out.items()}
    return out


def _body(event: dict, max_body: int | None) -> str | None:
    raw = event.get("body")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise Rejection(400, "validation.rejected", f"body is a {type(raw).__name__}, not text")
    encoded = event.get("isBase64Encoded") is True
    # Checked before decoding, so a huge body costs no work: base64 is 4/3 the size.
    if max_body is not None:
        limit = (max_body + 2) // 3 * 4 if encoded else max_body
        if len(raw) > limit:
            raise Rejection(413, "validation.rejected", f"body {len(raw)} chars, limit {limit}",
                            detail={"limit": "body", "size": len(raw)})
    if not encoded:
        return raw
    import base64
    import binascii
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise Rejection(400, "validation.rejected", "body is not valid base64") from None
    # Binary bodies stay usable for the handler (it reads the event); for validation
    # and auth an undecodable byte becomes U+FFFD, which JSON parsing then refuses.
    return data.decode("utf-8", "replace")


def _source_ip_alb(headers: dict[str, str]) -> str:
    # The ALB appends the address it saw as the last X-Forwarded-For entry; anything
    # before it was written by the client and proves nothing.
    forwarded = headers.get("x-forwarded-for", "")
    return forwarded.rsplit(",", 1)[-1].strip() if forwarded else ""


def _request_id(context: object, fallback: object) -> str:
    rid = getattr(context, "aws_request_id", None)
    if isinstance(rid, str) and rid:
        return rid
    return fallback if isinstance(fallback, str) else ""


def parse(event: object, context: object = None, *, max_body: int | None = None,
          max_header_bytes: int | None = None) -> Request:
    """Build the `Request` for one invocation.

    Raises `Rejection` (400/413, audit type "validation.rejected") when the body or the
    headers exceed the limits or the body is not valid base64. Never raises anything else.
    """
    shape = shape_of(event)
    if shape not in core.HTTP_SHAPES or not isinstance(event, dict):
        return Request(shape, event, context, request_id=_request_id(context, None))
    rc = _dict(event.get("requestContext"))
    headers, _ = _headers(event, max_header_bytes)
    if shape == core.REST:
        method = _str(event.get("httpMethod")) or _str(rc.get("httpMethod"))
        path = _str(event.get("path"))
        resource = _str(event.get("resource")) or _str(rc.get("resourcePath"))
        route = f"{method} {resource}" if resource else ""
        source_ip = _str(_get(rc.get("identity"), "sourceIp"))
        authorizer = _dict(rc.get("authorizer"))
        query = _query(event, False)
    elif shape == core.ALB:
        method = _str(event.get("httpMethod"))
        path = _str(event.get("path"))
        route = ""
        source_ip = _source_ip_alb(headers)
        authorizer = {}
        query = _query(event, True)
    else:  # HTTP API v2 and function URLs share the 2.0 payload
        http = _dict(rc.get("http"))
        method = _str(http.get("method"))
        path = _str(http.get("path")) or _str(event.get("rawPath"))
        route_key = _str(event.get("routeKey"))
        route = "" if route_key in ("", "$default") else route_key
        source_ip = _str(http.get("sourceIp"))
        authorizer = _dict(rc.get("authorizer"))
        query = _query(event, False)
        cookies = event.get("cookies")
        if isinstance(cookies, list) and cookies and "cookie" not in headers:
            headers["cookie"] = "; ".join(c for c in cookies if isinstance(c, str))
    return Request(shape, event, context, method=method, path=path, route=route,
                   headers=headers, query=query, body=_body(event, max_body),
                   source_ip=source_ip, authorizer=authorizer,
                   request_id=_request_id(context, rc.get("requestId")))


def http_response(request: Request, status: int, body: object,
                  headers: dict[str, str] | None = None) -> dict[str, object]:
    """The reply dict for an HTTP shape: `body` is sent as JSON unless it is a str.

    ALB needs `statusDescription`, and `multiValueHeaders` instead of `headers` when the
    target group has multi-value headers on (the request tells us: it used them too).
    """
    import json
    out_headers = {"content-type": "application/json"}
    if headers:
        out_headers.update(headers)
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    response: dict[str, object] = {"statusCode": status}
    if request.shape == core.ALB:
        response["statusDescription"] = f"{status} {_REASONS.get(status, 'Error')}"
        event = request.event
        if isinstance(event, dict) and isinstance(event.get("multiValueHeaders"), dict):
            response["multiValueHeaders"] = {k: [v] for k, v in out_headers.items()}
        else:
            response["headers"] = out_headers
    else:
        response["headers"] = out_headers
    response["body"] = text
    response["isBase64Encoded"] = False
    return response
