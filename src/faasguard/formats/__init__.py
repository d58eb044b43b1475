"""Report formats. Each module has one entry point, ``render(result, options) -> str``.

What every format shares lives here: the render options, the order findings are
listed in, how they are grouped, and the last line of defence against printing a
secret (every message and evidence value goes through ``clean``).

Machine formats (json, sarif) always carry suppressed findings, marked with their
reason, because their consumers filter; the human formats (text, markdown, junit)
list them only with ``show_suppressed``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from faasguard.findings import Finding, Severity

if TYPE_CHECKING:
    from faasguard.engine import ScanResult
    from faasguard.rules import Rule

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

TOOL_NAME = "faasguard"
INFORMATION_URI = "https://pypi.org/project/faasguard/"

SEVERITIES = tuple(sorted(Severity, key=lambda s: -s.rank))
"""Most severe first: the order of every summary."""


@dataclass(frozen=True, slots=True)
class RenderOptions:
    show_suppressed: bool = False
    """List suppressed findings (human formats; machine formats always carry them)."""
    fail_on: Severity | None = Severity.LOW
    """Findings at or above this make the scan fail; None means findings never fail it."""
    color: bool = False
    """ANSI colours in the text format (only when writing to a terminal)."""
    link_base: str | None = None
    """Markdown: prefix for file links (e.g. a repository's blob URL at a commit);
    without it links are relative to the scan root."""


# --- secrets: the last line of defence -------------------------------------------------

# C0/C1 controls (terminal escapes) and bidi overrides (text that reads differently
# from what it is); tab, newline and carriage return are kept.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@lru_cache(maxsize=16384)
def clean(text: str) -> str:
    """Text from a finding, safe to print: known secret shapes masked, control and
    bidi characters replaced. Memoised: a report repeats the same app names, ids and
    evidence many times over."""
    # Rules mask values themselves; this catches any that slipped through. Imported
    # here, not at module level, so `faasguard --help` never loads the detector.
    from faasguard.secrets import mask_in_text

    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", mask_in_text(text))


def plain(value: Any) -> Any:
    """Evidence as JSON data, every string cleaned; model values become their text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {clean(str(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return clean(str(value))


# --- which findings, in what order ----------------------------------------------------


def failing(finding: Finding, fail_on: Severity | None) -> bool:
    """True when this finding makes the scan fail (exit code 1)."""
    return (not finding.suppressed and fail_on is not None
            and finding.severity.rank >= fail_on.rank)


def shown(result: ScanResult, options: RenderOptions) -> list[Finding]:
    return [f for f in result.findings if options.show_suppressed or not f.suppressed]


def order(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by place, so reports read top-down and diff well."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.location.file,
                                           f.location.line or 0, f.rule_id, f.subject.id,
                                           f.detail))


def counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    tally = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        tally[finding.severity] += 1
    return tally


def function_names(result: ScanResult) -> dict[tuple[str, str], str]:
    """(app name, function id) -> the function's deployed name, where the app gives one."""
    return {(app.name, fn.id): fn.display_name for app in result.apps for fn in app.functions}


@dataclass(frozen=True, slots=True)
class Group:
    """What a block of a report is about: one function, or one other node."""

    kind: str
    """"function", or the subject kind ("role", "route", "resource", ...)."""
    id: str
    label: str
    """How to name it to a person: ``OrdersFunction`` or ``OrdersFunction (orders-prod)``."""


def group_of(finding: Finding, names: Mapping[tuple[str, str], str]) -> Group:
    subject = finding.subject
    if subject.function:
        fid = subject.function
        deployed = names.get((finding.app, fid))
        label = f"{fid} ({deployed})" if deployed and deployed != fid else fid
        return Group("function", fid, label)
    return Group(subject.kind, subject.id, subject.label)


def grouped(findings: Iterable[Finding], names: Mapping[tuple[str, str], str],
            ) -> list[tuple[str, list[tuple[Group, list[Finding]]]]]:
    """Findings by app, then by function (or by the node for those not tied to one).

    Apps are in name order; within an app, the groups with the worst finding come first.
    """
    apps: dict[str, dict[Group, list[Finding]]] = {}
    for finding in findings:
        apps.setdefault(finding.app, {}).setdefault(group_of(finding, names), []).append(finding)
    out = []
    for app in sorted(apps):
        groups = [(group, order(items)) for group, items in apps[app].items()]
        groups.sort(key=lambda g: (-max(f.severity.rank for f in g[1]),
                                   g[0].kind != "function", g[0].label))
        out.append((app, groups))
    return out


# --- rule metadata -----------------------------------------------------------------------


def rules_by_id() -> dict[str, Rule]:
    from faasguard.rules import all_rules

    return {r.id: r for r in all_rules()}


def link_to(base: str | None, file: str, line: int | None) -> str:
    """A link to a file (and line, GitHub style) for markdown reports."""
    from urllib.parse import quote

    target = quote(file)
    if base:
        target = base.rstrip("/") + "/" + target
    return f"{target}#L{line}" if line else target


__all__ = [
    "INFORMATION_URI",
    "SEVERITIES",
    "TOOL_NAME",
    "Group",
    "RenderOptions",
    "clean",
    "counts",
    "failing",
    "function_names",
    "group_of",
    "grouped",
    "link_to",
    "order",
    "plain",
    "rules_by_id",
    "shown",
]
