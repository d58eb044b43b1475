"""JUnit XML, for CI systems that show test reports.

One ``testsuite`` per app and one ``testcase`` per (rule, subject). A finding at or
above ``--fail-on`` is a ``failure``; findings below it are listed in the testcase's
``system-out`` without failing it, so the report agrees with the exit code. Files that
could not be read are ``error`` testcases in a ``faasguard`` suite. With
``show_suppressed``, a testcase whose findings are all suppressed is ``skipped``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from faasguard.findings import Finding
from faasguard.formats import RenderOptions, clean, failing, order, shown

if TYPE_CHECKING:
    from faasguard.engine import ScanResult
    from faasguard.model import Diagnostic

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", clean(text))


def _details(finding: Finding) -> str:
    lines = [
        f"{finding.severity.value.upper()} {finding.rule_id}: {finding.title}",
        f"at {finding.location}",
        finding.message,
    ]
    if finding.controls:
        lines.append(f"controls: {', '.join(finding.controls)}")
    if finding.cwe:
        lines.append(f"cwe: {', '.join(f'CWE-{n}' for n in finding.cwe)}")
    if finding.suppressed:
        lines.append(f"suppressed: {finding.suppressed}")
    lines.append(f"fingerprint: {finding.fingerprint}")
    return _x("\n".join(lines))


def _testcase(suite: ET.Element, app: str, rule_id: str, findings: list[Finding],
              options: RenderOptions) -> tuple[int, int]:
    """Add one testcase; returns (failures, skipped) added."""
    first = findings[0]
    case = ET.SubElement(suite, "testcase", {
        "classname": _x(f"{app}.{rule_id}"),
        "name": _x(f"{first.subject.kind} {first.subject.label}"),
        "file": _x(first.location.file),
        "time": "0",
    })
    if first.location.line:
        case.set("line", str(first.location.line))
    failures = [f for f in findings if failing(f, options.fail_on)]
    others = [f for f in findings if f not in failures]
    for finding in failures:
        element = ET.SubElement(case, "failure", {
            "message": _x(f"{finding.location}: {finding.message}"),
            "type": finding.severity.value,
        })
        element.text = _details(finding)
    if not failures and others and all(f.suppressed for f in others):
        ET.SubElement(case, "skipped", {"message": _x(f"suppressed: {others[0].suppressed}")})
        return 0, 1
    if others:
        ET.SubElement(case, "system-out").text = "\n\n".join(_details(f) for f in others)
    return len(failures), 0


def _error_case(suite: ET.Element, diag: Diagnostic) -> None:
    case = ET.SubElement(suite, "testcase", {"classname": "faasguard.read",
                                             "name": _x(diag.loc.file), "time": "0"})
    ET.SubElement(case, "error", {"message": _x(f"{diag.loc}: {diag.message}"),
                                  "type": "unreadable"}).text = _x(diag.message)


def render(result: ScanResult, options: RenderOptions) -> str:
    root = ET.Element("testsuites", {"name": "faasguard", "time": f"{result.seconds:.3f}"})
    by_app: dict[str, dict[tuple[str, str, str], list[Finding]]] = {
        app.name: {} for app in result.apps}
    for finding in order(shown(result, options)):
        key = (finding.rule_id, finding.subject.kind, finding.subject.id)
        by_app.setdefault(finding.app, {}).setdefault(key, []).append(finding)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for app in sorted(by_app):
        suite = ET.SubElement(root, "testsuite", {"name": _x(app), "time": "0"})
        cases = by_app[app]
        failures = skipped = 0
        for (rule_id, _kind, _id), findings in sorted(cases.items()):
            added = _testcase(suite, app, rule_id, findings, options)
            failures += added[0]
            skipped += added[1]
        if not cases:  # a clean app still shows up as a passing suite
            ET.SubElement(suite, "testcase", {"classname": _x(f"{app}.scan"),
                                              "name": "no findings", "time": "0"})
        tests = max(len(cases), 1)
        suite.attrib.update(tests=str(tests), failures=str(failures), errors="0",
                            skipped=str(skipped))
        totals["tests"] += tests
        totals["failures"] += failures
        totals["skipped"] += skipped
    errors = [d for d in result.diagnostics if d.level == "error"]
    if errors:
        suite = ET.SubElement(root, "testsuite", {"name": "faasguard", "time": "0",
                                                  "tests": str(len(errors)), "failures": "0",
                                                  "errors": str(len(errors)), "skipped": "0"})
        for diag in errors:
            _error_case(suite, diag)
        totals["tests"] += len(errors)
        totals["errors"] += len(errors)
    root.attrib.update({k: str(v) for k, v in totals.items()})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
