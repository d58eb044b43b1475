"""SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps, IDE viewers).

Conventions followed:
- every rule is a ``reportingDescriptor`` with its documentation as help, CWE as
  ``external/cwe/cwe-NNN`` tags and ``security-severity`` on GitHub's 0-10 scale;
- a result names the function or resource in ``logicalLocations``
  (``fullyQualifiedName`` = ``app/function``), carries the finding's fingerprint in
  ``partialFingerprints`` so alerts track across line moves, and its controls and CWE
  in ``properties``;
- suppressed findings stay in the log with ``suppressions`` (``inSource`` for an
  inline comment, ``external`` for the config file), as the spec intends;
- files that could not be read become ``toolExecutionNotifications``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from faasguard.findings import Finding, Severity
from faasguard.formats import (
    INFORMATION_URI,
    TOOL_NAME,
    RenderOptions,
    clean,
    function_names,
    rules_by_id,
)
from faasguard.formats.jsontext import dumps_indented
from faasguard.model import Location

if TYPE_CHECKING:
    from faasguard.engine import ScanResult
    from faasguard.model import Diagnostic
    from faasguard.rules import Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "faasguard/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub maps security-severity to critical (9.0+), high (7.0-8.9), medium (4.0-6.9)
# and low (0.1-3.9). Info has none, so it shows as a plain note.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
DIAGNOSTIC_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _tags(category: str | None, controls: tuple[str, ...], cwe: tuple[int, ...]) -> list[str]:
    tags = ["security", *([category] if category else []),
            *(f"external/cwe/cwe-{n}" for n in cwe), *(f"control/{c}" for c in controls)]
    return list(dict.fromkeys(tags))  # SARIF tags are a set: no duplicates


def _properties(severity: Severity, tags: list[str]) -> dict[str, Any]:
    props: dict[str, Any] = {"tags": tags}
    if severity in SECURITY_SEVERITY:
        props["security-severity"] = SECURITY_SEVERITY[severity]
    return props


def _camel(title: str) -> str:
    """SARIF's ``name`` is an identifier-like word: "Function URL without auth" ->
    "FunctionURLWithoutAuth"."""
    return "".join(w[0].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title))


def _descriptor(rule: Rule) -> dict[str, Any]:
    from faasguard.ruledocs import rule_markdown, rule_text

    return {
        "id": rule.id,
        "name": _camel(rule.title) or rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.summary or rule.title},
        "help": {"text": rule_text(rule), "markdown": rule_markdown(rule, heading=False)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {**_properties(rule.severity, _tags(rule.category, rule.controls,
                                                          rule.cwe)),
                       "controls": list(rule.controls),
                       "cwe": [f"CWE-{n}" for n in rule.cwe]},
    }


def _descriptor_from_finding(finding: Finding) -> dict[str, Any]:
    """For a finding whose rule is not in the catalogue (a plugin, or a test)."""
    return {
        "id": finding.rule_id,
        "shortDescription": {"text": finding.title},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {**_properties(finding.severity, _tags(None, finding.controls,
                                                             finding.cwe)),
                       "controls": list(finding.controls),
                       "cwe": [f"CWE-{n}" for n in finding.cwe]},
    }


def _artifact(file: str) -> dict[str, Any]:
    path = PurePosixPath(file)
    if path.is_absolute():  # outside the scan root: no base to be relative to
        return {"uri": "file://" + quote(file)}
    return {"uri": quote(file), "uriBaseId": SRCROOT}


def _physical(loc: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(loc.file)}
    if loc.line:
        physical["region"] = {"startLine": loc.line}
    return physical


def _logical(finding: Finding, names: dict[tuple[str, str], str]) -> dict[str, Any]:
    subject = finding.subject
    if subject.function:
        name = subject.function
        kind = "function"
        deployed = names.get((finding.app, name))
    else:
        name = subject.label
        kind = "resource"
        deployed = None
    logical = {"name": clean(name), "fullyQualifiedName": clean(f"{finding.app}/{name}"),
               "kind": kind}
    if deployed and deployed != name:
        logical["decoratedName"] = clean(deployed)
    return logical


def _suppression(reason: str) -> dict[str, Any]:
    from faasguard.suppress import justification, suppression_kind

    return {"kind": suppression_kind(reason), "status": "accepted",
            "justification": clean(justification(reason))}


def _result(finding: Finding, index: int, names: dict[tuple[str, str], str],
            ) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": clean(finding.message)},
        "locations": [{"physicalLocation": _physical(finding.location),
                       "logicalLocations": [_logical(finding, names)]}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "controls": list(finding.controls),
            "cwe": [f"CWE-{n}" for n in finding.cwe],
            "app": clean(finding.app),
            "subject": {"kind": finding.subject.kind, "id": clean(finding.subject.id)},
        },
    }
    if finding.severity in SECURITY_SEVERITY:
        result["properties"]["security-severity"] = SECURITY_SEVERITY[finding.severity]
    if finding.suppressed:
        result["suppressions"] = [_suppression(finding.suppressed)]
    flows = _code_flows(finding)
    if flows:
        result["codeFlows"] = flows
    return result


def _code_flows(finding: Finding) -> list[dict[str, Any]]:
    """A data-flow finding's steps (``evidence["flow"]``: source first, sink last) as one
    SARIF thread flow, so viewers can walk from the event to the sink."""
    steps = finding.evidence.get("flow")
    if not isinstance(steps, list | tuple) or not steps:
        return []
    locations: list[dict[str, Any]] = []
    for order, step in enumerate(steps, 1):
        if not isinstance(step, dict) or not isinstance(step.get("file"), str):
            continue
        line = step.get("line")
        loc = Location(step["file"], line if isinstance(line, int) and line > 0 else None)
        locations.append({
            "location": {"physicalLocation": _physical(loc),
                         "message": {"text": clean(str(step.get("note", "")))}},
            "executionOrder": order,
        })
    if not locations:
        return []
    return [{"message": {"text": clean(finding.message)},
             "threadFlows": [{"locations": locations}]}]


def _notification(diag: Diagnostic) -> dict[str, Any]:
    return {"level": DIAGNOSTIC_LEVELS.get(diag.level, "note"),
            "message": {"text": clean(diag.message)},
            "locations": [{"physicalLocation": _physical(diag.loc)}]}


def document(result: ScanResult, options: RenderOptions) -> dict[str, Any]:
    from faasguard.meta import __version__

    catalogue = rules_by_id()
    descriptors: list[dict[str, Any]] = [_descriptor(r) for r in catalogue.values()]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    for finding in result.findings:
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append(_descriptor_from_finding(finding))
    names = function_names(result)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": descriptors,
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": result.root.absolute().as_uri().rstrip("/") + "/"}},
        "invocations": [{
            "executionSuccessful": not any(d.level == "error" for d in result.diagnostics),
            "toolExecutionNotifications": [_notification(d) for d in result.diagnostics
                                           if d.level in ("error", "warning")],
        }],
        "results": [_result(f, index[f.rule_id], names) for f in result.findings],
        "columnKind": "unicodeCodePoints",
        "properties": {"filesScanned": result.files_scanned,
                       "filesFailed": result.files_failed},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, options: RenderOptions) -> str:
    return dumps_indented(document(result, options)) + "\n"
