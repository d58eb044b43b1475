"""Suppressions: inline comments in templates and ``[[suppress]]`` entries in the config.

Inline form, as a trailing comment on the line a finding points at, or as a comment
line of its own directly above it::

    Timeout: 900  # faasguard: ignore[FG-CFG-003] batch job, runs for minutes by design

    # faasguard: ignore[FG-API-001, FG-SCL-001] public health check, returns a constant
    - httpApi: GET /health

A suppression must say why: one without a reason is not honoured (the finding stays
and a warning names the comment). A config entry past its ``expires`` date stops
applying, so its findings report again, with a warning that it expired.

A suppressed finding keeps its place in the results with ``Finding.suppressed`` set
to ``"inline: <reason>"`` or ``"<config file name>: <reason>"``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import re
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.config import Config, Suppression
from faasguard.findings import Finding
from faasguard.model import Diagnostic, Location

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

INLINE = re.compile(r"(?:^|\s)#\s*faasguard:\s*ignore\[([^\]]*)\](.*)$", re.I)
INLINE_PREFIX = "inline: "
MAX_SCAN_BYTES = 16 * 1024 * 1024
"""Files larger than this are not searched for comments (the loaders refuse them too)."""


@dataclass(frozen=True, slots=True)
class Mark:
    """One ``# faasguard: ignore[...]`` comment."""

    line: int
    rules: frozenset[str]
    reason: str
    alone: bool
    """True when the comment is the whole line, so it covers the line below."""

    def covers(self, rule_id: str) -> bool:
        return rule_id in self.rules or "ALL" in self.rules


def parse_marks(lines: list[str]) -> dict[int, Mark]:
    marks = {}
    for number, line in enumerate(lines, 1):
        match = INLINE.search(line)
        if not match:
            continue
        rules = frozenset(i.strip().upper() for i in match.group(1).split(",") if i.strip())
        reason = match.group(2).strip().lstrip("-—:").strip()
        marks[number] = Mark(number, rules, reason, line.lstrip().startswith("#"))
    return marks


class _Marks:
    """Inline marks per file, read once per scan."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, dict[int, Mark]] = {}

    def of(self, file: str) -> dict[int, Mark]:
        if file not in self.cache:
            path = self.root / file
            try:
                if path.stat().st_size > MAX_SCAN_BYTES:
                    raise OSError("too large")
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            self.cache[file] = parse_marks(text.splitlines())
        return self.cache[file]

    def find(self, finding: Finding) -> Mark | None:
        """The mark that names this finding's rule on its line or the line above."""
        line = finding.location.line
        if not line:
            return None
        marks = self.of(finding.location.file)
        here, above = marks.get(line), marks.get(line - 1)
        if here and here.covers(finding.rule_id):
            return here
        if above and above.alone and above.covers(finding.rule_id):
            return above
        return None


def _matches(pattern: str, *values: str | None) -> bool:
    return pattern == "*" or any(v and fnmatch.fnmatchcase(v, pattern) for v in values)


def config_matches(sup: Suppression, finding: Finding) -> bool:
    subject = finding.subject
    return (_matches(sup.rule, finding.rule_id)
            and _matches(sup.resource, subject.id, subject.name, subject.function)
            and _matches(sup.path, finding.location.file))


def suppression_kind(reason: str) -> str:
    """SARIF's suppression kind for a ``Finding.suppressed`` reason."""
    return "inSource" if reason.startswith(INLINE_PREFIX) else "external"


def justification(reason: str) -> str:
    """The reason a person wrote, without where it was written."""
    return reason.partition(": ")[2] or reason


def apply_suppressions(findings: list[Finding], config: Config, root: Path,
                       today: dt.date | None = None,
                       notes: list[Diagnostic] | None = None) -> list[Finding]:
    """Mark the findings that a suppression covers; ``notes`` receives warnings about
    suppressions that were not honoured (no reason, expired)."""
    today = today or dt.date.today()
    marks = _Marks(root)
    warned: set[object] = set()
    warnings: list[Diagnostic] = []

    def warn(key: object, message: str, loc: Location) -> None:
        if key not in warned:
            warned.add(key)
            warnings.append(Diagnostic("warning", message, loc))

    out = []
    for finding in findings:
        reason = None
        mark = marks.find(finding)
        if mark and mark.reason:
            reason = INLINE_PREFIX + mark.reason
        elif mark:
            warn((finding.location.file, mark.line),
                 f"suppression of {finding.rule_id} has no reason, so it is not honoured; "
                 "write why after the ]", Location(finding.location.file, mark.line))
        if reason is None:
            for sup in config.suppressions:
                if not config_matches(sup, finding):
                    continue
                if sup.expires is not None and sup.expires < today:
                    warn(sup, f"suppression of {sup.rule} ({sup.reason}) expired on "
                         f"{sup.expires.isoformat()}; its findings report again",
                         Location(sup.source, sup.line))
                    continue
                reason = f"{sup.source}: {sup.reason}"
                break
        out.append(dataclasses.replace(finding, suppressed=reason) if reason else finding)
    if notes is not None:
        notes.extend(warnings)
    return out
