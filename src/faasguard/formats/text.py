"""The terminal report: findings by app and function, most severe first, then the
problems met while reading, then a summary. Fits an 80-column terminal."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from faasguard.findings import Finding, Severity
from faasguard.formats import (
    SEVERITIES,
    RenderOptions,
    clean,
    counts,
    failing,
    function_names,
    grouped,
    shown,
)

if TYPE_CHECKING:
    from faasguard.engine import ScanResult
    from faasguard.model import Diagnostic

WIDTH = 80
SEVERITY_WIDTH = 9  # "CRITICAL" and a space
MESSAGE_COLUMN = 48
"""Past this column the message starts on a line of its own, so it keeps some width."""
MAX_WARNINGS = 20
"""Warnings listed in full; the rest are counted (errors are always all listed)."""
_COLORS = {
    Severity.CRITICAL: "\033[1;35m",
    Severity.HIGH: "\033[1;31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.INFO: "\033[2m",
}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


class _Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def severity(self, severity: Severity, text: str) -> str:
        return self(_COLORS[severity], text)


def _wrap(prefix: str, body: str, indent: str) -> list[str]:
    """``prefix body`` wrapped at WIDTH; continuation lines start at ``indent``."""
    return textwrap.wrap(body, width=WIDTH, initial_indent=prefix, subsequent_indent=indent,
                         break_long_words=True, break_on_hyphens=False) or [prefix.rstrip()]


def _finding_lines(finding: Finding, style: _Style) -> list[str]:
    severity = finding.severity.value.upper()
    head = f"    {severity:<{SEVERITY_WIDTH}}{finding.rule_id}  {finding.location}  "
    indent = " " * 6
    message = clean(finding.message)
    if len(head) > MESSAGE_COLUMN:  # a long path: the message goes on its own lines
        lines = [head.rstrip(), *_wrap(indent, message, indent)]
    else:
        lines = _wrap(head, message, indent)
    # Colour only the severity word, after wrapping, so widths stay right.
    lines[0] = lines[0].replace(severity, style.severity(finding.severity, severity), 1)
    if finding.suppressed:
        lines += [style(_DIM, line) for line in
                  _wrap(f"{indent}suppressed: ", clean(finding.suppressed), indent + "  ")]
    return lines


def _diagnostic_lines(diags: list[Diagnostic]) -> list[str]:
    lines = []
    for diag in diags:
        lines += _wrap(f"  {diag.loc}: ", clean(diag.message), "      ")
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(result: ScanResult, options: RenderOptions, style: _Style) -> list[str]:
    active = result.active
    tally = counts(active)
    parts = [style.severity(s, f"{tally[s]} {s.value}") for s in SEVERITIES if tally[s]]
    head = _plural(len(active), "finding")
    if parts:
        head += " (" + ", ".join(parts) + ")"
    lines = [style(_BOLD, "Summary"), f"  {head}"]
    suppressed = len(result.findings) - len(active)
    if suppressed:
        hint = "" if options.show_suppressed else " (--show-suppressed lists them)"
        lines.append(f"  {_plural(suppressed, 'finding')} suppressed{hint}")
    if options.fail_on is not None:
        over = sum(1 for f in active if failing(f, options.fail_on))
        lines.append(f"  {over} at or above {options.fail_on.value} (--fail-on)")
    lines.append(f"  {_plural(result.files_scanned, 'file')} scanned, "
                 f"{_plural(len(result.apps), 'app')}, {result.seconds:.2f}s")
    if result.files_failed:
        lines.append(f"  {_plural(result.files_failed, 'file')} could not be read "
                     "(see Errors)")
    return lines


def render(result: ScanResult, options: RenderOptions) -> str:
    style = _Style(options.color)
    out: list[str] = []
    findings = shown(result, options)
    sources: dict[str, list[str]] = {}
    for model in result.apps:
        sources.setdefault(model.name, []).append(f"{model.format}: {model.source.file}")
    for app, groups in grouped(findings, function_names(result)):
        where = ", ".join(sources.get(app, []))
        out.append(style(_BOLD, f"app {clean(app)}") + (f"  ({clean(where)})" if where else ""))
        for group, items in groups:
            out.append(f"  {group.kind} {clean(group.label)}")
            for finding in items:
                out += _finding_lines(finding, style)
        out.append("")
    if not findings:
        out += ["No findings.", ""]
    errors = [d for d in result.diagnostics if d.level == "error"]
    warnings = [d for d in result.diagnostics if d.level == "warning"]
    if errors:
        out += [style(_BOLD, "Errors"), *_diagnostic_lines(errors), ""]
    if warnings:
        out += [style(_BOLD, "Warnings"), *_diagnostic_lines(warnings[:MAX_WARNINGS])]
        if len(warnings) > MAX_WARNINGS:
            out.append(f"  ... and {len(warnings) - MAX_WARNINGS} more (--format json "
                       "lists them all)")
        out.append("")
    out += _summary(result, options, style)
    return "\n".join(out) + "\n"
