"""The values detections pass around: rules as the engine runs them, what they find,
and the error for a rule that cannot be loaded.

A rule is a condition over ``cloudtrail_events`` (a SQL expression built from a rule
file, never from event data), optionally with an aggregation (so many events in a
window, per group) or a first-seen check (a value never seen for a key in a baseline
window before the event).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from faasguard.findings import Severity

TABLE = "cloudtrail_events"


class RuleError(Exception):
    """A rule file that cannot be loaded, or a Sigma rule that cannot be converted
    faithfully; the message says why."""


_SPAN = re.compile(r"\s*(\d+)\s*([smhdw])\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_span(text: str) -> timedelta:
    """``30s``, ``5m``, ``1h``, ``7d``, ``2w`` as a duration (Sigma's units, without
    months and years, whose length varies)."""
    found = _SPAN.fullmatch(str(text))
    if found is None or int(found[1]) == 0:
        raise RuleError(f"not a time span: {text!r} (use a positive number and s, m, h, d "
                        "or w, e.g. 5m)")
    return timedelta(seconds=int(found[1]) * _UNITS[found[2]])


def format_span(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Aggregate:
    """Alert when a group has at least `threshold` matching events (or distinct values of
    `distinct`) within any window of `span`; with no span, within the whole run."""

    group_by: tuple[tuple[str, str], ...]
    """(label, SQL expression) per group field; empty: one group."""
    threshold: int
    span: timedelta | None
    distinct: tuple[str, str] | None = None
    """(label, SQL expression) whose distinct values are counted instead of events."""


@dataclass(frozen=True)
class FirstSeen:
    """Alert on an event whose `value` was never seen for its `key` in the `baseline`
    before it, when that key does have history there (others did the same)."""

    key: tuple[str, str]
    value: tuple[str, str]
    baseline: timedelta


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    controls: tuple[str, ...]
    description: str
    where: str
    """SQL boolean expression over the columns of ``cloudtrail_events``."""
    origin: str
    """``builtin``, or the file the rule came from."""
    aggregate: Aggregate | None = None
    first_seen: FirstSeen | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    """A rule file (or one rule in it) that was not loaded, and why."""

    origin: str
    title: str
    reason: str


@dataclass(frozen=True)
class Detection:
    """One alertable result: a matching event, a burst of them, or a spend anomaly."""

    rule_id: str
    title: str
    severity: Severity
    controls: tuple[str, ...]
    first_seen: datetime
    last_seen: datetime
    summary: str
    dedup_key: str
    """Same key, same incident: alerts on a key are not repeated within the dedup window."""
    event_ids: tuple[str, ...] = ()
    """CloudTrail eventIDs of the matching events (store ids when a record had none)."""
    count: int = 1
    group: tuple[tuple[str, str | None], ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id, "title": self.title, "severity": self.severity.value,
            "controls": list(self.controls), "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen), "count": self.count,
            "summary": self.summary, "group": dict(self.group),
            "event_ids": list(self.event_ids), "details": dict(self.details),
            "dedup_key": self.dedup_key,
        }


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
