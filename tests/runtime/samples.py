"""Lambda events of every shape the guard knows, as AWS documents them, and a context.

Each builder returns a fresh dict so tests may change it freely.
"""

from __future__ import annotations

import base64
import json


class FakeContext:
    """The parts of the Lambda context object the guard reads."""

    def __init__(self, remaining_ms: float = 30_000, request_id: str = "ctx-req-1") -> None:
        self.aws_request_id = request_id
        self.function_name = "orders"
        self._deadline_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> float:
        return self._deadline_ms


def _body(body: object, b64: bool) -> str | None:
    if body is None:
        return None
    text = body if isinstance(body, str) else json.dumps(body)
    return base64.b64encode(text.encode()).decode() if b64 else text


def rest(body: object = None, *, headers: dict[str, str] | None = None, b64: bool = False,
         method: str = "POST", path: str = "/orders/7", resource: str = "/orders/{id}",
         authorizer: dict[str, object] | None = None) -> dict[str, object]:
    headers = {"Content-Type": "application/json", "User-Agent": "curl/8"} if headers is None \
        else headers
    return {
        "resource": resource, "path": path, "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {"q": "a b"},
        "multiValueQueryStringParameters": {"q": ["a b"]},
        "pathParameters": {"id": "7"}, "stageVariables": None,
        "requestContext": {
            "resourcePath": resource, "httpMethod": method, "requestId": "rest-req-1",
            "stage": "prod", "identity": {"sourceIp": "203.0.113.9", "userAgent": "curl/8"},
            "authorizer": authorizer or {},
        },
        "body": _body(body, b64), "isBase64Encoded": b64,
    }


def http(body: object = None, *, headers: dict[str, str] | None = None, b64: bool = False,
         method: str = "POST", path: str = "/orders/7", route: str = "POST /orders/{id}",
         domain: str = "abc123.execute-api.eu-west-1.amazonaws.com",
         authorizer: dict[str, object] | None = None) -> dict[str, object]:
    headers = {"content-type": "application/json", "user-agent": "curl/8"} if headers is None \
        else headers
    event: dict[str, object] = {
        "version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "q=a+b",
        "cookies": ["session=s1", "theme=dark"],
        "headers": headers, "queryStringParameters": {"q": "a b"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": domain,
            "requestId": "http-req-1", "routeKey": route, "stage": "$default",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "198.51.100.4", "userAgent": "curl/8"},
        },
        "body": _body(body, b64), "isBase64Encoded": b64,
    }
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer  # type: ignore[index]
    return event


def function_url(body: object = None, **kwargs: object) -> dict[str, object]:
    event = http(body, route="$default",
                 domain="a1b2c3.lambda-url.eu-west-1.on.aws", **kwargs)  # type: ignore[arg-type]
    event["routeKey"] = "$default"
    return event


def alb(body: object = None, *, multi: bool = False, b64: bool = False,
        headers: dict[str, str] | None = None, method: str = "POST",
        path: str = "/orders/7") -> dict[str, object]:
    headers = {"content-type": "application/json", "x-forwarded-for": "10.9.9.9, 192.0.2.7",
               "user-agent": "curl/8"} if headers is None else headers
    event: dict[str, object] = {
        "requestContext": {"elb": {"targetGroupArn":
                                   "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"
                                   "targetgroup/orders/6d0ecf831eec9f09"}},
        "httpMethod": method, "path": path,
        "body": _body(body, b64), "isBase64Encoded": b64,
    }
    if multi:
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        event["multiValueQueryStringParameters"] = {"q": ["a%20b"]}
    else:
        event["headers"] = headers
        event["queryStringParameters"] = {"q": "a%20b"}
    return event


def sqs(*bodies: object) -> dict[str, object]:
    bodies = bodies or ({"order": 1},)
    return {"Records": [{
        "messageId": f"m{i}", "receiptHandle": "rh", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:orders", "awsRegion": "eu-west-1",
        "attributes": {}, "messageAttributes": {},
        "body": b if isinstance(b, str) else json.dumps(b)} for i, b in enumerate(bodies)]}


def sns(*messages: object) -> dict[str, object]:
    messages = messages or ({"order": 1},)
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:orders:1",
        "Sns": {"Type": "Notification", "MessageId": f"n{i}",
                "TopicArn": "arn:aws:sns:eu-west-1:123456789012:orders",
                "Message": m if isinstance(m, str) else json.dumps(m)}}
        for i, m in enumerate(messages)]}


def s3() -> dict[str, object]:
    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3",
                         "awsRegion": "eu-west-1", "eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": "uploads"}, "object": {"key": "a.csv"}}}]}


def schedule() -> dict[str, object]:
    return {"version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-29T12:00:00Z", "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/nightly"], "detail": {}}


def dynamodb_stream() -> dict[str, object]:
    return {"Records": [{"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb",
                         "dynamodb": {"Keys": {"id": {"S": "7"}}}}]}


def kinesis() -> dict[str, object]:
    return {"Records": [{"eventSource": "aws:kinesis", "eventID": "shardId-0:1",
                         "kinesis": {"data": base64.b64encode(b'{"a":1}').decode(),
                                     "partitionKey": "p"}}]}


HTTP_BUILDERS = {"rest": rest, "http": http, "function_url": function_url, "alb": alb}
OTHER_BUILDERS = {"sqs": sqs, "sns": sns, "s3": s3, "schedule": schedule,
                  "dynamodb_stream": dynamodb_stream, "kinesis": kinesis,
                  "custom": lambda: {"anything": 1}}


class AuditLog:
    """Collects the audit events written while it is attached (see `audit_log` below)."""

    def __init__(self) -> None:
        import logging

        self.events: list[dict[str, object]] = []
        collector = self

        class _Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                collector.events.append(json.loads(record.getMessage()))

        self.handler = _Handler()
        self.logger = logging.getLogger("faasguard.audit")

    def __enter__(self) -> AuditLog:
        self.logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)

    def types(self) -> list[object]:
        return [event["type"] for event in self.events]

    def one(self, kind: str) -> dict[str, object]:
        found = [event for event in self.events if event["type"] == kind]
        assert len(found) == 1, (kind, self.events)
        return found[0]
