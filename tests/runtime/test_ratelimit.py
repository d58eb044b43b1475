"""RateLimit: strict spec parsing, buckets per principal / address / function, 429s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import samples

from faasguard.runtime.core import HTTP, Principal, Rejection, Request
from faasguard.runtime.ratelimit import RateLimit, parse_spec
from faasguard.runtime.stores.base import StoreError
from faasguard.runtime.stores.memory import MemoryStore

SECOND_NS = 1_000_000_000
START = 1_800_000_000 * SECOND_NS


class Clock:
    def __init__(self) -> None:
        self.ns = START

    def __call__(self) -> int:
        return self.ns

    def advance(self, seconds: float) -> None:
        self.ns += int(seconds * SECOND_NS)


ALICE = Principal("alice", "token")
BOB = Principal("bob", "token")


def req(ip: str = "203.0.113.9") -> Request:
    return Request(HTTP, {}, source_ip=ip)


def allowed(limit: RateLimit, request: Request, principal: Principal | None = None) -> bool:
    try:
        limit.check(request, principal)
    except Rejection as rejection:
        assert rejection.status == 429 and rejection.audit == "rate.limited"
        return False
    return True


@pytest.mark.parametrize(("spec", "parsed"), [
    ("20/minute per principal", (20, 60, "principal")),
    ("5/second per ip", (5, 1, "ip")),
    ("100/hour", (100, 3600, "global")),
    ("  7/DAY   PER   Global ", (7, 86400, "global")),
    ("3/s per ip", (3, 1, "ip")),
    ("3/min", (3, 60, "global")),
    ("2/hours per principal", (2, 3600, "principal")),
])
def test_specs(spec: str, parsed: tuple[int, int, str]) -> None:
    assert parse_spec(spec) == parsed


@pytest.mark.parametrize(("spec", "message"), [
    ("", "empty"),
    ("20", "missing '/'"),
    ("20/fortnight", "unknown unit 'fortnight'"),
    ("20/minute per user", "unknown key 'user'"),
    ("20/minute for principal", "expected"),
    ("20 / minute", "expected"),
    ("20/minute per", "expected"),
    ("0/second", "count must be"),
    ("-1/second", "not a whole number"),
    ("1.5/second", "not a whole number"),
    ("\u0661\u0662/second", "not a whole number"),  # Arabic-Indic digits
    ("99999999999/second", "count must be"),
])
def test_bad_specs_fail_at_decoration_time(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimit(spec)


@pytest.mark.parametrize("burst", [0, -1, True, 2.5, "5"])
def test_bad_burst(burst: object) -> None:
    with pytest.raises(ValueError, match="burst"):
        RateLimit("5/second", burst=burst)  # type: ignore[arg-type]


def test_non_text_spec() -> None:
    with pytest.raises(ValueError, match="must be text"):
        RateLimit(20)  # type: ignore[arg-type]


def test_per_principal_bucket_and_retry_after() -> None:
    clock = Clock()
    limit = RateLimit("3/second per principal", clock=clock)
    assert repr(limit) == "RateLimit('3/second per principal', burst=3)"
    assert [allowed(limit, req(), ALICE) for _ in range(4)] == [True, True, True, False]
    assert allowed(limit, req(), BOB)  # another caller has a bucket of its own
    with pytest.raises(Rejection) as caught:
        limit.check(req(), ALICE)
    refused = caught.value
    assert refused.headers == {"Retry-After": "1"}
    assert refused.principal is ALICE
    assert refused.detail == {"limit": "3/second per principal", "bucket": "principal",
                              "retry_after": 1}
    assert refused.reason == "rate limit 3/second per principal exceeded"
    clock.advance(1 / 3)
    assert [allowed(limit, req(), ALICE) for _ in range(2)] == [True, False]


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    clock = Clock()
    limit = RateLimit("1/hour", clock=clock)
    assert allowed(limit, req())
    clock.advance(0.5)
    with pytest.raises(Rejection) as caught:
        limit.check(req())
    assert caught.value.headers["Retry-After"] == "3600"


def test_burst_allows_more_at_once_then_the_rate() -> None:
    clock = Clock()
    limit = RateLimit("1/minute per ip", burst=5, clock=clock)
    assert [allowed(limit, req()) for _ in range(6)] == [True] * 5 + [False]
    clock.advance(60)
    assert [allowed(limit, req()) for _ in range(2)] == [True, False]


def test_per_ip_and_global_keys() -> None:
    clock = Clock()
    per_ip = RateLimit("1/minute per ip", clock=clock)
    assert allowed(per_ip, req("198.51.100.1"), ALICE)
    assert not allowed(per_ip, req("198.51.100.1"), BOB)  # same address, other caller
    assert allowed(per_ip, req("198.51.100.2"), ALICE)
    overall = RateLimit("2/minute", clock=clock)
    assert [allowed(overall, req(f"198.51.100.{i}"), p)
            for i, p in ((1, ALICE), (2, BOB), (3, None))] == [True, True, False]


def test_per_principal_without_principal_falls_back() -> None:
    limit = RateLimit("1/minute per principal", clock=Clock())
    assert limit.key(req("198.51.100.7"), None)[0] == "ip"
    assert allowed(limit, req("198.51.100.7"))
    assert not allowed(limit, req("198.51.100.7"))
    assert allowed(limit, req("198.51.100.8"))
    assert limit.key(Request("sqs", {}), None)[0] == "anonymous"
    assert allowed(limit, Request("sqs", {}))
    assert not allowed(limit, Request("sqs", {}))


def test_long_keys_are_hashed() -> None:
    limit = RateLimit("1/minute per principal", clock=Clock())
    kind, key = limit.key(req(), Principal("x" * 5000, "jwt"))
    assert kind == "principal" and len(key) < 300 and "x" * 300 not in key


def test_names_separate_buckets_in_a_shared_store(monkeypatch: pytest.MonkeyPatch) -> None:
    store, clock = MemoryStore(), Clock()
    orders = RateLimit("1/minute", store=store, name="orders", clock=clock)
    refunds = RateLimit("1/minute", store=store, name="refunds", clock=clock)
    assert allowed(orders, req()) and allowed(refunds, req())
    assert not allowed(RateLimit("1/minute", store=store, name="orders", clock=clock), req())
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "refunds")
    assert not allowed(RateLimit("1/minute", store=store, clock=clock), req())


def test_store_url(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'rates.db'}"
    assert allowed(RateLimit("1/day", store=url), req())
    assert not allowed(RateLimit("1/day", store=url), req())  # the count is in the file


class Down(MemoryStore):
    def rate_take(self, key: str, interval: int, burst: int, now: int) -> int:
        raise StoreError("unreachable")


def test_store_errors_fail_closed_by_default() -> None:
    with pytest.raises(StoreError):
        RateLimit("1/second", store=Down()).check(req())


def test_fail_open_lets_calls_through(caplog: pytest.LogCaptureFixture) -> None:
    limit = RateLimit("1/second", store=Down(), fail_open=True)
    limit.check(req())
    assert "not applied" in caplog.text


def test_through_the_guard() -> None:
    from faasguard.runtime import guard

    @guard(rate_limit="2/minute per ip")
    def handler(event: dict[str, object], context: object) -> dict[str, object]:
        return {"statusCode": 200, "body": "ok"}

    ctx = samples.FakeContext()
    codes = [handler(samples.http(), ctx)["statusCode"] for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = handler(samples.http(), ctx)
    headers = {k.lower(): v for k, v in refused["headers"].items()}
    assert headers["retry-after"] == "30"  # one call comes back every 30 s
    assert "rate limit" not in json.dumps(refused)  # the reason stays in the audit log
