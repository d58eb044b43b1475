"""What every report shares: the period it covers, office hours, the read-only store
connection and the percentile definition.

Times in the store are UTC (``TIMESTAMP`` without a zone); every datetime here is a
naive UTC datetime too, and only office hours know about a time zone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

PERCENTILE_SQL = "quantile_cont"
"""Percentiles are DuckDB's ``quantile_cont``: linear interpolation between the two
closest ranks, h = (n - 1) * q (Hyndman and Fan type 7, numpy's default). For the
sorted values x[0..n-1], p = x[floor(h)] + (h - floor(h)) * (x[floor(h)+1] - x[floor(h)])."""

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_CLOCK = re.compile(r"(\d{1,2}):(\d\d)")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ReportError(Exception):
    """Bad report options, or a store that cannot be read."""


def utc(value: dt.datetime) -> dt.datetime:
    """A naive UTC datetime (aware values are converted, naive ones taken as UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def parse_duration(text: str) -> dt.timedelta | None:
    """``7d``, ``12h``, ``30m``, ``2w``, ``45s``; None when `text` is not one."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        return None
    return dt.timedelta(seconds=int(found[1]) * _UNITS[found[2]])


def parse_when(text: str, now: dt.datetime) -> dt.datetime:
    """``7d``, ``12h``, ``30m``, ``2w``, ``45s`` (that long before `now`), or an ISO 8601
    date or time (a time without an offset is UTC)."""
    value = text.strip()
    ago = parse_duration(value)
    if ago is not None:
        return utc(now) - ago
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ReportError(f"not a time or a duration: {text!r} (use 7d, 12h, 30m, or "
                          "2026-11-29, 2026-11-29T08:00:00Z)") from None
    return utc(when)


@dataclass(frozen=True)
class Period:
    """The events a report covers: since <= time < until (either end may be open)."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def where(self, column: str) -> tuple[str, list[Any]]:
        """A SQL condition on `column` and its parameters."""
        parts, params = [], []
        if self.since is not None:
            parts.append(f"{column} >= ?")
            params.append(self.since)
        if self.until is not None:
            parts.append(f"{column} < ?")
            params.append(self.until)
        return (" AND ".join(parts) or "TRUE"), params


@dataclass(frozen=True)
class OfficeHours:
    """Working time: from `start` to `end` local time, on `days` (0 = Monday), in `tz`."""

    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(18, 0)
    tz: str = "UTC"
    days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))

    @classmethod
    def parse(cls, hours: str | None, tz: str | None, days: str | None = None) -> OfficeHours:
        """``08:00-18:00``, an IANA zone name, and days as ``mon-fri`` or ``mon,wed``."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        default = cls()
        start, end = default.start, default.end
        if hours:
            parts = hours.split("-")
            clocks = [_CLOCK.fullmatch(p.strip()) for p in parts]
            if len(parts) != 2 or not all(clocks):
                raise ReportError(f"--office-hours: expected HH:MM-HH:MM, got {hours!r}")
            try:
                start, end = (dt.time(int(c[1]), int(c[2])) for c in clocks if c)
            except ValueError as exc:
                raise ReportError(f"--office-hours: {exc}") from None
            if end <= start:
                raise ReportError("--office-hours: the end must be after the start "
                                  "(office hours across midnight are not supported)")
        zone = tz or default.tz
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ReportError(f"--tz: unknown time zone {zone!r} (use an IANA name such "
                              "as Europe/Paris)") from None
        return cls(start, end, zone, _days(days) if days else default.days)

    def intervals(self, first: dt.datetime, last: dt.datetime) -> list[tuple[dt.datetime,
                                                                              dt.datetime]]:
        """The office intervals, as naive UTC [start, end), of every local day that
        overlaps first..last (UTC). Daylight saving is the zone's own."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.tz)
        day = first.replace(tzinfo=dt.UTC).astimezone(zone).date() - dt.timedelta(days=1)
        stop = last.replace(tzinfo=dt.UTC).astimezone(zone).date() + dt.timedelta(days=1)
        out = []
        while day <= stop:
            if day.weekday() in self.days:
                begin = dt.datetime.combine(day, self.start, zone)
                end = dt.datetime.combine(day, self.end, zone)
                out.append((utc(begin), utc(end)))
            day += dt.timedelta(days=1)
        return out

    def describe(self) -> str:
        names = ",".join(DAY_NAMES[d] for d in sorted(self.days))
        return f"{self.start:%H:%M}-{self.end:%H:%M} {names} ({self.tz})"


def _days(text: str) -> frozenset[int]:
    out: set[int] = set()
    for part in text.lower().split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ReportError(f"--office-days: expected days like mon-fri or mon,tue; "
                              f"got {text!r}")
        a = DAY_NAMES.index(first)
        b = DAY_NAMES.index(last) if last else a
        out.update(range(a, b + 1) if a <= b else (*range(a, 7), *range(0, b + 1)))
    return frozenset(out)


def glob_regex(patterns: tuple[str, ...]) -> str | None:
    """One anchored regular expression (RE2 and Python alike) matching any of the shell
    patterns (``*`` any text, ``?`` one character); None when there is no pattern."""
    alts = [re.escape(p).replace(r"\*", ".*").replace(r"\?", ".") for p in patterns]
    return "^(?:" + "|".join(alts) + ")$" if alts else None


def open_store(path: Path) -> duckdb.DuckDBPyConnection:
    """The store, read-only (an ingestion may run at the same time in another process
    only if it does not hold the file; DuckDB says so when it does)."""
    import duckdb

    from faasguard.logs.store import STORE_VERSION

    if not path.is_file():
        raise ReportError(f"no log store at {path}; run `faasguard logs ingest` first")
    try:
        db = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open {path}: {exc}") from None
    db.execute("SET TimeZone = 'UTC'")
    try:
        found = db.execute("SELECT value FROM store_meta WHERE key = 'version'").fetchone()
    except duckdb.Error:
        db.close()
        raise ReportError(f"{path} is not a faasguard log store") from None
    if found is None or found[0] != str(STORE_VERSION):
        db.close()
        upgrade = "; `faasguard logs ingest` upgrades it (give it any source)" \
            if found and found[0] == "2" else ""
        raise ReportError(f"{path} is a faasguard log store of version "
                          f"{found[0] if found else '?'}; this faasguard reads version "
                          f"{STORE_VERSION}{upgrade}")
    return db


def rows(db: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None,
         ) -> list[tuple[Any, ...]]:
    return db.execute(sql, params or []).fetchall()
