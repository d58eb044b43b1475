"""SARIF 2.1.0: valid against the official schema (vendored in tests/data, see its
ORIGIN.md), and carrying what code-scanning UIs use."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from faasguard.engine import ScanResult
from faasguard.formats import RenderOptions
from faasguard.formats.sarif import render

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_bytes())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _run(result: ScanResult, **options: Any) -> dict[str, Any]:
    log = json.loads(render(result, RenderOptions(**options)))
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    return log["runs"][0]  # type: ignore[no-any-return]


def test_vendored_schema_is_the_published_one() -> None:
    digest = hashlib.sha256(SCHEMA.read_bytes()).hexdigest()
    assert digest == "7402cdfd5bfbff98071b3358e573041b86adb7e1c6ec8743303f93715937c371"


def test_valid_against_official_schema(result: ScanResult,
                                       validator: jsonschema.Draft7Validator) -> None:
    log = json.loads(render(result, RenderOptions()))
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_empty_scan_is_valid(result: ScanResult, validator: jsonschema.Draft7Validator) -> None:
    result.findings, result.diagnostics, result.apps = [], [], []
    log = json.loads(render(result, RenderOptions()))
    validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_validator_catches_broken_logs(result: ScanResult,
                                       validator: jsonschema.Draft7Validator) -> None:
    log = json.loads(render(result, RenderOptions()))
    log["runs"][0]["results"][0]["level"] = "critical"  # not a SARIF level
    assert not validator.is_valid(log)


def test_driver_and_rules(result: ScanResult) -> None:
    run = _run(result)
    driver = run["tool"]["driver"]
    assert driver["name"] == "faasguard"
    assert driver["version"] == driver["semanticVersion"]
    assert driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    rule = rules["FG-TST-001"]
    assert rule["name"] == "WildcardActionInATestPolicy"
    assert rule["shortDescription"]["text"] == "Wildcard action in a test policy"
    assert rule["fullDescription"]["text"] == "Reports wildcards."
    assert "## Fix" in rule["help"]["markdown"] and "Fix" in rule["help"]["text"]
    assert "Name the actions the function calls." in rule["help"]["text"]
    assert rule["defaultConfiguration"]["level"] == "error"
    props = rule["properties"]
    assert {"external/cwe/cwe-732", "external/cwe/cwe-269", "security"} <= set(props["tags"])
    assert props["security-severity"] == "8.0"
    assert props["controls"] == ["A1"]
    # Rules outside the catalogue still get a descriptor, so every ruleIndex resolves.
    assert {"FG-ENC-900", "FG-API-900", "FG-LOG-900"} <= set(rules)
    assert "security-severity" not in rules["FG-LOG-900"]["properties"]  # info


def test_results(result: ScanResult) -> None:
    run = _run(result)
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(result.findings)
    for item in results:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
    first = next(r for r in results if r["ruleId"] == "FG-TST-001")
    assert first["level"] == "error"
    loc = first["locations"][0]
    assert loc["physicalLocation"] == {
        "artifactLocation": {"uri": "orders/template.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 52}}
    assert loc["logicalLocations"] == [{"name": "CreateOrder",
                                        "fullyQualifiedName": "orders/CreateOrder",
                                        "kind": "function",
                                        "decoratedName": "orders-prod-create"}]
    assert first["partialFingerprints"] == {"faasguard/v1": result.findings[0].fingerprint}
    assert first["properties"]["controls"] == ["A1"]
    assert first["properties"]["cwe"] == ["CWE-732", "CWE-269"]
    assert "\x1b" not in first["message"]["text"]
    bucket = next(r for r in results if r["ruleId"] == "FG-ENC-900")
    assert bucket["level"] == "warning"
    assert bucket["locations"][0]["logicalLocations"][0] == {
        "name": "DataBucket", "fullyQualifiedName": "orders/DataBucket", "kind": "resource"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///srv/project/"


def test_suppressions(result: ScanResult) -> None:
    results = {r["ruleId"]: r for r in _run(result)["results"]}
    assert results["FG-CFG-900"]["suppressions"] == [
        {"kind": "inSource", "status": "accepted",
         "justification": "batch export, runs for minutes"}]
    assert results["FG-LOG-900"]["suppressions"] == [
        {"kind": "external", "status": "accepted",
         "justification": "retention is set by the org"}]
    assert "suppressions" not in results["FG-ENC-900"]


def test_unreadable_files_are_notifications(result: ScanResult) -> None:
    invocation = _run(result)["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "warning"]
    assert notes[0]["message"]["text"] == "invalid UTF-8 at byte 17"
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "broken/template.yaml"


def test_uris_are_encoded(result: ScanResult, validator: jsonschema.Draft7Validator) -> None:
    import dataclasses

    from faasguard.model import Location

    result.findings[0] = dataclasses.replace(result.findings[0],
                                             location=Location("my app/t#1.yaml", 3))
    log = json.loads(render(result, RenderOptions()))
    validator.validate(log)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]]
    assert "my%20app/t%231.yaml" in uris
