"""The JSON report matches its documented schema (docs/json-schema.md) and content."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from faasguard.engine import ScanResult
from faasguard.findings import Severity
from faasguard.formats import RenderOptions
from faasguard.formats.json import SCHEMA_VERSION, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "json-schema.md"


def _blocks(section: str) -> list[Any]:
    text = DOC.read_text(encoding="utf-8")
    part = text[text.index(section):]
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", part, re.S)]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    found = _blocks("## JSON Schema")
    assert len(found) == 1
    jsonschema.Draft202012Validator.check_schema(found[0])
    return found[0]  # type: ignore[no-any-return]


def test_output_matches_documented_schema(result: ScanResult, schema: dict[str, Any]) -> None:
    for options in (RenderOptions(), RenderOptions(fail_on=None, show_suppressed=True)):
        data = json.loads(render(result, options))
        jsonschema.Draft202012Validator(schema).validate(data)


def test_documented_example_matches_schema(schema: dict[str, Any]) -> None:
    example = _blocks("## Example")[0]
    jsonschema.Draft202012Validator(schema).validate(example)


def test_schema_rejects_what_it_should(result: ScanResult, schema: dict[str, Any]) -> None:
    # The schema is strict enough to catch drift, e.g. a renamed field.
    data = json.loads(render(result, RenderOptions()))
    data["findings"][0]["rule"] = data["findings"][0].pop("rule_id")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(data)


def test_version_documented() -> None:
    assert f"Schema version **{SCHEMA_VERSION}**" in DOC.read_text(encoding="utf-8")


def test_content(result: ScanResult) -> None:
    data = json.loads(render(result, RenderOptions(fail_on=Severity.HIGH)))
    assert data["schema_version"] == "1.0"
    assert data["tool"]["name"] == "faasguard"
    assert data["scan"] == {"root": "/srv/project", "files_scanned": 3, "files_failed": 1,
                            "seconds": 0.25, "fail_on": "high"}
    assert data["summary"] == {"findings": 4, "suppressed": 2, "failing": 3,
                               "by_severity": {"critical": 1, "high": 2, "medium": 1,
                                               "low": 0, "info": 0}}
    orders = next(a for a in data["apps"] if a["name"] == "orders")
    assert (orders["functions"], orders["roles"], orders["apis"], orders["routes"]) == (2, 1, 1, 1)
    assert orders["region"] == "eu-west-1"
    by_rule = {f["rule_id"]: f for f in data["findings"]}
    assert len(by_rule) == 6  # suppressed findings are always carried, marked
    role = by_rule["FG-TST-001"]
    assert role["cwe"] == ["CWE-732", "CWE-269"]
    assert role["controls"] == ["A1"]
    assert role["subject"] == {"kind": "role", "id": "CreateOrderRole", "name": None,
                               "function": "CreateOrder"}
    assert role["location"] == {"file": "orders/template.yaml", "line": 52}
    assert role["evidence"] == {"action": "s3:*", "refs": ["a", 1]}
    assert role["fingerprint"] == result.findings[0].fingerprint
    assert role["failing"] is True
    assert by_rule["FG-ENC-900"]["failing"] is False  # medium, below --fail-on high
    assert by_rule["FG-CFG-900"]["suppressed"] == "inline: batch export, runs for minutes"
    assert by_rule["FG-CFG-900"]["failing"] is False
    assert [d["level"] for d in data["diagnostics"]] == ["error", "warning", "info"]


def test_control_characters_are_neutralised(result: ScanResult) -> None:
    out = render(result, RenderOptions())
    assert "\x1b" not in json.loads(out)["findings"][0]["message"]
