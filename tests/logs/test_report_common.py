"""Report options: periods, durations, office hours across daylight saving, patterns."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import reportrows

from faasguard.logs.report.common import (
    OfficeHours,
    Period,
    ReportError,
    glob_regex,
    open_store,
    parse_duration,
    parse_when,
)

NOW = dt.datetime(2026, 11, 29, 12, 0, 0)


def test_when_is_a_duration_back_from_now_or_a_utc_time() -> None:
    assert parse_when("7d", NOW) == dt.datetime(2026, 11, 22, 12, 0)
    assert parse_when("12h", NOW) == dt.datetime(2026, 11, 29, 0, 0)
    assert parse_when("30m", NOW) == dt.datetime(2026, 11, 29, 11, 30)
    assert parse_when("2w", NOW) == dt.datetime(2026, 11, 15, 12, 0)
    assert parse_when("2026-11-20", NOW) == dt.datetime(2026, 11, 20)
    assert parse_when("2026-11-20T08:00:00Z", NOW) == dt.datetime(2026, 11, 20, 8)
    # an offset is converted to UTC
    assert parse_when("2026-11-20T09:00:00+01:00", NOW) == dt.datetime(2026, 11, 20, 8)
    assert parse_duration("10m") == dt.timedelta(minutes=10)
    assert parse_duration("2026-11-20") is None
    with pytest.raises(ReportError, match="not a time or a duration"):
        parse_when("last tuesday", NOW)


def test_period_condition() -> None:
    since, until = dt.datetime(2026, 11, 1), dt.datetime(2026, 11, 2)
    assert Period().where("ts") == ("TRUE", [])
    assert Period(since, until).where("ts") == ("ts >= ? AND ts < ?", [since, until])


def test_office_hours_follow_the_zone_across_daylight_saving() -> None:
    office = OfficeHours.parse("08:00-17:30", "Europe/Paris", "mon-fri")
    # Friday 27 March 2026 is CET (UTC+1); Monday 30 March is CEST (UTC+2)
    found = office.intervals(dt.datetime(2026, 3, 27, 12), dt.datetime(2026, 3, 30, 12))
    assert (dt.datetime(2026, 3, 27, 7, 0), dt.datetime(2026, 3, 27, 16, 30)) in found
    assert (dt.datetime(2026, 3, 30, 6, 0), dt.datetime(2026, 3, 30, 15, 30)) in found
    # no interval on the weekend
    assert not [i for i in found if i[0].date() in (dt.date(2026, 3, 28), dt.date(2026, 3, 29))]
    assert office.describe() == "08:00-17:30 mon,tue,wed,thu,fri (Europe/Paris)"


def test_office_hours_errors() -> None:
    with pytest.raises(ReportError, match="HH:MM-HH:MM"):
        OfficeHours.parse("8-18", None)
    with pytest.raises(ReportError, match="after the start"):
        OfficeHours.parse("18:00-08:00", None)
    with pytest.raises(ReportError, match="unknown time zone"):
        OfficeHours.parse(None, "Mars/Olympus")
    with pytest.raises(ReportError, match="office-days"):
        OfficeHours.parse(None, None, "monday")
    assert OfficeHours.parse(None, None, "sat-mon").days == frozenset({5, 6, 0})


def test_glob_patterns_are_anchored_and_literal() -> None:
    regex = glob_regex(("svc-*", "*admin*", "a.b?"))
    assert regex is not None
    pattern = re.compile(regex, re.I)
    assert pattern.match("svc-batch") and pattern.match("111:role/SuperAdmin")
    assert pattern.match("a.bc") and not pattern.match("axbc")  # the dot is literal
    assert not pattern.match("my-svc-batch")
    assert glob_regex(()) is None


def test_open_store_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no log store"):
        open_store(tmp_path / "missing.duckdb")
    other = tmp_path / "other.duckdb"
    import duckdb

    duckdb.connect(str(other)).close()
    with pytest.raises(ReportError, match="not a faasguard log store"):
        open_store(other)
    store = reportrows.build(tmp_path / "s.duckdb", {})
    db = open_store(store)
    with pytest.raises(duckdb.Error):  # read-only
        db.execute("DELETE FROM lambda_events")
    db.close()
