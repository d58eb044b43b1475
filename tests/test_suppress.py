"""Suppressions: inline comments (on the line, or a comment line above) and config
entries with a reason and an optional expiry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from faasguard.config import Config, Suppression
from faasguard.findings import Finding, Severity, Subject
from faasguard.model import Diagnostic, Location
from faasguard.suppress import (
    apply_suppressions,
    justification,
    parse_marks,
    suppression_kind,
)

TODAY = dt.date(2026, 6, 1)

TEMPLATE = """\
Resources:
  Fn:
    Properties:
      Timeout: 900  # faasguard: ignore[FG-CFG-003] batch job, runs for minutes
      # faasguard: ignore[FG-SCL-001, FG-API-001] - public health check
      MemorySize: 128
      Runtime: python3.8  # faasguard: ignore[FG-CFG-001]
      Handler: app.handler  # faasguard: ignore[FG-CFG-009] first reason
      CodeUri: src/
      Description: "# faasguard: ignore[FG-CFG-010] not a comment?"
      Tags: {}  # FAASGUARD: Ignore[all] vendored stack, reviewed in TICKET-12
"""


def _finding(rule: str, line: int | None, file: str = "template.yaml",
             subject: Subject | None = None) -> Finding:
    return Finding(rule, "title", Severity.HIGH, "message", Location(file, line),
                   subject or Subject("function", "Fn", "orders-fn", "Fn"), "app")


def _apply(tmp_path: Path, findings: list[Finding], config: Config | None = None,
           ) -> tuple[list[Finding], list[Diagnostic]]:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    notes: list[Diagnostic] = []
    out = apply_suppressions(findings, config or Config(), tmp_path, TODAY, notes)
    return out, notes


def test_inline_on_the_line(tmp_path: Path) -> None:
    out, _ = _apply(tmp_path, [_finding("FG-CFG-003", 4), _finding("FG-CFG-004", 4)])
    assert out[0].suppressed == "inline: batch job, runs for minutes"
    assert out[1].suppressed is None  # another rule on the same line is not covered


def test_inline_comment_line_above(tmp_path: Path) -> None:
    out, _ = _apply(tmp_path, [_finding("FG-SCL-001", 6), _finding("FG-API-001", 6)])
    assert [f.suppressed for f in out] == ["inline: public health check"] * 2


def test_trailing_comment_does_not_cover_next_line(tmp_path: Path) -> None:
    # Line 4's trailing comment is about line 4 only.
    out, _ = _apply(tmp_path, [_finding("FG-CFG-003", 5)])
    assert out[0].suppressed is None


def test_missing_reason_not_honoured_and_noted(tmp_path: Path) -> None:
    out, notes = _apply(tmp_path, [_finding("FG-CFG-001", 7), _finding("FG-CFG-001", 7)])
    assert [f.suppressed for f in out] == [None, None]
    assert len(notes) == 1  # once per comment
    assert notes[0].level == "warning"
    assert notes[0].loc == Location("template.yaml", 7)
    assert "has no reason" in notes[0].message


def test_only_real_comments_count(tmp_path: Path) -> None:
    out, _ = _apply(tmp_path, [_finding("FG-CFG-010", 10)])
    assert out[0].suppressed is None


def test_all_and_case_insensitive(tmp_path: Path) -> None:
    out, _ = _apply(tmp_path, [_finding("FG-IAM-001", 11)])
    assert out[0].suppressed == "inline: vendored stack, reviewed in TICKET-12"


def test_no_line_or_missing_file(tmp_path: Path) -> None:
    out, _ = _apply(tmp_path, [_finding("FG-CFG-003", None), _finding("FG-CFG-003", 4, "gone.yaml")])
    assert [f.suppressed for f in out] == [None, None]


def _config(*sups: Suppression) -> Config:
    return Config(suppressions=sups)


def test_config_match_by_rule_resource_and_path(tmp_path: Path) -> None:
    sup = Suppression(rule="FG-API-*", reason="public by design", resource="orders-*",
                      path="*.yaml", source=".faasguard.toml", line=3)
    findings = [_finding("FG-API-001", 2), _finding("FG-IAM-001", 2),
                _finding("FG-API-002", 2, file="serverless.yml"),
                _finding("FG-API-003", 2, subject=Subject("resource", "Bucket"))]
    out, notes = _apply(tmp_path, findings, _config(sup))
    assert [f.suppressed for f in out] == [".faasguard.toml: public by design", None, None, None]
    assert notes == []


def test_config_expiry(tmp_path: Path) -> None:
    future = Suppression(rule="FG-API-001", reason="until launch", expires=TODAY,
                         source=".faasguard.toml", line=3)
    past = Suppression(rule="FG-API-002", reason="old waiver",
                       expires=TODAY - dt.timedelta(days=1), source=".faasguard.toml", line=9)
    out, notes = _apply(tmp_path, [_finding("FG-API-001", 2), _finding("FG-API-002", 2),
                                   _finding("FG-API-002", 3)], _config(future, past))
    assert out[0].suppressed == ".faasguard.toml: until launch"  # applies through its day
    assert out[1].suppressed is None and out[2].suppressed is None  # expired: reports again
    assert len(notes) == 1
    assert notes[0].loc == Location(".faasguard.toml", 9)
    assert "expired on 2026-05-31" in notes[0].message


def test_inline_wins_over_config(tmp_path: Path) -> None:
    sup = Suppression(rule="FG-CFG-003", reason="config reason")
    out, _ = _apply(tmp_path, [_finding("FG-CFG-003", 4)], _config(sup))
    assert out[0].suppressed == "inline: batch job, runs for minutes"


def test_parse_marks() -> None:
    marks = parse_marks(["a: 1  # faasguard: ignore[fg-x-001 , FG-Y-002]: why not",
                         "   # faasguard:ignore[FG-Z-003]—because"])
    assert marks[1].rules == {"FG-X-001", "FG-Y-002"} and marks[1].reason == "why not"
    assert not marks[1].alone
    assert marks[2].alone and marks[2].reason == "because"


def test_kind_and_justification() -> None:
    assert suppression_kind("inline: x") == "inSource"
    assert suppression_kind(".faasguard.toml: x") == "external"
    assert justification("inline: batch: long") == "batch: long"
    assert justification(".faasguard.toml: y") == "y"
