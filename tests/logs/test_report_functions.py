"""Function report (F3) and activity over time, on stores whose answers are worked out
by hand in the comments. Percentiles are linear between closest ranks: h = (n-1) q."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import reportrows

from faasguard.logs.report.auth import _auth_table
from faasguard.logs.report.common import Period, open_store
from faasguard.logs.report.functions import FunctionReport, Prices, function_report
from faasguard.logs.report.timeline import Timeline, timeline

T0 = dt.datetime(2026, 11, 20, 10, 0, 0)


def at(seconds: float) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat() + "Z"


def rep(end: float, rid: str, duration: float, fn: str = "orders", account: str = "111",
        memory: int = 128, used: int = 64, billed: float | None = None,
        init: float | None = None, status: str | None = None) -> dict[str, Any]:
    return {"ts": at(end), "function_name": fn, "account_id": account, "kind": "report",
            "request_id": rid, "duration_ms": duration,
            "billed_ms": billed if billed is not None else duration, "memory_mb": memory,
            "max_memory_mb": used, "init_ms": init, "status": status}


def line(end: float, kind: str, rid: str | None, fn: str = "orders",
         account: str = "111") -> dict[str, Any]:
    return {"ts": at(end), "function_name": fn, "account_id": account, "kind": kind,
            "request_id": rid}


def build(tmp_path: Path, tables: dict[str, list[dict[str, Any]]],
          prices: Prices | None = None, period: Period | None = None) -> FunctionReport:
    path = tmp_path / f"f{len(list(tmp_path.glob('*.duckdb')))}.duckdb"
    db = open_store(reportrows.build(path, tables))
    try:
        return function_report(db, period or Period(), prices)
    finally:
        db.close()


def test_duration_percentiles_cold_starts_and_memory(tmp_path: Path) -> None:
    # durations 10, 20, ..., 100 ms; n = 10
    rows = [rep(i, f"r{i}", 10.0 * i, used=50 + i, init=100.0 * i if i <= 3 else None)
            for i in range(1, 11)]
    (stats,) = build(tmp_path, {"lambda_events": rows}).functions
    assert stats.invocations == 10
    assert stats.duration_p50_ms == pytest.approx(55.0)   # h = 4.5: 50 + .5 x 10
    assert stats.duration_p95_ms == pytest.approx(95.5)   # h = 8.55: 90 + .55 x 10
    assert stats.duration_p99_ms == pytest.approx(99.1)   # h = 8.91
    assert stats.duration_max_ms == 100.0
    assert stats.cold_starts == 3
    assert stats.init_p50_ms == pytest.approx(200.0)      # 100, 200, 300
    assert (stats.memory_mb, stats.memory_used_max_mb) == (128, 60)
    assert stats.memory_used_p95_mb == pytest.approx(59.55)  # 51..60: h = 8.55
    assert stats.memory_ratio == pytest.approx(60 / 128)


def test_errors_and_timeouts_count_invocations_not_lines(tmp_path: Path) -> None:
    rows = [
        rep(1, "ok", 10.0),
        # r1: two ERROR lines and a REPORT with Status: error -> one failed invocation
        line(2, "error", "r1"), line(2.1, "error", "r1"),
        rep(2.2, "r1", 10.0, status="error"),
        # r2: timed out (the timeout line and its REPORT) -> one error, one timeout
        line(3, "timeout", "r2"), rep(3.1, "r2", 3000.0, status="timeout"),
        # r3: out of memory
        line(4, "oom", "r3"), rep(4.1, "r3", 50.0),
        # an error line without a request id cannot be tied to an invocation
        line(5, "error", None),
        # application log lines are not failures
        line(6, "log", "ok"),
    ]
    (stats,) = build(tmp_path, {"lambda_events": rows}).functions
    assert (stats.invocations, stats.errors, stats.timeouts) == (4, 3, 1)


def test_cost_from_billed_gb_seconds_and_requests(tmp_path: Path) -> None:
    rows = [rep(1, "a", 990.0, memory=1024, billed=1000.0),
            rep(2, "b", 999.2, memory=1024, billed=None)]
    rows[1]["billed_ms"] = None  # no Billed Duration: the duration rounded up to the ms
    (stats,) = build(tmp_path, {"lambda_events": rows}).functions
    # 1.000 s + 1.000 s at 1 GB = 2 GB-s
    assert stats.gb_seconds == pytest.approx(2.0)
    # 2 x 0.0000166667 + 2 x 0.20 / 1e6
    assert stats.cost_usd == pytest.approx(0.0000337334)
    (custom,) = build(tmp_path, {"lambda_events": rows},
                      Prices(gb_second=0.00001, request=0.000001)).functions
    assert custom.cost_usd == pytest.approx(0.000022)


def test_peak_concurrency_in_one_second_windows(tmp_path: Path) -> None:
    rows = [rep(2.0, "a", 2000.0),    # runs 0.0-2.0: 1.0 in second 0, 1.0 in second 1
            rep(1.5, "b", 1000.0),    # 0.5-1.5: 0.5 and 0.5
            rep(1.25, "c", 250.0)]    # 1.0-1.25: 0.25 in second 1
    (stats,) = build(tmp_path, {"lambda_events": rows}).functions
    assert stats.peak_concurrency == pytest.approx(1.75)
    assert stats.peak_at == T0 + dt.timedelta(seconds=1)


def test_accounts_side_by_side_and_names_from_log_groups(tmp_path: Path) -> None:
    rows = [rep(1, "a", 10.0, account="222"), rep(1, "b", 10.0, account="111"),
            rep(2, "c", 10.0, account="111"),
            {**rep(3, "d", 10.0), "function_name": None, "account_id": None,
             "log_group": "/custom/orders"},
            {**rep(4, "e", 10.0), "function_name": None, "account_id": None}]
    report = build(tmp_path, {"lambda_events": rows})
    assert [(s.account, s.function, s.invocations) for s in report.functions] == [
        ("", "(unknown)", 1), ("", "/custom/orders", 1), ("111", "orders", 2),
        ("222", "orders", 1)]
    assert report.invocations == 5


def _invoke(seconds: float, fn: str, account: str = "111", error: str | None = None,
            region: str = "eu-west-1") -> dict[str, Any]:
    return {"event_time": at(seconds), "event_source": "lambda.amazonaws.com",
            "event_name": "Invoke", "recipient_account_id": account, "aws_region": region,
            "request_parameters": {"functionName": fn}, "error_code": error}


def test_throttles_and_region_from_cloudtrail_invoke_events(tmp_path: Path) -> None:
    lambda_rows = [rep(1, "a", 10.0), rep(1, "b", 10.0, fn="quiet"),
                   rep(1, "c", 10.0, account="999")]
    none = build(tmp_path, {"lambda_events": lambda_rows})
    assert [s.throttles for s in none.functions] == [None, None, None]  # nothing to count
    trail = [_invoke(1, "arn:aws:lambda:eu-west-1:111:function:orders:live"),
             _invoke(2, "orders", error="TooManyRequestsException"),
             _invoke(3, "orders", error="TooManyRequestsException"),
             _invoke(4, "busy", error="TooManyRequestsException")]
    report = build(tmp_path, {"lambda_events": lambda_rows, "cloudtrail_events": trail})
    found = {(s.account, s.function): (s.throttles, s.region, s.invocations)
             for s in report.functions}
    assert found == {
        ("111", "orders"): (2, "eu-west-1", 1),
        ("111", "quiet"): (0, None, 1),      # its account's Invoke events are logged
        ("111", "busy"): (1, "eu-west-1", 0),  # throttled only: still shown
        ("999", "orders"): (None, None, 1),  # no Invoke event of account 999
    }


def test_period_bounds(tmp_path: Path) -> None:
    rows = [rep(-0.001, "before", 10.0), rep(0, "first", 20.0), rep(59.999, "last", 30.0),
            rep(60, "after", 40.0)]
    report = build(tmp_path, {"lambda_events": rows},
                   period=Period(T0, T0 + dt.timedelta(minutes=1)))
    assert report.functions[0].invocations == 2
    assert report.functions[0].duration_max_ms == 30.0


def _timeline(tmp_path: Path, tables: dict[str, list[dict[str, Any]]],
              period: Period) -> Timeline:
    path = tmp_path / f"t{len(list(tmp_path.glob('*.duckdb')))}.duckdb"
    db = open_store(reportrows.build(path, tables))
    try:
        _auth_table(db, period)
        return timeline(db, period)
    finally:
        db.close()


def test_timeline_buckets_and_anomalies(tmp_path: Path) -> None:
    # 11 hours: one invocation an hour, and 30 in the last hour.
    # mean = 40/11 = 3.636, E[x^2] = 910/11 = 82.727, sigma = sqrt(69.504) = 8.337,
    # threshold = 3.636 + 3 x 8.337 = 28.65: only the last hour is an anomaly
    rows = [rep(h * 3600 + 1, f"h{h}", 10.0) for h in range(10)]
    rows += [rep(10 * 3600 + i, f"s{i}", 10.0) for i in range(30)]
    rows += [line(3600 * 2 + 5, "error", "h2")]
    audit = [{"ts": at(3600 * 4), "type": "auth.failure", "principal_id": "x"}]
    period = Period(T0, T0 + dt.timedelta(hours=11))
    found = _timeline(tmp_path, {"lambda_events": rows, "audit_events": audit}, period)
    assert found.bucket_seconds == 3600
    assert len(found.buckets) == 11
    assert [b.invocations for b in found.buckets] == [1] * 10 + [30]
    assert [b.errors for b in found.buckets] == [0, 0, 1] + [0] * 8
    assert [b.auth_failures for b in found.buckets] == [0] * 4 + [1] + [0] * 6
    inv = [a for a in found.anomalies if a.series == "invocations"]
    assert [(a.start, a.count) for a in inv] == [(T0 + dt.timedelta(hours=10), 30)]
    assert inv[0].threshold == pytest.approx(28.65, abs=0.01)
    # one error in 11 hours: mean 1/11, sigma 0.2875, threshold 0.953 -> an anomaly too
    assert [(a.series, a.start) for a in found.anomalies if a.series != "invocations"] == [
        ("errors", T0 + dt.timedelta(hours=2)), ("auth_failures", T0 + dt.timedelta(hours=4))]


def test_timeline_needs_enough_buckets_and_switches_to_days(tmp_path: Path) -> None:
    rows = [rep(1, "a", 10.0), rep(2, "b", 10.0), rep(3600, "c", 10.0)]
    short = _timeline(tmp_path, {"lambda_events": rows},
                      Period(T0, T0 + dt.timedelta(hours=2)))
    assert len(short.buckets) == 2 and short.anomalies == ()
    long = _timeline(tmp_path, {"lambda_events": rows},
                     Period(T0 - dt.timedelta(days=9), T0 + dt.timedelta(days=1)))
    # 11 Nov 10:00 .. 21 Nov 10:00 UTC touches 11 UTC days (the first and last in part)
    assert long.bucket_seconds == 86400
    assert [b.start.day for b in long.buckets] == list(range(11, 22))
    assert [b.invocations for b in long.buckets] == [0] * 9 + [3, 0]


def test_region_from_audit_events_only_when_unambiguous(tmp_path: Path) -> None:
    lambda_rows = [rep(1, "a", 10.0, fn="orders"), rep(1, "b", 10.0, fn="shared"),
                   rep(1, "c", 10.0, fn="shared", account="222"),
                   rep(1, "d", 10.0, fn="moved")]
    audit = [{"ts": at(1), "type": "timeout", "function_name": "orders",
              "region": "eu-west-1"},
             {"ts": at(1), "type": "error", "function_name": "shared", "region": "eu-west-1"},
             {"ts": at(1), "type": "error", "function_name": "moved", "region": "eu-west-1"},
             {"ts": at(2), "type": "error", "function_name": "moved", "region": "us-east-1"}]
    report = build(tmp_path, {"lambda_events": lambda_rows, "audit_events": audit})
    regions = {(s.account, s.function): s.region for s in report.functions}
    assert regions == {("111", "orders"): "eu-west-1",
                       ("111", "shared"): None,     # in two accounts: which one?
                       ("222", "shared"): None,
                       ("111", "moved"): None}      # two regions
