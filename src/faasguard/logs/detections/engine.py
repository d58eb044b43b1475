"""Run detection rules over the store: each rule's condition is one SQL query over
``cloudtrail_events`` in the [since, until) window; aggregations slide their window
over the matching events per group, in time order.

A rule whose query fails (a user rule with bad SQL) is reported as failed with the
database's message; the other rules still run.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from faasguard.logs.detections.model import TABLE, Aggregate, Detection, Rule, format_span

if TYPE_CHECKING:
    import duckdb

# what every query selects, for the detection's summary and details
_SHOWN = ("id", "event_id", "event_time", "event_name", "identity_type", "identity_arn",
          "source_ip", "aws_region", "recipient_account_id", "error_code")
_TARGET = ("coalesce(json_extract_string(request_parameters, '$.functionName'), "
           "json_extract_string(request_parameters, '$.name'), "
           "json_extract_string(request_parameters, '$.logGroupName'), "
           "json_extract_string(request_parameters, '$.layerName'))")
_SELECT = ", ".join(_SHOWN) + f", {_TARGET} AS target"
_N = len(_SHOWN) + 1  # columns of _SELECT; a rule's own (group, key, value) follow


@dataclass(frozen=True)
class Failure:
    rule_id: str
    origin: str
    message: str


@dataclass(frozen=True)
class Result:
    detections: tuple[Detection, ...]
    failures: tuple[Failure, ...]
    rules_run: int


@dataclass(frozen=True)
class _Event:
    """The columns of one matching event that a detection shows (in `_SHOWN` order)."""

    id: int
    event_id: str | None
    time: datetime
    name: str | None
    identity_type: str | None
    identity_arn: str | None
    source_ip: str | None
    region: str | None
    account: str | None
    error_code: str | None
    target: str | None

    @classmethod
    def of(cls, row: Sequence[Any]) -> _Event:
        return cls(*row[:_N])

    @property
    def ref(self) -> str:
        return self.event_id or f"store:{self.id}"

    @property
    def who(self) -> str:
        return self.identity_arn or self.identity_type or "unknown principal"

    def summary(self) -> str:
        target = f" on {self.target}" if self.target else ""
        where = "/".join(x for x in (self.account, self.region) if x)
        failed = f" ({self.error_code})" if self.error_code else ""
        return (f"{self.name}{target} by {self.who} from {self.source_ip or 'unknown address'}"
                f"{' in ' + where if where else ''}{failed}")

    def details(self) -> dict[str, Any]:
        return {"event_name": self.name, "identity_type": self.identity_type,
                "identity_arn": self.identity_arn, "source_ip": self.source_ip,
                "region": self.region, "account": self.account,
                "error_code": self.error_code, "target": self.target}


def _single(rule: Rule, event: _Event) -> Detection:
    return Detection(
        rule_id=rule.id, title=rule.title, severity=rule.severity, controls=rule.controls,
        first_seen=event.time, last_seen=event.time, summary=event.summary(),
        dedup_key=f"{rule.id}|{event.ref}", event_ids=(event.ref,),
        details=event.details())


def _bursts(rule: Rule, agg: Aggregate, group: tuple[Any, ...],
            events: list[tuple[_Event, Any]]) -> Iterable[Detection]:
    """Merge every window of `agg.span` ending at an event that reaches the threshold;
    overlapping windows make one burst."""
    window: deque[tuple[_Event, Any]] = deque()
    values: Counter[Any] = Counter()
    burst: dict[str, _Event] = {}
    burst_values: set[Any] = set()
    peak = 0

    def emit() -> Detection:
        ordered = sorted(burst.values(), key=lambda e: (e.time, e.ref))
        labels = tuple((label, None if v is None else str(v))
                       for (label, _), v in zip(agg.group_by, group, strict=True))
        shown = ", ".join(f"{k}={v}" for k, v in labels) or "all events"
        span = f" within {format_span(agg.span)}" if agg.span else ""
        if agg.distinct:
            what = f"{len(burst_values)} distinct {agg.distinct[0]} values"
        else:
            what = f"{len(ordered)} events"
        details: dict[str, Any] = {
            "threshold": agg.threshold, "peak_in_window": peak,
            "window": format_span(agg.span) if agg.span else None,
            "event_names": sorted({str(e.name) for e in ordered}),
        }
        if agg.distinct:
            details["distinct_values"] = sorted(str(v) for v in burst_values)[:50]
        return Detection(
            rule_id=rule.id, title=rule.title, severity=rule.severity,
            controls=rule.controls, first_seen=ordered[0].time, last_seen=ordered[-1].time,
            summary=f"{what}{span} for {shown} (threshold {agg.threshold})",
            dedup_key=f"{rule.id}|" + "|".join(f"{k}={v}" for k, v in labels),
            event_ids=tuple(e.ref for e in ordered), count=len(ordered), group=labels,
            details=details)

    last_end: datetime | None = None
    for event, value in events:
        window.append((event, value))
        if agg.distinct is not None and value is not None:
            values[value] += 1
        if agg.span is not None:
            while window and window[0][0].time < event.time - agg.span:
                _, old = window.popleft()
                if agg.distinct is not None and old is not None:
                    values[old] -= 1
                    if not values[old]:
                        del values[old]
        size = len(values) if agg.distinct is not None else len(window)
        if size < agg.threshold:
            continue
        start = window[0][0].time
        if burst and last_end is not None and start > last_end:
            yield emit()
            burst, burst_values, peak = {}, set(), 0
        for e, v in window:
            burst[e.ref] = e
            if v is not None:
                burst_values.add(v)
        peak = max(peak, size)
        last_end = event.time
    if burst:
        yield emit()


def _run_aggregate(db: duckdb.DuckDBPyConnection, rule: Rule, agg: Aggregate,
                   since: datetime, until: datetime) -> list[Detection]:
    groups = [expr for _, expr in agg.group_by]
    extra = "".join(f", ({g}) AS g{i}" for i, g in enumerate(groups))
    distinct = f", ({agg.distinct[1]}) AS d" if agg.distinct else ", NULL AS d"
    order = ", ".join([*(f"g{i}" for i in range(len(groups))), "event_time", "id"])
    rows = db.execute(
        f"SELECT {_SELECT}{extra}{distinct} FROM {TABLE} WHERE event_time >= ? AND "
        f"event_time < ? AND ({rule.where}) ORDER BY {order} NULLS FIRST",
        [since, until]).fetchall()
    by_group: dict[tuple[Any, ...], list[tuple[_Event, Any]]] = {}
    for row in rows:
        key = tuple(row[_N:_N + len(groups)])
        by_group.setdefault(key, []).append((_Event.of(row), row[-1]))
    found: list[Detection] = []
    for key, events in by_group.items():
        found.extend(_bursts(rule, agg, key, events))
    return found


def _run_first_seen(db: duckdb.DuckDBPyConnection, rule: Rule, since: datetime,
                    until: datetime) -> list[Detection]:
    assert rule.first_seen is not None
    first = rule.first_seen
    rows = db.execute(
        f"""WITH ev AS (
              SELECT {_SELECT}, ({first.key[1]}) AS k, ({first.value[1]}) AS v
              FROM {TABLE} WHERE event_time >= ? AND event_time < ? AND ({rule.where}))
            SELECT * FROM ev e
            WHERE e.event_time >= ? AND e.k IS NOT NULL AND e.v IS NOT NULL
              AND EXISTS (SELECT 1 FROM ev b WHERE b.k = e.k AND b.event_time < e.event_time
                          AND b.event_time >= e.event_time - ?)
              AND NOT EXISTS (SELECT 1 FROM ev b WHERE b.k = e.k AND b.v = e.v
                              AND b.event_time < e.event_time
                              AND b.event_time >= e.event_time - ?)
            ORDER BY e.event_time, e.id""",
        [since - first.baseline, until, since, first.baseline, first.baseline]).fetchall()
    found = []
    for row in rows:
        event = _Event.of(row)
        detection = _single(rule, event)
        details = dict(detection.details)
        details.update({first.key[0]: row[_N], first.value[0]: row[_N + 1],
                        "baseline": format_span(first.baseline)})
        found.append(replace(
            detection, details=details,
            summary=f"{detection.summary}: first {first.value[0]} {row[_N + 1]} for "
                    f"{first.key[0]} {row[_N]} in {format_span(first.baseline)}",
            group=((first.key[0], row[_N]), (first.value[0], row[_N + 1]))))
    return found


def run_rule(db: duckdb.DuckDBPyConnection, rule: Rule, since: datetime,
             until: datetime) -> list[Detection]:
    if rule.aggregate is not None:
        return _run_aggregate(db, rule, rule.aggregate, since, until)
    if rule.first_seen is not None:
        return _run_first_seen(db, rule, since, until)
    rows = db.execute(
        f"SELECT {_SELECT} FROM {TABLE} WHERE event_time >= ? AND event_time < ? "
        f"AND ({rule.where}) ORDER BY event_time, id", [since, until]).fetchall()
    return [_single(rule, _Event.of(row)) for row in rows]


def run(db: duckdb.DuckDBPyConnection, rules: Sequence[Rule], since: datetime,
        until: datetime) -> Result:
    """Every rule over events with since <= event_time < until (naive UTC datetimes)."""
    import duckdb

    detections: list[Detection] = []
    failures: list[Failure] = []
    for rule in rules:
        try:
            detections.extend(run_rule(db, rule, since, until))
        except duckdb.Error as exc:
            failures.append(Failure(rule.id, rule.origin, str(exc).splitlines()[0]))
    detections.sort(key=lambda d: (d.first_seen, d.rule_id, d.dedup_key))
    return Result(tuple(detections), tuple(failures), len(rules))
