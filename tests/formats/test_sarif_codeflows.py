"""SARIF ``codeFlows`` for data-flow findings: the steps from the event to the sink."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema

from faasguard.findings import Finding, Severity, Subject
from faasguard.formats import RenderOptions
from faasguard.formats.sarif import render
from faasguard.model import Location

from .conftest import make_result

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
FLOW = [
    {"file": "src/app.py", "line": 8, "note": "event['body'] read"},
    {"file": "src/app.py", "line": 9, "note": "passed to convert()"},
    {"file": "src/helpers.py", "line": 6, "note": "reaches os.system()"},
]


def _flow_finding(flow: object) -> Finding:
    return Finding("FG-INJ-001", "Event data reaches a shell or process command",
                   Severity.CRITICAL, "Api: event data reaches os.system()",
                   Location("src/helpers.py", 6), Subject("function", "Api", None, "Api"),
                   "orders", ("D1",), (78,), "src/helpers.py:6",
                   {"flow": flow, "source": "event['body']"})


def _render(*findings: Finding) -> dict[str, object]:
    result = make_result()
    result.findings = [*result.findings, *findings]
    log: dict[str, object] = json.loads(render(result, RenderOptions()))
    return log


def test_flow_becomes_a_thread_flow_and_validates() -> None:
    log = _render(_flow_finding(FLOW))
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_bytes()))
    errors = list(validator.iter_errors(log))
    assert not errors, errors[:3]
    results = log["runs"][0]["results"]  # type: ignore[index]
    flowed = [r for r in results if r["ruleId"] == "FG-INJ-001"]
    assert len(flowed) == 1
    locations = flowed[0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [loc["location"]["physicalLocation"]["artifactLocation"]["uri"]
            for loc in locations] == ["src/app.py", "src/app.py", "src/helpers.py"]
    assert [loc["location"]["physicalLocation"]["region"]["startLine"]
            for loc in locations] == [8, 9, 6]
    assert locations[-1]["location"]["message"]["text"] == "reaches os.system()"
    assert [loc["executionOrder"] for loc in locations] == [1, 2, 3]


def test_findings_without_a_flow_have_no_code_flows() -> None:
    broken = _flow_finding("not a list")
    log = _render(broken, replace(_flow_finding([{"line": 3}]), detail="other"))
    results = log["runs"][0]["results"]  # type: ignore[index]
    assert all("codeFlows" not in r for r in results)
