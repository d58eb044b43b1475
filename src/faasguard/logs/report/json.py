"""The report as JSON: every table of the text report, with full numbers and times in
RFC 3339 UTC. The layout is documented in docs/logs-reports.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from faasguard.logs.report import LogReport
from faasguard.logs.report.common import PERCENTILE_SQL
from faasguard.logs.report.profile import ProfileReport

FORMAT_VERSION = 1


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")
    return text + "Z"


def plain(value: Any) -> Any:
    """Dataclasses, tuples and datetimes as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if hasattr(value, "memory_ratio"):
            out["memory_ratio"] = value.memory_ratio
        return out
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(plain(v) for v in value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def to_data(report: LogReport) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "store": report.store,
        "generated": iso(report.generated),
        "period": {"since": iso(report.period.since), "until": iso(report.period.until)},
        "definitions": {
            "percentile": f"{PERCENTILE_SQL}: linear interpolation, h = (n - 1) * q",
            "prices": plain(report.functions.prices),
            "office_hours": report.auth.office,
        },
        "events": report.events,
        "auth": plain(report.auth),
        "functions": {
            "invocations": report.functions.invocations,
            "cost_usd": report.functions.cost_usd,
            "functions": plain(report.functions.functions),
        },
        "timeline": plain(report.timeline),
    }


def render(report: LogReport) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False) + "\n"


def render_profile(report: ProfileReport) -> str:
    data = {"format_version": FORMAT_VERSION, **plain(report)}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
