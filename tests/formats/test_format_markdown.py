"""Markdown for PR comments: summary, grouping, links, folding, fixes, and no markup
or mentions injected from template text."""

from __future__ import annotations

import dataclasses

from faasguard.engine import ScanResult
from faasguard.formats import RenderOptions
from faasguard.formats.markdown import FOLD_AFTER, MAX_CHARS, SEPARATOR, escape, render


def test_summary_table(result: ScanResult) -> None:
    out = render(result, RenderOptions())
    assert out.startswith("## faasguard scan\n")
    assert "| Severity | Findings |" in out
    assert "Critical | 1 |" in out and "High | 2 |" in out and "Low | 0 |" in out
    assert "**4 findings** in 3 files scanned" in out
    assert "2 suppressed" in out
    assert "**1 file could not be read**" in out
    assert "broken/template.yaml:3: invalid UTF\\-8" not in out  # '-' needs no escape
    assert "broken/template.yaml:3: invalid UTF-8 at byte 17" in out


def test_grouped_by_function_with_line_links(result: ScanResult) -> None:
    out = render(result, RenderOptions())
    assert f"### orders{SEPARATOR}function CreateOrder (orders-prod-create)" in out
    assert f"### orders{SEPARATOR}resource DataBucket" in out
    assert "[orders/template.yaml:52](orders/template.yaml#L52)" in out
    linked = render(result, RenderOptions(link_base="https://git.example/o/r/blob/abc/"))
    assert "(https://git.example/o/r/blob/abc/orders/template.yaml#L52)" in linked


def test_suppressed_only_when_asked(result: ScanResult) -> None:
    assert "FG-CFG-900" not in render(result, RenderOptions())
    shown = render(result, RenderOptions(show_suppressed=True))
    assert "*suppressed: inline: batch export, runs for minutes*" in shown


def test_fix_hints_from_rule_docs(result: ScanResult) -> None:
    out = render(result, RenderOptions())
    fixes = out[out.index("### How to fix"):]
    assert "<summary><code>FG-TST-001</code> Wildcard action in a test policy</summary>" in fixes
    assert "Name the actions the function calls." in fixes


def test_template_text_cannot_inject_markup(result: ScanResult) -> None:
    out = render(result, RenderOptions())
    row = next(line for line in out.splitlines() if "FG-TST-001" in line and "|" in line
               and "Role allows" in line)
    assert "<img" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in row
    assert "\\| col" in row  # a pipe cannot end the cell
    assert "@octocat" not in out  # no mention
    assert row.count(" | ") == 3  # still four cells
    assert escape("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert escape("line\nbreak") == "line break"


def test_long_groups_fold(result: ScanResult) -> None:
    base = result.findings[1]
    result.findings += [dataclasses.replace(base, detail=str(i), message=f"Bucket {i}.")
                        for i in range(FOLD_AFTER)]
    out = render(result, RenderOptions())
    block = out[out.index(f"### orders{SEPARATOR}resource DataBucket"):]
    assert block.index("<details>") < block.index("| Severity | Rule |")
    assert f"<summary>{FOLD_AFTER + 1} findings</summary>" in block


def test_stays_under_comment_limit(result: ScanResult) -> None:
    base = result.findings[1]
    result.findings = [dataclasses.replace(base, subject=dataclasses.replace(
        base.subject, id=f"Bucket{i}"), message="x" * 300) for i in range(400)]
    out = render(result, RenderOptions())
    assert len(out) <= MAX_CHARS + 200
    assert "more findings are not listed here" in out
