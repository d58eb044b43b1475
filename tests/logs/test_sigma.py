"""Sigma rules for CloudTrail: conversion semantics on a small store, rules written in
the Sigma format (tests/fixtures/logs/detections/sigma/), correlations that keep their
window, and rules refused with a reason."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from faasguard.logs import ingest
from faasguard.logs.detections import load
from faasguard.logs.detections.engine import run
from faasguard.logs.detections.model import RuleError
from faasguard.logs.detections.sigma import convert, convert_all

DETECTIONS = Path(__file__).resolve().parents[1] / "fixtures" / "logs" / "detections"
SIGMA = DETECTIONS / "sigma"
EVER = (datetime(2000, 1, 1), datetime(2100, 1, 1))
LOGSOURCE = {"product": "aws", "service": "cloudtrail"}


@pytest.fixture(scope="module")
def semantics(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    db = tmp_path_factory.mktemp("sem") / "store.duckdb"
    assert ingest([str(DETECTIONS / "semantics.json")], db).events == 3
    return duckdb.connect(str(db))


@pytest.fixture(scope="module")
def builtin_store(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    db = tmp_path_factory.mktemp("all") / "store.duckdb"
    report = ingest([str(DETECTIONS / "builtin")], db)
    assert not report.failed and not report.quarantined
    return duckdb.connect(str(db))


def matches(db: duckdb.DuckDBPyConnection, detection: dict[str, Any],
            condition: str = "sel") -> set[str]:
    rule = convert({"title": "t", "id": "t", "logsource": LOGSOURCE,
                    "detection": {**detection, "condition": condition}})
    result = run(db, [rule], *EVER)
    assert result.failures == ()
    return {e for d in result.detections for e in d.event_ids}


@pytest.mark.parametrize(("selection", "expected"), [
    # case-insensitive by default; eventName is the name as logged (versioned for Lambda)
    ({"eventName": "updatefunctionconfiguration20150331V2"}, {"s1"}),
    ({"eventName": "UpdateFunctionConfiguration"}, set()),
    ({"eventName|cased": "updatefunction*"}, set()),
    ({"eventName|cased": "UpdateFunction*"}, {"s1"}),
    ({"eventName": ["ConsoleLogin", "GetFunction*"]}, {"s2", "s3"}),
    # a list in the record matches when any element does; |all needs every value
    ({"requestParameters.layers|endswith": ":evil:2"}, {"s1"}),
    ({"requestParameters.layers|contains|all": ["shared", "evil"]}, {"s1"}),
    ({"requestParameters.layers|contains|all": ["shared", "absent"]}, set()),
    ({"resources.ARN|contains": "function:orders-prod"}, {"s1"}),
    # null: missing or JSON null; |exists
    ({"errorCode": None}, {"s1", "s3"}),
    ({"errorCode|exists": True}, {"s2"}),
    ({"requestParameters.environment.variables": None}, {"s1", "s2", "s3"}),
    ({"requestParameters|exists": False}, {"s3"}),
    # wildcards, and their escapes; SQL's own % and _ are plain characters
    ({"userAgent": "*literal\\*star*"}, {"s3"}),
    ({"userAgent": "*literal\\*s?ar*"}, {"s3"}),
    ({"userAgent": "*literal\\*\\?tar*"}, set()),
    ({"userAgent|endswith": "100%_sure"}, {"s3"}),
    ({"userAgent|endswith": "100__sure"}, set()),
    ({"userAgent": "mozilla"}, set()),
    ({"userAgent": ["*'*", "*';--*"]}, set()),  # quotes stay inside the literal
    # regular expressions: a search, case-sensitive unless |i
    ({"userAgent|re": "^Mozilla/\\d"}, {"s3"}),
    ({"userAgent|re": "^mozilla"}, set()),
    ({"userAgent|re|i": "^mozilla"}, {"s3"}),
    # numbers, booleans, nested fields, mapped columns
    ({"requestParameters.memorySize|gte": 1024}, {"s1"}),
    ({"requestParameters.memorySize|gt": 1024}, set()),
    ({"readOnly": True}, {"s2"}),
    ({"userIdentity.sessionContext.sessionIssuer.userName": "ci-deploy"}, {"s2"}),
    ({"additionalEventData.MFAUsed": "no", "responseElements.ConsoleLogin": "Success"},
     {"s3"}),
    ({"userIdentity.type": "IAMUser", "awsRegion": "us-east-1"}, {"s3"}),
])
def test_field_matching(semantics: duckdb.DuckDBPyConnection, selection: dict[str, Any],
                        expected: set[str]) -> None:
    assert matches(semantics, {"sel": selection}) == expected


def test_list_of_maps_is_or(semantics: duckdb.DuckDBPyConnection) -> None:
    assert matches(semantics, {"sel": [{"eventName": "ConsoleLogin"},
                                       {"errorCode": "AccessDeniedException"}]}) == {"s2", "s3"}


def test_keywords_search_the_record(semantics: duckdb.DuckDBPyConnection) -> None:
    assert matches(semantics, {"sel": ["layer:evil"]}) == {"s1"}
    assert matches(semantics, {"sel": ["ci-deploy", "MFAUsed"]}) == {"s2", "s3"}
    assert matches(semantics, {"sel": ["no such text"]}) == set()


@pytest.mark.parametrize(("condition", "expected"), [
    ("not sel_login", {"s1", "s2"}),
    ("sel_login or sel_denied", {"s2", "s3"}),
    ("sel_login and sel_denied", set()),
    ("(sel_login or sel_denied) and not sel_ci", {"s3"}),
    ("1 of sel_*", {"s2", "s3"}),
    ("any of sel_*", {"s2", "s3"}),
    ("all of sel_*", set()),
    ("all of sel_d* and sel_ci", {"s2"}),
    ("1 of them", {"s2", "s3"}),  # _s1 starts with "_": not part of "them"
    ("not 1 of them", {"s1"}),
    ("_s1 or NOT (sel_login OR sel_denied)", {"s1"}),
])
def test_conditions(semantics: duckdb.DuckDBPyConnection, condition: str,
                    expected: set[str]) -> None:
    detection = {"sel_login": {"eventName": "ConsoleLogin"},
                 "sel_denied": {"errorCode|contains": "Denied"},
                 "sel_ci": {"userIdentity.arn|contains": "ci-deploy"},
                 "_s1": {"eventID": "s1"}}
    assert matches(semantics, detection, condition) == expected


def test_rules_in_sigma_format_find_the_attacks(
        builtin_store: duckdb.DuckDBPyConnection) -> None:
    catalogue = load([SIGMA / "lambda_function_url_public.yml",
                      SIGMA / "cloudtrail_tampering.yml", SIGMA / "access_denied_count.yml",
                      SIGMA / "denied_correlations.yml"], builtin=False)
    assert catalogue.refused == ()
    by_title = {r.title: r for r in catalogue.rules}
    # the counted rule is not run on its own (its correlations do not say generate)
    assert sorted(by_title) == [
        "CloudTrail Trail Stopped, Deleted or Made Single-Region",
        "Lambda Function URL Without Authentication", "Many Denied Calls From One Identity",
        "One Identity Denied On Many Functions", "Repeated Access Denied For One Identity"]

    def found(title: str) -> list[tuple[str, ...]]:
        result = run(builtin_store, [by_title[title]], *EVER)
        assert result.failures == ()
        return [d.event_ids for d in result.detections]

    assert found("Lambda Function URL Without Authentication") == [
        ("hit-created-none",), ("hit-updated-none",)]
    assert found("CloudTrail Trail Stopped, Deleted or Made Single-Region") == [
        ("hit-single-region",), ("hit-stop",), ("hit-delete",)]
    burst = tuple(f"hit-mallory-{i:02d}" for i in range(10))
    for title in ("Repeated Access Denied For One Identity",
                  "Many Denied Calls From One Identity", "One Identity Denied On Many Functions"):
        assert found(title) == [burst], title
    rule = by_title["One Identity Denied On Many Functions"]
    assert rule.severity.value == "high" and rule.aggregate is not None
    assert rule.aggregate.span is not None and rule.aggregate.span.total_seconds() == 600


def test_correlation_keeps_its_window(builtin_store: duckdb.DuckDBPyConnection) -> None:
    """The same ten denied calls over two hours (carol) never fill a 10-minute window;
    they do fill a 3-hour one."""
    base = {"title": "Denied", "name": "denied", "id": "b", "logsource": LOGSOURCE,
            "detection": {"sel": {"errorCode": "AccessDenied", "eventSource": "s3*"},
                          "condition": "sel"}}

    def count(span: str) -> list[int]:
        corr = {"title": "Many", "id": "c", "correlation": {
            "type": "event_count", "rules": ["denied"], "group-by": ["userIdentity.arn"],
            "timespan": span, "condition": {"gte": 10}}}
        rules, refused = convert_all([("t", base), ("t", corr)])
        assert refused == [] and len(rules) == 1
        return [d.count for d in run(builtin_store, rules, *EVER).detections]

    assert count("10m") == []
    assert count("2h") == []  # the first and last are 2h15m apart
    assert count("3h") == [10]


def test_count_by_without_timeframe_counts_the_whole_run(
        builtin_store: duckdb.DuckDBPyConnection) -> None:
    rule = convert({"title": "t", "id": "t", "logsource": LOGSOURCE, "detection": {
        "sel": {"errorCode": "AccessDenied", "eventSource": "s3*"},
        "condition": "sel | count() by userIdentity.arn >= 10"}})
    found = run(builtin_store, [rule], *EVER).detections
    assert [(d.group, d.count) for d in found] == [
        ((("userIdentity.arn", "arn:aws:iam::123456789012:user/carol"),), 10)]


@pytest.mark.parametrize(("name", "reason"), [
    ("windows.yml", "not product: aws, service: cloudtrail"),
    ("cidr.yml", "|cidr"),
    ("fewer.yml", "only > and >= are converted"),
    ("lookahead.yml", "look-arounds and back-references"),
    ("unknown_field.yml", "tlsDetails.tlsVersion is not stored"),
    ("near.yml", "aggregation `near b` is not converted"),
    ("global.yml", "rule collections"),
    ("temporal.yml", "correlation type 'temporal' is not converted"),
])
def test_refused_with_reason(name: str, reason: str) -> None:
    catalogue = load([SIGMA / "refused" / name], builtin=False)
    assert reason in " ".join(r.reason for r in catalogue.refused)
    if name != "temporal.yml":
        assert catalogue.rules == ()


@pytest.mark.parametrize(("detection", "reason"), [
    ({"sel": {"eventName": "x"}, "condition": "sel and"}, "ends too early"),
    ({"sel": {"eventName": "x"}, "condition": "(sel sel)"}, "unbalanced"),
    ({"sel": {"eventName": "x"}, "condition": "sel or other"}, "does not define"),
    ({"sel": {"eventName": "x"}, "condition": "2 of sel"}, "'2 of' is not Sigma"),
    ({"sel": {"eventName": {"a": 1}}, "condition": "sel"}, "nested map"),
    ({"sel": {"eventName|base64": "x"}, "condition": "sel"}, "|base64"),
    ({"sel": {"eventName|i": "x"}, "condition": "sel"}, "apply only to |re"),
    ({"sel": {"eventName|re": "("}, "condition": "sel"}, "invalid regular expression"),
    ({"sel": {"requestParameters": "x"}, "condition": "sel"}, "whole JSON object"),
    ({"sel": {"eventName": "x"}, "condition": "sel | count() by eventName > 1",
      "timeframe": "1M"}, "not a time span"),
])
def test_conversion_errors(detection: dict[str, Any], reason: str) -> None:
    with pytest.raises(RuleError, match=re.escape(reason)):
        convert({"title": "t", "id": "t", "logsource": LOGSOURCE, "detection": detection})


def test_filters_and_unknown_correlation_attributes_are_refused() -> None:
    sigma_filter = {"title": "F", "logsource": LOGSOURCE,
                    "filter": {"rules": ["x"], "selection": {"eventName": "y"},
                               "condition": "not selection"}}
    base = {"title": "B", "name": "b", "logsource": LOGSOURCE,
            "detection": {"sel": {"eventName": "x"}, "condition": "sel"}}
    corr = {"title": "C", "correlation": {"type": "event_count", "rules": ["b"],
                                          "timespan": "5m", "gap": "1m",
                                          "condition": {"gte": 2}}}
    rules, refused = convert_all([("f", sigma_filter), ("f", base), ("f", corr)])
    assert rules == []
    assert sorted(r.reason for r in refused) == [
        "Sigma filters (a filter without a detection) are not converted",
        "correlation attribute 'gap' is not converted"]


def test_correlation_of_unknown_or_refused_rule() -> None:
    refused_base = {"title": "B", "name": "b", "logsource": LOGSOURCE,
                    "detection": {"sel": {"sourceIPAddress|cidr": "10.0.0.0/8"},
                                  "condition": "sel"}}
    corr = {"title": "C", "correlation": {"type": "event_count", "rules": ["b", "zzz"],
                                          "timespan": "5m", "condition": {"gte": 2}}}
    rules, refused = convert_all([("f", refused_base), ("f", corr)])
    assert rules == []
    assert [r.title for r in refused] == ["C", "B"]
    assert "correlated rule 'b' was refused" in refused[0].reason
