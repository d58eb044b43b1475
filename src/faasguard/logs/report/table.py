"""Plain-text tables and number formats shared by the text renderers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


def when(value: dt.datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def num(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def usd(value: float) -> str:
    return f"${value:.6f}" if value < 1 else f"${value:,.2f}"


def price(value: float) -> str:
    """A unit price in full: 0.0000166667, never 1.66667e-05."""
    return "$" + (f"{value:.10f}".rstrip("0").rstrip(".") or "0")


def table(header: Sequence[str], body: Sequence[Sequence[str]], *,
          right: Sequence[int] = ()) -> list[str]:
    """Aligned columns; column indexes in `right` are right-aligned."""
    if not body:
        return ["  (none)"]
    cells = [list(header), *[list(r) for r in body]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = []
    for row in cells:
        parts = [c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                 for i, c in enumerate(row)]
        out.append("  " + "  ".join(parts).rstrip())
    return out
