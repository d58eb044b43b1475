"""The text report: grouping, order, suppressed findings, diagnostics, colour, width."""

from __future__ import annotations

import dataclasses
import re

from faasguard.engine import ScanResult
from faasguard.findings import Severity
from faasguard.formats import RenderOptions
from faasguard.formats.text import render

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _lines(text: str) -> list[str]:
    return text.splitlines()


def test_groups_by_app_then_function_most_severe_first(result: ScanResult) -> None:
    out = render(result, RenderOptions())
    lines = _lines(out)
    # Apps in name order; in an app, the group with the worst finding first.
    assert lines.index("app billing  (serverless: billing/serverless.yml)") < lines.index(
        "app orders  (sam: orders/template.yaml)")
    orders = lines.index("app orders  (sam: orders/template.yaml)")
    groups = [line.strip() for line in lines[orders:] if line.startswith("  ")
              and not line.startswith("    ")]
    assert groups[:2] == ["function CreateOrder (orders-prod-create)", "resource DataBucket"]
    # The role finding and the route finding both sit under the function they affect,
    # the critical one first.
    block = out[out.index("function CreateOrder"):out.index("resource DataBucket")]
    assert block.index("CRITICAL FG-API-900") < block.index("HIGH     FG-TST-001")


def test_each_finding_line_names_severity_rule_location(result: ScanResult) -> None:
    out = render(result, RenderOptions())
    assert re.search(r"^    MEDIUM   FG-ENC-900  orders/template\.yaml:90\s", out, re.M)
    assert "Bucket DataBucket has no default encryption." in out


def test_suppressed_hidden_unless_asked(result: ScanResult) -> None:
    hidden = render(result, RenderOptions())
    assert "FG-CFG-900" not in hidden and "FG-LOG-900" not in hidden
    assert "2 findings suppressed (--show-suppressed lists them)" in hidden
    shown = render(result, RenderOptions(show_suppressed=True))
    assert "FG-CFG-900" in shown
    assert "suppressed: inline: batch export, runs for minutes" in shown
    assert "suppressed: .faasguard.toml: retention is set by the org" in shown


def test_summary_counts_and_unreadable_files(result: ScanResult) -> None:
    out = render(result, RenderOptions(fail_on=Severity.HIGH))
    summary = out[out.index("Summary"):]
    assert "4 findings (1 critical, 2 high, 1 medium)" in summary
    assert "3 at or above high (--fail-on)" in summary
    assert "3 files scanned, 2 apps" in summary
    assert "1 file could not be read" in summary
    errors = out[out.index("Errors"):out.index("Warnings")]
    assert "broken/template.yaml:3: invalid UTF-8 at byte 17" in errors
    assert "billing/serverless.yml:12: ${ssm:/billing/key}" in out
    assert "same content as" not in out  # info diagnostics stay out of the terminal


def test_fail_on_none_has_no_threshold_line(result: ScanResult) -> None:
    assert "--fail-on" not in render(result, RenderOptions(fail_on=None))


def test_no_findings(result: ScanResult) -> None:
    result.findings = []
    out = render(result, RenderOptions())
    assert "No findings." in out
    assert "0 findings" in out


def test_colour_only_when_asked(result: ScanResult) -> None:
    plain = render(result, RenderOptions(color=False))
    assert "\x1b" not in plain
    coloured = render(result, RenderOptions(color=True))
    assert "\x1b[1;35mCRITICAL\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_terminal_escapes_from_templates_are_neutralised(result: ScanResult) -> None:
    out = render(result, RenderOptions())
    assert "\x1b" not in out
    assert "\N{REPLACEMENT CHARACTER}[2J" in out


def test_fits_80_columns(result: ScanResult) -> None:
    result.findings[1] = dataclasses.replace(result.findings[1], message="word " * 60)
    out = render(result, RenderOptions(show_suppressed=True))
    assert max(len(line) for line in out.splitlines()) <= 80


def test_many_warnings_are_capped(result: ScanResult) -> None:
    from faasguard.formats.text import MAX_WARNINGS
    from faasguard.model import Diagnostic, Location

    result.diagnostics += [Diagnostic("warning", f"unresolved {i}", Location("t.yaml", i))
                           for i in range(1, MAX_WARNINGS + 6)]
    out = render(result, RenderOptions())
    assert f"unresolved {MAX_WARNINGS - 1}" in out
    assert f"unresolved {MAX_WARNINGS + 5}" not in out
    assert "... and 6 more (--format json lists them all)" in out
