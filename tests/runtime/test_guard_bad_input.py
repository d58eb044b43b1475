"""Hostile and broken invocations: every one gets a status and an audit event, never a
crash and never a detail in the answer."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator

import pytest
import samples
from samples import AuditLog, FakeContext

from faasguard.runtime import GuardError, Principal, Rejection, guard
from faasguard.runtime.core import Request

SCHEMA = {"type": "object", "required": ["qty"], "properties": {"qty": {"type": "integer"}}}


class HeaderAuth:
    def authenticate(self, request: Request) -> Principal:
        if request.header("authorization") == "Bearer ok":
            return Principal("u", "fake")
        raise Rejection(401, "auth.failure", "no valid credential")


def handler(event: object, context: object) -> object:
    return {"statusCode": 200, "body": "handled"}


FULL = guard(schema=SCHEMA, auth=HeaderAuth())(handler)
PLAIN = guard(handler)


@pytest.fixture
def audit() -> Iterator[AuditLog]:
    with AuditLog() as log:
        yield log


def outcome(fn: object, event: object, context: object = None) -> int:
    """The status the caller sees: HTTP statusCode, GuardError status, or 200 for a pass."""
    try:
        result = fn(event, context)  # type: ignore[operator]
    except GuardError as exc:
        return exc.status
    if isinstance(result, dict) and "statusCode" in result:
        assert json.loads(result["body"]) if result["statusCode"] >= 400 else True
        return int(result["statusCode"])
    return 200


@pytest.mark.parametrize("event", [None, [], [1, 2], "text", 42, 3.5, b"bytes", {"a": 1}, {}])
def test_non_dict_and_unknown_events(event: object, audit: AuditLog) -> None:
    # no credentials in a non-HTTP event: refused as unauthenticated, not crashed
    assert outcome(FULL, event) == 401
    assert audit.one("auth.failure")["shape"] == "other"
    assert outcome(PLAIN, event) == 200


@pytest.mark.parametrize("body", ["{", "{'qty': 1}", '{"qty": 1', "NaN", '{"qty": NaN}',
                                  "\x00", "[]", '"string"', "1" * 5000, "{}" * 3])
def test_malformed_or_wrong_json_is_400(body: str, audit: AuditLog) -> None:
    event = samples.http(body, headers={"authorization": "Bearer ok"})
    assert outcome(FULL, event, FakeContext()) == 400
    assert audit.one("validation.rejected")["status"] == 400


def test_base64_bodies(audit: AuditLog) -> None:
    good = samples.rest({"qty": 3}, headers={"Authorization": "Bearer ok"}, b64=True)
    assert outcome(FULL, good) == 200
    broken = samples.rest(headers={"Authorization": "Bearer ok"})
    broken["body"], broken["isBase64Encoded"] = "%%%not-base64%%%", True
    assert outcome(FULL, broken) == 400
    binary = samples.rest(headers={"Authorization": "Bearer ok"})
    binary["body"] = base64.b64encode(b'{"qty": 1\xff}').decode()
    binary["isBase64Encoded"] = True
    assert outcome(FULL, binary) == 400
    assert outcome(PLAIN, broken) == 400  # the plain guard decodes too
    assert audit.types().count("validation.rejected") == 3


def test_huge_headers_are_refused_before_auth(audit: AuditLog) -> None:
    event = samples.http({"qty": 1}, headers={"authorization": "Bearer ok", "x-pad": "a" * 40_000})
    assert outcome(FULL, event) == 400
    assert audit.types() == ["validation.rejected"]
    many = samples.alb(multi=True, headers={f"h{i}": "v" * 100 for i in range(400)})
    response = PLAIN(many, None)
    assert response["statusCode"] == 400 and "multiValueHeaders" in response


def test_huge_body_is_413(audit: AuditLog) -> None:
    event = samples.function_url("x" * 1_048_577, headers={"authorization": "Bearer ok"})
    assert outcome(FULL, event) == 413
    assert outcome(PLAIN, event) == 413
    assert audit.types().count("validation.rejected") == 2


def test_deep_json_is_400_not_a_recursion_error() -> None:
    deep = "[" * 200_000 + "]" * 200_000
    event = samples.http(deep, headers={"authorization": "Bearer ok"})
    assert outcome(FULL, event) == 400
    nested = '{"qty": 1, "x": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
    assert outcome(FULL, samples.http(nested, headers={"authorization": "Bearer ok"})) == 400


def test_missing_or_odd_context() -> None:
    event = samples.http({"qty": 1}, headers={"authorization": "Bearer ok"})
    for context in (None, object(), "ctx", FakeContext(request_id="")):
        assert outcome(FULL, event, context) == 200
    timed = guard(time_budget=0.5)(handler)
    for context in (None, object(), "ctx"):
        assert outcome(timed, event, context) == 200


@pytest.mark.parametrize("mutate", [
    lambda e: e.update(headers=None),
    lambda e: e.update(headers="not a dict"),
    lambda e: e.update(headers={1: "x", None: "y", "a": None}),
    lambda e: e.update(requestContext={"http": "nope", "domainName": 5}),
    lambda e: e.update(requestContext={"http": {"method": 5, "sourceIp": None}}),
    lambda e: e.update(body=12),
    lambda e: e.update(body=None),
    lambda e: e.update(isBase64Encoded="yes"),
    lambda e: e.update(queryStringParameters=[1, 2]),
    lambda e: e.update(cookies="a=b"),
    lambda e: e.update(cookies=[1, None, "a=b"]),
    lambda e: e.update(Records="x"),
    lambda e: e.update(routeKey=None),
])
def test_malformed_http_events(mutate: object) -> None:
    event = samples.http({"qty": 1}, headers={"authorization": "Bearer ok"})
    mutate(event)  # type: ignore[operator]
    for fn in (FULL, PLAIN):
        assert outcome(fn, event) in (200, 400, 401)


def test_malformed_records(audit: AuditLog) -> None:
    validated = guard(schema=SCHEMA)(handler)
    for event in ({"Records": [{"eventSource": "aws:sqs"}]},
                  {"Records": [{"eventSource": "aws:sqs", "body": None}]},
                  {"Records": [{"EventSource": "aws:sns", "Sns": "x"}]},
                  samples.sqs("not json"), samples.sqs({"qty": "1"})):
        assert outcome(validated, event) == 400
    assert audit.types() == ["validation.rejected"] * 5


def test_random_mutations_never_crash() -> None:
    """Fuzz: replace random parts of every event shape with junk. Only statuses come out."""
    rng = random.Random(4)
    junk: list[object] = [None, 0, -1, 1e308, "", "x" * 100, [], {}, [None], {"": None}, True,
                          "eyJ", "Bearer", {"Records": None}, [{"eventSource": "aws:sqs"}]]
    builders = [*samples.HTTP_BUILDERS.values(), *samples.OTHER_BUILDERS.values()]

    def mutate(value: object, depth: int = 0) -> object:
        if isinstance(value, dict):
            return {k: (rng.choice(junk) if rng.random() < 0.2 else mutate(v, depth + 1))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [rng.choice(junk) if rng.random() < 0.2 else mutate(v, depth + 1)
                    for v in value]
        return value

    for _ in range(300):
        event = mutate(rng.choice(builders)())
        for fn in (FULL, PLAIN):
            status = outcome(fn, event, FakeContext())
            assert status in (200, 400, 401, 413), (status, event)
