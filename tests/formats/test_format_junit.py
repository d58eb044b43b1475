"""JUnit XML: well-formed, one suite per app, one testcase per (rule, subject)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from faasguard.engine import ScanResult
from faasguard.findings import Severity
from faasguard.formats import RenderOptions
from faasguard.formats.junit import render


def _parse(result: ScanResult, **options: object) -> ET.Element:
    return ET.fromstring(render(result, RenderOptions(**options)))  # type: ignore[arg-type]


def _suite(root: ET.Element, name: str) -> ET.Element:
    found = [s for s in root.iter("testsuite") if s.get("name") == name]
    assert len(found) == 1
    return found[0]


def test_structure(result: ScanResult) -> None:
    root = _parse(result)
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.iter("testsuite")] == ["billing", "orders", "faasguard"]
    orders = _suite(root, "orders")
    cases = orders.findall("testcase")
    assert sorted(c.get("classname") for c in cases) == [
        "orders.FG-API-900", "orders.FG-ENC-900", "orders.FG-TST-001"]
    role = next(c for c in cases if c.get("classname") == "orders.FG-TST-001")
    assert role.get("name") == "role CreateOrderRole"
    assert (role.get("file"), role.get("line")) == ("orders/template.yaml", "52")
    failure = role.find("failure")
    assert failure is not None
    assert failure.get("type") == "high"
    assert "fingerprint: " + result.findings[0].fingerprint in (failure.text or "")
    assert orders.get("tests") == "3" and orders.get("failures") == "3"


def test_counts_add_up(result: ScanResult) -> None:
    root = _parse(result)
    suites = list(root.iter("testsuite"))
    for attr in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(attr, "-1")) == sum(int(s.get(attr, "0")) for s in suites)
    for suite in suites:
        assert int(suite.get("tests", "-1")) == len(suite.findall("testcase"))
        assert int(suite.get("failures", "-1")) == len(suite.findall("testcase/failure"))


def test_below_fail_on_is_not_a_failure(result: ScanResult) -> None:
    root = _parse(result, fail_on=Severity.HIGH)
    bucket = next(c for c in root.iter("testcase") if c.get("classname") == "orders.FG-ENC-900")
    assert bucket.find("failure") is None
    out = bucket.find("system-out")
    assert out is not None and "Bucket DataBucket" in (out.text or "")
    assert not list(_parse(result, fail_on=None).iter("failure"))


def test_one_testcase_per_rule_and_subject(result: ScanResult) -> None:
    twin = dataclasses.replace(result.findings[0], detail="iam:*", message="Role allows iam:*.")
    result.findings.append(twin)
    root = _parse(result)
    role = [c for c in root.iter("testcase") if c.get("classname") == "orders.FG-TST-001"]
    assert len(role) == 1
    assert len(role[0].findall("failure")) == 2


def test_suppressed_are_skipped_when_shown(result: ScanResult) -> None:
    assert "FG-CFG-900" not in render(result, RenderOptions())
    root = _parse(result, show_suppressed=True)
    case = next(c for c in root.iter("testcase") if c.get("classname") == "orders.FG-CFG-900")
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "suppressed: inline: batch export, runs for minutes"


def test_unreadable_files_are_errors(result: ScanResult) -> None:
    suite = _suite(_parse(result), "faasguard")
    error = suite.find("testcase/error")
    assert error is not None
    assert error.get("message") == "broken/template.yaml:3: invalid UTF-8 at byte 17"


def test_clean_app_is_a_passing_suite(result: ScanResult) -> None:
    result.findings = [f for f in result.findings if f.app == "orders"]
    billing = _suite(_parse(result), "billing")
    assert billing.get("tests") == "1" and billing.get("failures") == "0"


def test_hostile_text_stays_well_formed(result: ScanResult) -> None:
    nasty = "a\x00b\x1bc <x/> & \"q\" ]]> \ud800 \uffff end"
    result.findings[0] = dataclasses.replace(result.findings[0], message=nasty)
    root = _parse(result)  # parses: no raw NUL, ESC, surrogate or U+FFFF survive
    failure = next(c for c in root.iter("testcase")
                   if c.get("classname") == "orders.FG-TST-001").find("failure")
    assert failure is not None
    assert '<x/> & "q" ]]>' in (failure.get("message") or "")
