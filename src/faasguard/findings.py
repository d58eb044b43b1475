"""What a scan reports: findings and the severity scale."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from faasguard.model import Location

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3,
         Severity.CRITICAL: 4}


@dataclass(frozen=True, slots=True)
class Subject:
    """The model node a finding is about: a function, role, API, route or resource."""

    kind: str
    """"function", "role", "api", "route", "resource", "permission", "app"."""
    id: str
    name: str | None = None
    """A friendlier name (function name, route "GET /orders"), when different from id."""
    function: str | None = None
    """The function the finding affects, for grouping; None when it is not one function's."""

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    message: str
    """One sentence about this occurrence: what is wrong here, with names."""
    location: Location
    subject: Subject
    app: str
    """Name of the app (service or stack) it was found in."""
    controls: tuple[str, ...] = ()
    cwe: tuple[int, ...] = ()
    detail: str = ""
    """A stable, line-independent key for this occurrence (e.g. the action or env var),
    so baselines survive edits that move lines."""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    suppressed: str | None = None
    """The reason, when a suppression matched; suppressed findings are kept for reports."""

    @property
    def fingerprint(self) -> str:
        key = "\x1f".join((self.rule_id, self.location.file, self.app, self.subject.kind,
                           self.subject.id, self.detail))
        return hashlib.sha256(key.encode()).hexdigest()[:32]
