"""The JSON report, schema version 1.0, documented in docs/json-schema.md.

Versioning: a new optional field keeps the major version and bumps the minor one;
removing or changing the meaning of a field bumps the major version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faasguard.findings import Finding
from faasguard.formats import (
    INFORMATION_URI,
    SEVERITIES,
    TOOL_NAME,
    RenderOptions,
    clean,
    counts,
    failing,
    plain,
)
from faasguard.formats.jsontext import dumps_indented

if TYPE_CHECKING:
    from faasguard.engine import ScanResult
    from faasguard.model import App, Diagnostic, Location

SCHEMA_VERSION = "1.0"


def _location(loc: Location) -> dict[str, Any]:
    return {"file": loc.file, "line": loc.line}


def _finding(finding: Finding, options: RenderOptions) -> dict[str, Any]:
    subject = finding.subject
    return {
        "rule_id": finding.rule_id,
        "title": finding.title,
        "severity": finding.severity.value,
        "controls": list(finding.controls),
        "cwe": [f"CWE-{n}" for n in finding.cwe],
        "message": clean(finding.message),
        "location": _location(finding.location),
        "subject": {"kind": subject.kind, "id": clean(subject.id),
                    "name": clean(subject.name) if subject.name else None,
                    "function": clean(subject.function) if subject.function else None},
        "app": clean(finding.app),
        "fingerprint": finding.fingerprint,
        "detail": clean(finding.detail),
        "evidence": plain(finding.evidence),
        "suppressed": clean(finding.suppressed) if finding.suppressed else None,
        "failing": failing(finding, options.fail_on),
    }


def _app(app: App) -> dict[str, Any]:
    region = app.region if isinstance(app.region, str) else None
    return {
        "name": clean(app.name),
        "format": app.format,
        "provider": app.provider,
        "region": region,
        "source": _location(app.source),
        "functions": len(app.functions),
        "roles": len(app.roles),
        "apis": len(app.apis),
        "routes": sum(len(api.routes) for api in app.apis.values()),
        "resources": len(app.resources),
    }


def _diagnostic(diag: Diagnostic) -> dict[str, Any]:
    return {"level": diag.level, "message": clean(diag.message),
            "location": _location(diag.loc)}


def document(result: ScanResult, options: RenderOptions) -> dict[str, Any]:
    """The report as JSON data (what ``render`` serialises)."""
    from faasguard.meta import __version__

    active = result.active
    tally = counts(active)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__, "information_uri": INFORMATION_URI},
        "scan": {
            "root": str(result.root),
            "files_scanned": result.files_scanned,
            "files_failed": result.files_failed,
            "seconds": round(result.seconds, 3),
            "fail_on": options.fail_on.value if options.fail_on else None,
        },
        "summary": {
            "findings": len(active),
            "suppressed": len(result.findings) - len(active),
            "failing": sum(1 for f in active if failing(f, options.fail_on)),
            "by_severity": {s.value: tally[s] for s in SEVERITIES},
        },
        "apps": [_app(app) for app in result.apps],
        "findings": [_finding(f, options) for f in result.findings],
        "diagnostics": [_diagnostic(d) for d in result.diagnostics],
    }


def render(result: ScanResult, options: RenderOptions) -> str:
    return dumps_indented(document(result, options)) + "\n"
