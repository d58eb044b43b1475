"""Function report (control F3): per deployed function, from its Lambda logs.

A function is its account and name as the logs give them (the log group
``/aws/lambda/NAME``; the log group itself when it is not a Lambda one; ``(unknown)``
for plain files that do not say). An invocation is a ``REPORT`` line (or the JSON
format's ``platform.report``). docs/logs-reports.md defines every column.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from faasguard.logs.report.common import PERCENTILE_SQL, Period, rows

if TYPE_CHECKING:
    import duckdb

# Public AWS Lambda prices for x86, us-east-1, first tier (aws.amazon.com/lambda/pricing).
PRICE_GB_SECOND = 0.0000166667
PRICE_REQUEST = 0.20 / 1_000_000
THROTTLE_CODES = ("TooManyRequestsException", "ThrottlingException")

FUNCTION = "coalesce(function_name, log_group, '(unknown)')"
ACCOUNT = "coalesce(account_id, '')"
# A failed invocation: a row of the request that is an error, an out-of-memory exit or
# a timeout, or its REPORT saying a status other than success.
FAILED = ("request_id IS NOT NULL AND (kind IN ('error', 'oom', 'timeout') OR "
          "(kind = 'report' AND status IS NOT NULL AND lower(status) <> 'success'))")
TIMED_OUT = "(kind = 'timeout' OR lower(coalesce(status, '')) = 'timeout')"


@dataclass(frozen=True)
class Prices:
    gb_second: float = PRICE_GB_SECOND
    """USD per GB-second of billed duration."""
    request: float = PRICE_REQUEST
    """USD per request."""


@dataclass(frozen=True)
class FunctionStats:
    account: str
    """AWS account id, "" when the logs do not say."""
    region: str | None
    """Lambda logs do not carry it: the one region of the function's CloudTrail Invoke
    events, else the one region its faasguard.runtime audit events carry when its name
    is in one account only; None when neither says."""
    function: str
    invocations: int
    errors: int
    timeouts: int
    throttles: int | None
    """Throttled Invoke calls in CloudTrail (Lambda data events); None when the period
    has no Invoke data event of the function's account to count from."""
    cold_starts: int
    init_p50_ms: float | None
    duration_p50_ms: float | None
    duration_p95_ms: float | None
    duration_p99_ms: float | None
    duration_max_ms: float | None
    memory_mb: int | None
    """Configured memory (the largest Memory Size the REPORT lines show)."""
    memory_used_max_mb: int | None
    memory_used_p95_mb: float | None
    peak_concurrency: float | None
    """Largest sum, over 1-second windows, of the invocations' execution time in the
    window (seconds per second, i.e. concurrent executions on average in that second)."""
    peak_at: dt.datetime | None
    """The start of that second (the earliest, when several tie)."""
    gb_seconds: float
    cost_usd: float
    first: dt.datetime | None
    last: dt.datetime | None

    @property
    def memory_ratio(self) -> float | None:
        if not self.memory_mb or self.memory_used_max_mb is None:
            return None
        return self.memory_used_max_mb / self.memory_mb


@dataclass(frozen=True)
class FunctionReport:
    functions: tuple[FunctionStats, ...]
    prices: Prices

    @property
    def invocations(self) -> int:
        return sum(f.invocations for f in self.functions)

    @property
    def cost_usd(self) -> float:
        return sum(f.cost_usd for f in self.functions)


def lambda_events_sql(period: Period) -> tuple[str, list[object]]:
    where, params = period.where("ts")
    return (f"SELECT *, {ACCOUNT} AS acct, {FUNCTION} AS fn FROM lambda_events "
            f"WHERE {where}"), params


def function_report(db: duckdb.DuckDBPyConnection, period: Period,
                    prices: Prices | None = None) -> FunctionReport:
    prices = prices or Prices()
    events, params = lambda_events_sql(period)
    q = PERCENTILE_SQL
    reports = {(r[0], r[1]): r[2:] for r in rows(db, f"""
        WITH ev AS ({events})
        SELECT acct, fn, count(*), count(init_ms), {q}(init_ms, 0.5),
          {q}(duration_ms, 0.5), {q}(duration_ms, 0.95), {q}(duration_ms, 0.99),
          max(duration_ms), max(memory_mb), max(max_memory_mb), {q}(max_memory_mb, 0.95),
          coalesce(sum(coalesce(billed_ms, ceil(duration_ms)) / 1000.0 * memory_mb / 1024.0),
                   0), min(ts), max(ts)
        FROM ev WHERE kind = 'report' GROUP BY acct, fn""", params)}
    failures = {(r[0], r[1]): r[2:] for r in rows(db, f"""
        WITH ev AS ({events}),
        failed AS (SELECT acct, fn, request_id, bool_or({TIMED_OUT}) AS timed_out
                   FROM ev WHERE {FAILED} GROUP BY acct, fn, request_id)
        SELECT acct, fn, count(*), count(*) FILTER (WHERE timed_out)
        FROM failed GROUP BY acct, fn""", params)}
    # Busy time per 1-second window without a row per second of every invocation: the
    # partial first and last seconds, plus a running count of the invocations that
    # cover whole seconds (+1 where that starts, -1 where it ends). The load is a step
    # function between those points, so its maximum is at one of them.
    peaks = {(r[0], r[1]): r[2:] for r in rows(db, f"""
        WITH ev AS ({events}),
        spans AS (SELECT acct, fn, ends, starts, floor(starts)::BIGINT AS s0,
                         floor(ends)::BIGINT AS s1
                  FROM (SELECT acct, fn, epoch_us(ts) / 1e6 AS ends,
                               epoch_us(ts) / 1e6 - duration_ms / 1000.0 AS starts
                        FROM ev WHERE kind = 'report' AND ts IS NOT NULL
                          AND duration_ms IS NOT NULL AND duration_ms >= 0)),
        points AS (
          SELECT acct, fn, s0 AS sec,
                 CASE WHEN s0 = s1 THEN ends - starts ELSE s0 + 1 - starts END AS part,
                 0 AS delta FROM spans
          UNION ALL SELECT acct, fn, s1, ends - s1, 0 FROM spans WHERE s1 > s0
          UNION ALL SELECT acct, fn, s0 + 1, 0, 1 FROM spans WHERE s1 > s0 + 1
          UNION ALL SELECT acct, fn, s1, 0, -1 FROM spans WHERE s1 > s0 + 1),
        per_second AS (SELECT acct, fn, sec, sum(part) AS part, sum(delta) AS delta
                       FROM points GROUP BY acct, fn, sec),
        loads AS (SELECT acct, fn, sec, part + sum(delta) OVER (
                    PARTITION BY acct, fn ORDER BY sec) AS load FROM per_second)
        SELECT acct, fn, max(load), first(sec ORDER BY load DESC, sec)
        FROM loads GROUP BY acct, fn""", params)}
    invokes = _invokes(db, period)
    audit_regions = _audit_regions(db, period)
    accounts_of = Counter(fn for _, fn in reports)
    invoked_accounts = {a for a, _ in invokes or {}}
    out = []
    # functions only CloudTrail shows, throttled: never hide a throttle
    throttled = {k for k, (n, _) in (invokes or {}).items() if n}
    for key in sorted(set(reports) | set(failures) | throttled):
        acct, fn = key
        (count, cold, init50, p50, p95, p99, pmax, memory, used, used95, gb_s, first,
         last) = reports.get(key, (0, 0, None, None, None, None, None, None, None, None,
                                   0.0, None, None))
        errors, timeouts = failures.get(key, (0, 0))
        peak, peak_sec = peaks.get(key, (None, None))
        throttles, region = (invokes or {}).get(key, (None, None))
        if region is None and accounts_of[fn] == 1:
            region = audit_regions.get(fn)
        if throttles is None and acct in invoked_accounts:
            throttles = 0  # its account's Invoke events are logged: none was throttled
        out.append(FunctionStats(
            account=acct, region=region, function=fn, invocations=count, errors=errors,
            timeouts=timeouts, throttles=throttles, cold_starts=cold, init_p50_ms=init50,
            duration_p50_ms=p50, duration_p95_ms=p95, duration_p99_ms=p99,
            duration_max_ms=pmax, memory_mb=memory, memory_used_max_mb=used,
            memory_used_p95_mb=used95,
            peak_concurrency=None if peak is None else round(peak, 6),
            peak_at=None if peak_sec is None else
            dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(peak_sec)),
            gb_seconds=float(gb_s), cost_usd=cost(float(gb_s), count, prices),
            first=first, last=last))
    out.sort(key=lambda f: (f.account, f.region or "", f.function))
    return FunctionReport(tuple(out), prices)


def cost(gb_seconds: float, requests: int, prices: Prices) -> float:
    """USD: GB-seconds times the GB-second price, plus requests times the request price
    (no free tier, no volume tiers)."""
    return gb_seconds * prices.gb_second + requests * prices.request


def _invokes(db: duckdb.DuckDBPyConnection, period: Period,
             ) -> dict[tuple[str, str], tuple[int, str | None]] | None:
    """Throttled invocations and the region, per function, from CloudTrail's Lambda
    Invoke data events; None when the period has none."""
    where, params = period.where("event_time")
    codes = ", ".join(f"'{c}'" for c in THROTTLE_CODES)
    found = rows(db, f"""
        WITH inv AS (
          SELECT coalesce(recipient_account_id, identity_account_id, '') AS acct,
            regexp_extract(request_parameters->>'$.functionName',
                           '(?:^|:function:)([A-Za-z0-9_-]+)(?::[^:]*)?$', 1) AS fn,
            aws_region, error_code
          FROM cloudtrail_events
          WHERE event_source = 'lambda.amazonaws.com' AND event_name = 'Invoke'
            AND {where})
        SELECT acct, fn, count(*) FILTER (WHERE error_code IN ({codes})),
               CASE WHEN count(DISTINCT aws_region) = 1 THEN any_value(aws_region) END
        FROM inv WHERE fn <> '' GROUP BY acct, fn""", params)
    any_invoke = db.execute(f"SELECT count(*) FROM cloudtrail_events WHERE event_source = "
                            f"'lambda.amazonaws.com' AND event_name = 'Invoke' AND {where}",
                            params).fetchone()
    if not any_invoke or not any_invoke[0]:
        return None
    return {(a, f): (n, r) for a, f, n, r in found}


def _audit_regions(db: duckdb.DuckDBPyConnection, period: Period) -> dict[str, str]:
    """Function name -> region, from faasguard.runtime audit events (which carry the
    function's AWS_REGION but not its account), for names seen in one region only."""
    where, params = period.where("ts")
    found = rows(db, f"""SELECT function_name, any_value(region) FROM audit_events
        WHERE function_name IS NOT NULL AND function_name <> '' AND region IS NOT NULL
          AND region <> '' AND {where}
        GROUP BY function_name HAVING count(DISTINCT region) = 1""", params)
    return {name: region for name, region in found}
