"""Markdown for pull-request comments: a summary table, findings by function with
links to the lines, long lists folded into ``<details>``, and how to fix each rule.

Everything that comes from the scanned templates (names, messages, paths) is escaped:
a pull request controls those, and must not be able to inject markup, links or HTML
into the comment. The report stays under GitHub's comment size limit.
"""

from __future__ import annotations

import html
import re
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
    link_to,
    rules_by_id,
    shown,
)

if TYPE_CHECKING:
    from faasguard.engine import ScanResult

MAX_CHARS = 60_000
"""GitHub rejects comments over 65,536 characters; leave room for the footer."""
SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "
"""Between the app and the function in a group's heading."""
FOLD_AFTER = 10
"""Groups with more findings than this are folded into <details>."""

ICONS = {
    Severity.CRITICAL: "\N{LARGE RED CIRCLE}",
    Severity.HIGH: "\N{LARGE ORANGE CIRCLE}",
    Severity.MEDIUM: "\N{LARGE YELLOW CIRCLE}",
    Severity.LOW: "\N{LARGE BLUE CIRCLE}",
    Severity.INFO: "\N{MEDIUM WHITE CIRCLE}",
}
# Characters that start markup inside a table cell or heading; `<` and `>` are
# HTML-escaped first, and `@` is broken with a word joiner so a template cannot
# mention (notify) people from a comment.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def escape(text: str) -> str:
    """Plain text for a markdown table cell or heading: HTML and markup neutralised."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text).replace("@", "@\N{WORD JOINER}")
    return " ".join(text.split())  # newlines would end a table row


def _severity(severity: Severity) -> str:
    return f"{ICONS[severity]} {severity.value.capitalize()}"


def _row(finding: Finding, options: RenderOptions) -> str:
    loc = finding.location
    link = f"[{escape(str(loc))}]({link_to(options.link_base, loc.file, loc.line)})"
    message = escape(finding.message)
    if finding.suppressed:
        message += f" <br>*suppressed: {escape(finding.suppressed)}*"
    return f"| {_severity(finding.severity)} | `{finding.rule_id}` | {link} | {message} |"


def _table(findings: list[Finding], options: RenderOptions) -> list[str]:
    rows = ["| Severity | Rule | Location | Finding |", "|---|---|---|---|"]
    rows += [_row(f, options) for f in findings]
    if len(findings) > FOLD_AFTER:
        return ["<details>", f"<summary>{len(findings)} findings</summary>", "", *rows, "",
                "</details>"]
    return rows


def _summary(result: ScanResult, options: RenderOptions) -> list[str]:
    active = result.active
    tally = counts(active)
    lines = ["| Severity | Findings |", "|---|---:|"]
    lines += [f"| {_severity(s)} | {tally[s]} |" for s in SEVERITIES]
    notes = [f"**{len(active)} finding{'' if len(active) == 1 else 's'}** in "
             f"{result.files_scanned} file{'' if result.files_scanned == 1 else 's'} scanned"]
    if options.fail_on is not None:
        over = sum(1 for f in active if failing(f, options.fail_on))
        notes.append(f"{over} at or above *{options.fail_on.value}*")
    suppressed = len(result.findings) - len(active)
    if suppressed:
        notes.append(f"{suppressed} suppressed")
    if result.files_failed:
        notes.append(f"**{result.files_failed} file"
                     f"{'' if result.files_failed == 1 else 's'} could not be read**")
    return [*lines, "", ", ".join(notes) + "."]


def _fixes(findings: list[Finding]) -> list[str]:
    rules = rules_by_id()
    out = []
    for rule_id in sorted({f.rule_id for f in findings}):
        rule = rules.get(rule_id)
        if rule is None or not rule.docs.get("Fix"):
            continue
        summary = f"<summary><code>{rule.id}</code> {html.escape(rule.title)}</summary>"
        out += ["<details>", summary, "", rule.docs["Fix"], "", "</details>"]
    return ["### How to fix", "", *out] if out else []


def render(result: ScanResult, options: RenderOptions) -> str:
    findings = shown(result, options)
    out = ["## faasguard scan", "", *_summary(result, options), ""]
    errors = [d for d in result.diagnostics if d.level == "error"]
    if errors:
        out += ["<details>", f"<summary>{len(errors)} problem"
                f"{'' if len(errors) == 1 else 's'} reading files</summary>", ""]
        out += [f"- {escape(str(d.loc))}: {escape(d.message)}" for d in errors]
        out += ["", "</details>", ""]
    size = sum(len(line) + 1 for line in out)
    listed = 0
    blocks = [(app, group, items) for app, groups in grouped(findings, function_names(result))
              for group, items in groups]
    for app, group, items in blocks:
        block = [f"### {escape(app)}{SEPARATOR}{group.kind} {escape(group.label)}", "",
                 *_table(items, options), ""]
        block_size = sum(len(line) + 1 for line in block)
        if size + block_size > MAX_CHARS:
            break
        out += block
        size += block_size
        listed += len(items)
    if listed < len(findings):
        out += [f"*{len(findings) - listed} more findings are not listed here "
                "(comment size limit); see the full report.*", ""]
    fixes = _fixes(findings)
    if fixes and size + sum(len(line) + 1 for line in fixes) <= MAX_CHARS:
        out += [*fixes, ""]
    return "\n".join(out).rstrip("\n") + "\n"
