"""Parsers: text or decoded JSON in, rows for the store out.

A parser yields `Item`s: ``(table name, natural key or None, row tuple)``. The row holds
the table's columns after the common head (see `faasguard.logs.schema`); the natural
key (a CloudTrail ``eventID``, a CloudWatch event id) makes the row's id the same
wherever the event is read from, so the same event in two files is stored once. Rows
without one get an id from their position in the source.

A line or record that is not what its source should hold becomes a quarantine item
(`quarantine`) with the reason; parsers never drop input silently and never raise on
bad input.
"""

from __future__ import annotations

from typing import Any

from faasguard.logs.schema import QUARANTINE, RAW_LIMIT

Item = tuple[str, str | None, tuple[Any, ...]]


def quarantine(fmt: str, reason: str, raw: str) -> Item:
    """A quarantine item; ingestion fills in its position (``record``, here 0)."""
    cut = raw if len(raw) <= RAW_LIMIT else raw[:RAW_LIMIT]
    return (QUARANTINE.name, None, (0, fmt, reason, cut, len(raw.encode("utf-8", "replace"))))


def text(value: Any) -> str | None:
    """A string field as a string: numbers and booleans as JSON writes them, objects
    and empty strings as None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def number(value: Any) -> float | None:
    """A finite numeric field (API Gateway logs numbers as strings, "-" when unknown)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        found = float(value)
    except (ValueError, OverflowError):  # not a number; an integer past any float
        return None
    return found if found - found == 0 else None  # not NaN or infinite


def integer(value: Any, bits: int = 31) -> int | None:
    """A whole number that fits the column (INTEGER: 31 bits and a sign), else None:
    a log cannot make the store refuse a batch."""
    found = number(value)
    if found is None or found != found or abs(found) >= 2**bits:  # NaN, inf, too large
        return None
    return int(found)
