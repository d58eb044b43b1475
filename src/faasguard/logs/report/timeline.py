"""Counts over time for the charts: invocations, failed invocations, authentication
failures, per bucket (an hour, or a day when the period is longer than 8 days), with
the buckets that stand out marked as anomalies.

A bucket is an anomaly in a series when the series has at least `MIN_BUCKETS` buckets
and the bucket's count is above mean + 3 x standard deviation (population) of all the
series' buckets in the period, empty buckets included.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from faasguard.logs.report.common import Period, rows
from faasguard.logs.report.functions import FAILED, lambda_events_sql

if TYPE_CHECKING:
    import duckdb

MIN_BUCKETS = 8
SIGMAS = 3.0
SERIES = ("invocations", "errors", "auth_failures")


@dataclass(frozen=True)
class Bucket:
    start: dt.datetime
    invocations: int
    errors: int
    auth_failures: int


@dataclass(frozen=True)
class Anomaly:
    series: str
    start: dt.datetime
    count: int
    threshold: float
    """mean + 3 sigma of the series over the period."""


@dataclass(frozen=True)
class Timeline:
    bucket_seconds: int
    buckets: tuple[Bucket, ...]
    anomalies: tuple[Anomaly, ...]


def _floor(when: dt.datetime, seconds: int) -> dt.datetime:
    epoch = dt.datetime(1970, 1, 1)
    return epoch + dt.timedelta(seconds=(int((when - epoch).total_seconds()) // seconds)
                                * seconds)


def timeline(db: duckdb.DuckDBPyConnection, period: Period) -> Timeline:
    """Needs the ``auth_events`` table of `faasguard.logs.report.auth` for the period."""
    events, params = lambda_events_sql(period)
    span = db.execute(f"""WITH ev AS ({events})
        SELECT min(ts), max(ts) FROM (SELECT ts FROM ev WHERE ts IS NOT NULL
        UNION ALL SELECT ts FROM auth_events)""", params).fetchone()
    first = period.since or (span[0] if span else None)
    last = period.until or (span[1] if span else None)
    if first is None or last is None:
        return Timeline(3600, (), ())
    seconds = 3600 if last - first <= dt.timedelta(days=8) else 86400
    counts: dict[dt.datetime, list[int]] = {}
    found = rows(db, f"""
        WITH ev AS ({events}),
        inv AS (SELECT time_bucket(to_seconds({seconds}), ts, TIMESTAMP '1970-01-01') AS b,
                       count(*) AS n FROM ev WHERE kind = 'report' AND ts IS NOT NULL
                GROUP BY b),
        failed AS (SELECT min(ts) AS ts FROM ev WHERE {FAILED} AND ts IS NOT NULL
                   GROUP BY acct, fn, request_id),
        err AS (SELECT time_bucket(to_seconds({seconds}), ts, TIMESTAMP '1970-01-01') AS b,
                       count(*) AS n FROM failed GROUP BY b),
        auth AS (SELECT time_bucket(to_seconds({seconds}), ts, TIMESTAMP '1970-01-01') AS b,
                        count(*) AS n FROM auth_events WHERE outcome = 'failure' GROUP BY b)
        SELECT 0, b, n FROM inv UNION ALL SELECT 1, b, n FROM err
        UNION ALL SELECT 2, b, n FROM auth""", params)
    for series, start, n in found:
        counts.setdefault(start, [0, 0, 0])[series] += n
    buckets = []
    at = _floor(first, seconds)
    end = last if period.until is None else last - dt.timedelta(microseconds=1)
    while at <= end:
        n = counts.get(at, [0, 0, 0])
        buckets.append(Bucket(at, n[0], n[1], n[2]))
        at += dt.timedelta(seconds=seconds)
    return Timeline(seconds, tuple(buckets), tuple(anomalies(buckets)))


def anomalies(buckets: list[Bucket]) -> list[Anomaly]:
    out: list[Anomaly] = []
    if len(buckets) < MIN_BUCKETS:
        return out
    for series in SERIES:
        values = [getattr(b, series) for b in buckets]
        mean = sum(values) / len(values)
        sigma = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        threshold = mean + SIGMAS * sigma
        out.extend(Anomaly(series, b.start, v, round(threshold, 6))
                   for b, v in zip(buckets, values, strict=True) if v > threshold)
    out.sort(key=lambda a: (a.start, SERIES.index(a.series)))
    return out
