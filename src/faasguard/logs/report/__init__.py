"""Reports over the log store: authentication (F2), functions (F3), activity over time,
and runtime profiles against an app's configuration (C2).

`build_report` runs every report on one read-only connection; `text`, `json` and
`html` render the result; `profile` compares observed durations and memory with an
app's configured timeout and memory. Definitions: docs/logs-reports.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from faasguard.logs.report.auth import AuthOptions, AuthReport, auth_report
from faasguard.logs.report.common import OfficeHours, Period, ReportError, open_store
from faasguard.logs.report.functions import FunctionReport, Prices, function_report
from faasguard.logs.report.timeline import Timeline, timeline

if TYPE_CHECKING:
    import duckdb

__all__ = ["AuthOptions", "LogReport", "OfficeHours", "Period", "Prices", "ReportError",
           "build_report", "open_store"]


@dataclass(frozen=True)
class LogReport:
    store: str
    period: Period
    generated: dt.datetime
    """When the report was made (UTC)."""
    events: dict[str, int]
    """Rows of each event table in the period."""
    auth: AuthReport
    functions: FunctionReport
    timeline: Timeline


_TIME_COLUMNS = {"lambda_events": "ts", "cloudtrail_events": "event_time",
                 "apigw_requests": "ts", "audit_events": "ts"}


def build_report(db: duckdb.DuckDBPyConnection, store: str, period: Period,
                 auth: AuthOptions | None = None, prices: Prices | None = None,
                 generated: dt.datetime | None = None) -> LogReport:
    events = {}
    for table, column in _TIME_COLUMNS.items():
        where, params = period.where(column)
        found = db.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()
        events[table] = int(found[0]) if found else 0
    auth_part = auth_report(db, period, auth)  # builds auth_events, which timeline reads
    return LogReport(
        store=store, period=period,
        generated=generated or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
        events=events, auth=auth_part, functions=function_report(db, period, prices),
        timeline=timeline(db, period))
