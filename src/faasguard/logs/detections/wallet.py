"""Denial of wallet (control C3): per-function invocation rates that jump far above
their own seasonal baseline, with what the spike costs.

Invocations per function and hour come from ``lambda_events`` (START and REPORT lines;
the larger count of the two, as either may be missing from a partial export). An hour
is compared with the same hour of the week in the previous weeks (weeks in which the
function logged anything in the 24 hours around that hour; a missing hour then counts as
zero). With too few such weeks, the baseline is the previous 24 hours instead, when
the function has logged for at least that long. With neither, there is nothing to
compare with and the hour is not judged (a function's first day never is).

An hour is a spike when all hold: at least `min_volume` invocations; at least
`min_ratio` times the baseline median; and a robust z-score, (count - median) / scale,
of at least `threshold`, where scale is the larger of 1.4826 x MAD (the median
absolute deviation) and sqrt(median) (the noise of a count). Consecutive spike hours
make one detection.

Cost: GB-seconds from REPORT lines (billed duration x memory size) and requests, at the
configured prices (default: public AWS Lambda x86 prices, us-east-1, without free tier).
"""

from __future__ import annotations

import bisect
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from faasguard.findings import Severity
from faasguard.logs.detections.model import Detection

if TYPE_CHECKING:
    import duckdb

RULE_ID = "FG-WALLET-SPIKE"
TITLE = "Lambda invocation spike (denial of wallet)"
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Prices:
    gb_second: float = 0.0000166667
    """USD per GB-second (x86; arm64 is 0.0000133334)."""
    request: float = 0.20 / 1_000_000
    """USD per request."""


@dataclass(frozen=True)
class WalletConfig:
    weeks: int = 4
    """Previous weeks whose same hour make the seasonal baseline."""
    min_weeks: int = 2
    """Fewer usable weeks than this: use the previous 24 hours instead."""
    min_volume: int = 100
    """Hours with fewer invocations are never spikes."""
    min_ratio: float = 3.0
    threshold: float = 6.0
    prices: Prices = field(default_factory=Prices)
    high_daily_cost: float = 100.0
    """Projected USD per day of the excess at which a spike is high severity."""


@dataclass
class _Hour:
    invocations: int
    mb_ms: float
    priced: int


@dataclass(frozen=True)
class _Spike:
    hour: datetime
    count: int
    expected: float
    score: float
    basis: str


class _Function:
    def __init__(self, hours: dict[datetime, _Hour]) -> None:
        self.hours = hours
        self.sorted = sorted(hours)

    def observed(self, start: datetime, end: datetime) -> bool:
        i = bisect.bisect_left(self.sorted, start)
        return i < len(self.sorted) and self.sorted[i] < end

    def count(self, hour: datetime) -> int:
        found = self.hours.get(hour)
        return found.invocations if found else 0

    def baseline(self, hour: datetime, config: WalletConfig) -> tuple[list[int], str] | None:
        seasonal = []
        for k in range(1, config.weeks + 1):
            past = hour - k * WEEK
            if self.observed(past - 12 * HOUR, past + 13 * HOUR):
                seasonal.append(self.count(past))
        if len(seasonal) >= config.min_weeks:
            return seasonal, f"same hour of the week in {len(seasonal)} previous weeks"
        # zeros before a function's first log line are not a quiet baseline
        if self.sorted[0] <= hour - 24 * HOUR:
            return [self.count(hour - i * HOUR) for i in range(1, 25)], "previous 24 hours"
        return None


def _judge(fn: _Function, hour: datetime, config: WalletConfig) -> _Spike | None:
    count = fn.count(hour)
    if count < config.min_volume:
        return None
    found = fn.baseline(hour, config)
    if found is None:
        return None
    samples, basis = found
    median = statistics.median(samples)
    mad = statistics.median(abs(s - median) for s in samples)
    scale = max(1.4826 * mad, math.sqrt(max(median, 1.0)))
    score = (count - median) / scale
    if score < config.threshold or count < config.min_ratio * max(median, 1.0):
        return None
    return _Spike(hour, count, median, score, basis)


def _load(db: duckdb.DuckDBPyConnection, start: datetime, until: datetime
          ) -> dict[tuple[str, str], _Function]:
    rows = db.execute(
        """SELECT coalesce(account_id, '') AS account, function_name,
                  date_trunc('hour', ts) AS hour,
                  count(*) FILTER (WHERE kind = 'start') AS starts,
                  count(*) FILTER (WHERE kind = 'report') AS reports,
                  coalesce(sum(coalesce(billed_ms, duration_ms) * memory_mb)
                           FILTER (WHERE kind = 'report'), 0) AS mb_ms,
                  count(*) FILTER (WHERE kind = 'report' AND memory_mb IS NOT NULL
                                   AND coalesce(billed_ms, duration_ms) IS NOT NULL) AS priced
           FROM lambda_events
           WHERE function_name IS NOT NULL AND kind IN ('start', 'report')
             AND ts >= ? AND ts < ?
           GROUP BY ALL""", [start, until]).fetchall()
    hours: dict[tuple[str, str], dict[datetime, _Hour]] = {}
    for account, name, hour, starts, reports, mb_ms, priced in rows:
        hours.setdefault((account, name), {})[hour] = _Hour(max(starts, reports),
                                                            float(mb_ms), int(priced))
    return {key: _Function(value) for key, value in hours.items()}


def _gb_seconds_per_call(fn: _Function, spike_hours: list[datetime]) -> float | None:
    """From the spike's own REPORT lines, else from all of the function's."""
    for hours in (spike_hours, fn.sorted):
        priced = sum(fn.hours[h].priced for h in hours)
        if priced:
            return sum(fn.hours[h].mb_ms for h in hours) / 1024 / 1000 / priced
    return None


def _detection(account: str, name: str, fn: _Function, spikes: list[_Spike],
               config: WalletConfig) -> Detection:
    prices = config.prices
    per_call = _gb_seconds_per_call(fn, [s.hour for s in spikes])
    excess = sum(max(s.count - s.expected, 0.0) for s in spikes)
    unit = prices.request + (per_call or 0.0) * prices.gb_second
    excess_cost = excess * unit
    hourly = excess_cost / len(spikes)
    daily = hourly * 24
    peak = max(spikes, key=lambda s: s.count)
    label = f"{account}/{name}" if account else name
    details: dict[str, Any] = {
        "function": name, "account": account or None, "basis": peak.basis,
        "hours": [{"hour": s.hour.strftime("%Y-%m-%dT%H:00:00Z"), "invocations": s.count,
                   "expected": s.expected, "score": round(s.score, 1)} for s in spikes],
        "invocations": sum(s.count for s in spikes),
        "expected": sum(s.expected for s in spikes),
        "excess_invocations": round(excess),
        "gb_seconds_per_invocation": None if per_call is None else round(per_call, 6),
        "excess_cost_usd": round(excess_cost, 4),
        "projected_cost_per_day_usd": round(daily, 2),
        "projected_cost_per_30_days_usd": round(hourly * 24 * 30, 2),
        "prices": {"gb_second_usd": prices.gb_second, "request_usd": prices.request},
    }
    duration_note = "" if per_call is not None else " (no REPORT lines: requests only)"
    summary = (f"{label}: {peak.count} invocations in the hour from "
               f"{peak.hour:%Y-%m-%d %H:00} UTC against {peak.expected:g} expected "
               f"({peak.basis}); the excess cost ${excess_cost:.2f}, "
               f"${daily:.2f} a day if it goes on{duration_note}")
    return Detection(
        rule_id=RULE_ID, title=TITLE,
        severity=Severity.HIGH if daily >= config.high_daily_cost else Severity.MEDIUM,
        controls=("C3", "F4"), first_seen=spikes[0].hour, last_seen=spikes[-1].hour,
        summary=summary, dedup_key=f"{RULE_ID}|{label}", count=sum(s.count for s in spikes),
        group=(("function", name), ("account", account or None)), details=details)


def detect(db: duckdb.DuckDBPyConnection, since: datetime, until: datetime,
           config: WalletConfig | None = None) -> list[Detection]:
    """Spikes in hours starting in [since, until) (naive UTC datetimes)."""
    config = config or WalletConfig()
    functions = _load(db, since - config.weeks * WEEK - 13 * HOUR, until)
    found: list[Detection] = []
    for (account, name), fn in sorted(functions.items()):
        run: list[_Spike] = []
        for hour in fn.sorted:
            if hour < since:
                continue
            spike = _judge(fn, hour, config)
            if spike is not None and (not run or run[-1].hour + HOUR == hour):
                run.append(spike)
                continue
            if run:
                found.append(_detection(account, name, fn, run, config))
            run = [spike] if spike is not None else []
        if run:
            found.append(_detection(account, name, fn, run, config))
    return found
