from __future__ import annotations

import base64
import json

import pytest
import samples

from faasguard.runtime import core
from faasguard.runtime.core import Rejection
from faasguard.runtime.events import http_response, parse, shape_of


@pytest.mark.parametrize(("event", "shape"), [
    (samples.rest(), core.REST),
    (samples.http(), core.HTTP),
    (samples.function_url(), core.FUNCTION_URL),
    (samples.alb(), core.ALB),
    (samples.alb(multi=True), core.ALB),
    (samples.sqs(), core.SQS),
    (samples.sns(), core.SNS),
    (samples.s3(), core.S3),
    (samples.schedule(), core.SCHEDULE),
    (samples.dynamodb_stream(), core.DYNAMODB_STREAM),
    (samples.kinesis(), core.KINESIS),
    ({"anything": 1}, core.OTHER),
    ({"Records": []}, core.OTHER),
    ({"Records": [{"eventSource": "aws:unknown"}]}, core.OTHER),
    ({"requestContext": "not a dict", "httpMethod": "GET"}, core.OTHER),
    (None, core.OTHER), ([1, 2], core.OTHER), ("text", core.OTHER), (7, core.OTHER),
])
def test_shape_of_every_event_kind(event: object, shape: str) -> None:
    assert shape_of(event) == shape
    assert parse(event).shape == shape


def test_rest_request_fields() -> None:
    event = samples.rest({"a": 1}, authorizer={"principalId": "u1", "claims": {"sub": "u1"}})
    request = parse(event, samples.FakeContext(request_id="lambda-7"))
    assert request.method == "POST"
    assert request.path == "/orders/7"
    assert request.route == "POST /orders/{id}"
    assert request.headers["content-type"] == "application/json"
    assert request.header("Content-Type") == "application/json"
    assert request.query == {"q": "a b"}
    assert request.source_ip == "203.0.113.9"
    assert request.authorizer == {"principalId": "u1", "claims": {"sub": "u1"}}
    assert json.loads(request.body or "") == {"a": 1}
    assert request.request_id == "lambda-7"  # the Lambda request id wins
    assert request.is_http


def test_request_id_falls_back_to_the_api_request_id_without_context() -> None:
    assert parse(samples.rest()).request_id == "rest-req-1"
    assert parse(samples.http()).request_id == "http-req-1"


def test_http_api_v2_fields_and_cookies() -> None:
    request = parse(samples.http({"a": 1}, authorizer={"jwt": {"claims": {"sub": "u"}}}))
    assert (request.method, request.path, request.route) == ("POST", "/orders/7",
                                                             "POST /orders/{id}")
    assert request.source_ip == "198.51.100.4"
    assert request.headers["cookie"] == "session=s1; theme=dark"
    assert request.authorizer == {"jwt": {"claims": {"sub": "u"}}}


def test_function_url_has_no_route() -> None:
    request = parse(samples.function_url({"a": 1}))
    assert request.shape == core.FUNCTION_URL
    assert request.route == ""
    assert request.path == "/orders/7"


@pytest.mark.parametrize("multi", [False, True])
def test_alb_fields(multi: bool) -> None:
    request = parse(samples.alb({"a": 1}, multi=multi))
    assert request.method == "POST"
    assert request.query == {"q": "a b"}  # ALB leaves the query percent-encoded
    # the address the ALB appended, not the one the client wrote
    assert request.source_ip == "192.0.2.7"
    assert request.headers["content-type"] == "application/json"


def test_repeated_headers_are_joined_not_chosen() -> None:
    event = samples.alb(multi=True)
    event["multiValueHeaders"]["Authorization"] = ["Bearer a", "Bearer b"]
    assert parse(event).headers["authorization"] == "Bearer a, Bearer b"


@pytest.mark.parametrize("builder", sorted(samples.HTTP_BUILDERS))
def test_base64_body_is_decoded(builder: str) -> None:
    event = samples.HTTP_BUILDERS[builder]({"name": "é"}, b64=True)
    assert json.loads(parse(event).body or "") == {"name": "é"}


def test_bad_base64_is_refused() -> None:
    event = samples.http(b64=False)
    event["body"], event["isBase64Encoded"] = "not base64!!", True
    with pytest.raises(Rejection) as info:
        parse(event)
    assert (info.value.status, info.value.audit) == (400, "validation.rejected")


def test_body_limit_applies_before_decoding() -> None:
    event = samples.http("x" * 101)
    with pytest.raises(Rejection) as info:
        parse(event, max_body=100)
    assert info.value.status == 413
    assert parse(samples.http("x" * 100), max_body=100).body == "x" * 100
    # base64 of 100 bytes is 136 chars: allowed; 101 bytes is 136 chars too; 103 is 140
    encoded = samples.http("y" * 100, b64=True)
    assert parse(encoded, max_body=100).body == "y" * 100
    with pytest.raises(Rejection):
        parse(samples.http("y" * 103, b64=True), max_body=100)


def test_header_limit() -> None:
    event = samples.http(headers={"x-big": "a" * 5000})
    with pytest.raises(Rejection) as info:
        parse(event, max_header_bytes=4096)
    assert info.value.status == 400
    assert parse(event, max_header_bytes=8192).headers["x-big"] == "a" * 5000


def test_odd_header_values_do_not_crash() -> None:
    event = samples.rest(headers={})
    event["multiValueHeaders"] = {"A": None, "B": [None, "x"], "C": "plain", 5: ["n"], "D": [3]}
    assert parse(event).headers == {"b": "x", "c": "plain", "d": "3"}
    event = samples.http(headers={"A": None, "B": 5})  # type: ignore[dict-item]
    assert parse(event).headers["b"] == "5"


def test_non_text_body_is_refused() -> None:
    event = samples.http()
    event["body"] = {"already": "parsed"}
    with pytest.raises(Rejection) as info:
        parse(event)
    assert info.value.status == 400


def test_non_http_events_carry_only_the_event() -> None:
    event = samples.sqs({"a": 1})
    request = parse(event, samples.FakeContext())
    assert request.event is event
    assert (request.method, request.path, request.headers, request.body) == ("", "", {}, None)
    assert not request.is_http
    assert request.request_id == "ctx-req-1"


@pytest.mark.parametrize("builder", ["rest", "http", "function_url"])
def test_http_response_for_api_gateway(builder: str) -> None:
    request = parse(samples.HTTP_BUILDERS[builder]())
    response = http_response(request, 403, {"message": "Forbidden"}, {"x-a": "1"})
    assert response == {"statusCode": 403,
                        "headers": {"content-type": "application/json", "x-a": "1"},
                        "body": '{"message":"Forbidden"}', "isBase64Encoded": False}


def test_http_response_for_alb() -> None:
    single = http_response(parse(samples.alb()), 429, {"m": 1})
    assert single["statusDescription"] == "429 Too Many Requests"
    assert single["headers"] == {"content-type": "application/json"}
    multi = http_response(parse(samples.alb(multi=True)), 404, "plain")
    assert multi["statusDescription"] == "404 Not Found"
    assert multi["multiValueHeaders"] == {"content-type": ["application/json"]}
    assert "headers" not in multi
    assert multi["body"] == "plain"


def test_base64_of_invalid_utf8_becomes_replacement_characters() -> None:
    event = samples.http()
    event["body"] = base64.b64encode(b"\xff\xfe{").decode()
    event["isBase64Encoded"] = True
    assert parse(event).body == "\ufffd\ufffd{"
