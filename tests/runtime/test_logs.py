from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import pytest

from faasguard.runtime.logs import (
    REDACTED,
    JsonFormatter,
    RedactingFilter,
    install,
    luhn_ok,
    redact,
    redact_text,
    sensitive_key,
)

JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlX2J5dGVz"


@pytest.mark.parametrize(("text", "expected"), [
    (f"got {JWT} from caller", "got [REDACTED:jwt] from caller"),
    ("Authorization: Bearer abc.def-ghi_123", "Authorization: [REDACTED]"),
    ("header was Bearer abcdefghijklmnop", "header was Bearer [REDACTED]"),
    ("basic dXNlcjpwYXNzd29yZA==", "basic [REDACTED]"),
    ("key AKIAIOSFODNN7EXAMPLE used", "key [REDACTED:aws-key] used"),
    ("temporary ASIAY34FZKBOKMUTVV7A", "temporary [REDACTED:aws-key]"),
    ("card 4111 1111 1111 1111 ok", "card [REDACTED:card] ok"),
    ("card 4111-1111-1111-1111", "card [REDACTED:card]"),
    ("amex 378282246310005", "amex [REDACTED:card]"),
    ("mail jane.doe+x@example.co.uk now", "mail [REDACTED:email] now"),
    ("password=hunter2&user=bob", "password=[REDACTED]&user=bob"),
    ('{"client_secret": "s3cr3t", "n": 1}', '{"client_secret": "[REDACTED]", "n": 1}'),
    ("api-key: 12345", "api-key: [REDACTED]"),
    ("X-Api-Key=abcdef", "X-Api-Key=[REDACTED]"),
])
def test_value_patterns(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "order 4111 1111 1111 1112 failed",      # fails the Luhn check
    "at 1700000000000 ms",                    # epoch milliseconds
    "id 123e4567-e89b-12d3-a456-426614174000",
    "version 2026.11.29 build 12345",
    "plain words, nothing secret here",
    "user@ alone", "a",
])
def test_no_false_positives(text: str) -> None:
    assert redact_text(text) == text


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and luhn_ok("79927398713")
    assert not luhn_ok("4111111111111112")


def test_sensitive_keys() -> None:
    for key in ("password", "Authorization", "X-Api-Key", "api_key", "refresh_token",
                "AWS_SECRET_ACCESS_KEY", "set-cookie", "cvv", "ssn", "sessionId", "card_number"):
        assert sensitive_key(key), key
    for key in ("user", "order_id", "qty", "author", "path", "spine"):
        assert not sensitive_key(key), key


def test_redact_structures() -> None:
    data = {"user": "bob", "password": {"nested": "x"}, "items": [{"note": "Bearer abcdefghijk"}],
            "pan": 4111111111111111, "count": 3, "ok": True, "pair": ("a@b.io", 1), 7: "x"}
    out = redact(data)
    assert out == {"user": "bob", "password": REDACTED, "items": [{"note": "Bearer [REDACTED]"}],
                   "pan": REDACTED, "count": 3, "ok": True, "pair": ("[REDACTED:email]", 1),
                   7: "x"}
    assert data["password"] == {"nested": "x"}  # the input is not changed
    assert redact({"n": 4111111111111111})["n"] == "[REDACTED:card]"


def test_deep_structures_are_truncated() -> None:
    deep: object = "leaf"
    for _ in range(100):
        deep = [deep]
    out = redact(deep)
    for _ in range(33):
        out = out[0]  # type: ignore[index]
    assert out == "[TRUNCATED]"


@pytest.mark.parametrize("hostile", ["a" * 200_000, "1" * 200_000, "a@" * 100_000,
                                     "token=" * 40_000, "eyJ" * 70_000, "Bearer " * 30_000,
                                     "4 " * 100_000, "a." * 100_000, 'token="' * 40_000,
                                     ('secret="' + "x" * 5000) * 40,
                                     'password: "' + "a\\" * 50_000])
def test_hostile_text_costs_linear_time(hostile: str) -> None:
    start = time.perf_counter()
    redact_text(hostile)
    assert time.perf_counter() - start < 2.0


@pytest.fixture
def stream_logger() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.faasguard.logs")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger, stream, handler
    logger.removeHandler(handler)


def test_filter_redacts_args_extras_and_tracebacks(stream_logger: tuple) -> None:
    logger, stream, handler = stream_logger
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(message)s %(user_token)s %(note)s"))
    try:
        raise RuntimeError(f"bad token {JWT}")
    except RuntimeError:
        logger.exception("login by %s with %s", "jane@example.com", "password=hunter2",
                         extra={"user_token": "abc123", "note": "card 4111111111111111"})
    out = stream.getvalue()
    assert "jane@example.com" not in out and "hunter2" not in out and JWT not in out
    assert "abc123" not in out and "4111111111111111" not in out
    assert "login by [REDACTED:email] with password=[REDACTED]" in out
    assert "RuntimeError: bad token [REDACTED:jwt]" in out


def test_filter_keeps_dict_messages_as_dicts(stream_logger: tuple) -> None:
    logger, stream, handler = stream_logger
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter(redact=False))
    logger.info({"event": "login", "token": "abc"})
    line = json.loads(stream.getvalue())
    assert line["message"] == {"event": "login", "token": REDACTED}


def test_filter_survives_a_broken_format_string(stream_logger: tuple) -> None:
    logger, stream, handler = stream_logger
    handler.addFilter(RedactingFilter())
    logger.info("%d items", "not a number")
    assert "could not be redacted" in stream.getvalue()


def test_json_formatter_alone(stream_logger: tuple) -> None:
    logger, stream, handler = stream_logger
    handler.setFormatter(JsonFormatter(static={"service": "orders"}))
    try:
        raise ValueError("with Bearer abcdefghijklmnop")
    except ValueError:
        logger.error("failed for %s", "bob@example.com", exc_info=True,
                     extra={"correlation_id": "c-1", "api_key": "k"})
    line = json.loads(stream.getvalue())
    assert line["level"] == "ERROR" and line["logger"] == "test.faasguard.logs"
    assert line["service"] == "orders" and line["correlation_id"] == "c-1"
    assert line["message"] == "failed for [REDACTED:email]"
    assert line["api_key"] == REDACTED
    assert "ValueError: with Bearer [REDACTED]" in line["exception"]
    assert line["time"].endswith("Z")


def test_install_adds_one_filter_per_handler() -> None:
    logger = logging.getLogger("test.faasguard.install")
    first, second = logging.NullHandler(), logging.NullHandler()
    logger.addHandler(first)
    logger.addHandler(second)
    try:
        assert install(logger) == 2
        assert install(logger) == 0
        assert any(isinstance(f, RedactingFilter)
                   for f in logging.getLogger("faasguard.runtime").filters)
    finally:
        logger.removeHandler(first)
        logger.removeHandler(second)


@pytest.mark.parametrize(("text", "expected"), [
    ('{"password": "correct horse battery"}', '{"password": "[REDACTED]"}'),
    ('{"secret": "a \\" b"} tail', '{"secret": "[REDACTED]"} tail'),
    ("token='x y z', next", "token='[REDACTED]', next"),
    ('"api_key":"k1","user":"bob"', '"api_key":"[REDACTED]","user":"bob"'),
])
def test_quoted_values_are_redacted_whole(text: str, expected: str) -> None:
    assert redact_text(text) == expected
