"""Built-in detection rules: each fires on exactly the ``hit-*`` records of its CloudTrail
fixture (tests/fixtures/logs/detections/builtin/<RULE-ID>.json) and on none of the
``miss-*`` near misses; the rule files themselves; the engine's windows."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from faasguard.logs import ingest
from faasguard.logs.detections import load
from faasguard.logs.detections.engine import run
from faasguard.logs.detections.loader import builtin_files, rule_from_mapping
from faasguard.logs.detections.model import RuleError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "logs" / "detections" / "builtin"
REQUIREMENTS = ROOT.parent / "shared" / "REQUIREMENTS.md"
EVER = (datetime(2000, 1, 1), datetime(2100, 1, 1))
BUILTIN = {rule.id: rule for rule in load().rules}


def store_of(tmp_path: Path, *files: Path) -> duckdb.DuckDBPyConnection:
    db = tmp_path / "store.duckdb"
    report = ingest([str(f) for f in files], db)
    assert not report.failed and not report.quarantined
    return duckdb.connect(str(db))


def fixture_ids(path: Path) -> tuple[set[str], set[str]]:
    ids = [r["eventID"] for r in json.loads(path.read_text())["Records"]]
    return {i for i in ids if i.startswith("hit-")}, {i for i in ids if i.startswith("miss-")}


def test_every_builtin_rule_has_a_fixture_and_loads() -> None:
    assert load().refused == ()
    assert len(BUILTIN) == len(builtin_files()) == 11
    assert sorted(BUILTIN) == sorted(p.stem for p in FIXTURES.glob("*.json"))


@pytest.mark.parametrize("rule_id", sorted(BUILTIN))
def test_builtin_rule_fires_on_hits_only(rule_id: str, tmp_path: Path) -> None:
    fixture = FIXTURES / f"{rule_id}.json"
    hits, misses = fixture_ids(fixture)
    assert hits and misses, "a fixture needs positives and near-miss negatives"
    db = store_of(tmp_path, fixture)
    result = run(db, [BUILTIN[rule_id]], *EVER)
    assert result.failures == ()
    found = {e for d in result.detections for e in d.event_ids}
    assert found == hits
    assert all(d.rule_id == rule_id for d in result.detections)


@pytest.mark.skipif(not REQUIREMENTS.is_file(), reason="shared requirements not present")
def test_builtin_controls_exist() -> None:
    known = set(re.findall(r"^- \*\*([A-G]\d)\b", REQUIREMENTS.read_text(), re.M))
    for rule in BUILTIN.values():
        assert rule.controls[0] == "F4"
        assert set(rule.controls) <= known, rule.id


def test_new_principal_details(tmp_path: Path) -> None:
    db = store_of(tmp_path, FIXTURES / "FG-CT-LAMBDA-CHANGE-NEW-PRINCIPAL.json")
    rule = BUILTIN["FG-CT-LAMBDA-CHANGE-NEW-PRINCIPAL"]
    found = run(db, [rule], *EVER).detections
    first = found[0]
    assert first.event_ids == ("hit-new-principal",)
    assert dict(first.group) == {"function": "123456789012/eu-west-1/orders",
                                 "principal": "arn:aws:iam::123456789012:user/mallory"}
    assert first.details["baseline"] == "30d"
    # the baseline reaches back before `since`: the earlier changes still count
    late = run(db, [rule], datetime(2026, 11, 20), datetime(2026, 11, 22)).detections
    assert [d.event_ids for d in late] == [("hit-new-principal",), ("hit-by-arn",)]


def test_burst_is_one_detection_with_its_events(tmp_path: Path) -> None:
    db = store_of(tmp_path, FIXTURES / "FG-CT-ACCESS-DENIED-BURST.json")
    found = run(db, [BUILTIN["FG-CT-ACCESS-DENIED-BURST"]], *EVER).detections
    assert len(found) == 1
    burst = found[0]
    assert burst.count == 10
    assert burst.group == (("principal", "arn:aws:iam::123456789012:user/mallory"),)
    assert burst.first_seen == datetime(2026, 11, 20, 10, 0)
    assert burst.last_seen == datetime(2026, 11, 20, 10, 4, 30)
    assert burst.details["peak_in_window"] == 10


def test_since_until_bound_the_events(tmp_path: Path) -> None:
    db = store_of(tmp_path, FIXTURES / "FG-CT-TRAIL-STOPPED.json")
    rule = BUILTIN["FG-CT-TRAIL-STOPPED"]
    # until is exclusive, since inclusive
    found = run(db, [rule], datetime(2026, 11, 20, 10, 0), datetime(2026, 11, 20, 10, 5))
    assert [d.event_ids for d in found.detections] == [("hit-stop",)]
    # a window that cuts a burst short sees too few events
    other = tmp_path / "burst"
    other.mkdir()
    burst = store_of(other, FIXTURES / "FG-CT-ACCESS-DENIED-BURST.json")
    cut = run(burst, [BUILTIN["FG-CT-ACCESS-DENIED-BURST"]],
              datetime(2026, 11, 20, 10, 1), datetime(2026, 11, 21))
    assert cut.detections == ()


def test_a_failing_rule_is_reported_and_the_others_run(tmp_path: Path) -> None:
    db = store_of(tmp_path, FIXTURES / "FG-CT-TRAIL-STOPPED.json")
    broken = rule_from_mapping({"id": "X-BROKEN", "title": "t", "severity": "low",
                                "controls": ["F4"], "description": "d",
                                "where": "no_such_column = 1"}, "test")
    result = run(db, [broken, BUILTIN["FG-CT-TRAIL-STOPPED"]], *EVER)
    assert [f.rule_id for f in result.failures] == ["X-BROKEN"]
    assert len(result.detections) == 2


@pytest.mark.parametrize(("change", "message"), [
    ({"where": "1 = 1; DROP TABLE cloudtrail_events"}, "without `;`"),
    ({"severity": "urgent"}, "unknown severity"),
    ({"controls": []}, "controls"),
    ({"aggregate": {"count": 0}}, "positive integer"),
    ({"aggregate": {"count": 3, "window": "1 fortnight"}}, "not a time span"),
    ({"first_seen": {"key": {"k": "a"}}}, "key, value and baseline"),
    ({"extra": 1}, "unknown keys"),
])
def test_bad_rule_files_are_refused(change: dict[str, object], message: str) -> None:
    doc = {"id": "X-1", "title": "t", "severity": "low", "controls": ["F4"],
           "description": "d", "where": "true", **change}
    with pytest.raises(RuleError, match=message):
        rule_from_mapping(doc, "test.yaml")


def test_user_rule_directory_and_bad_files(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text(
        "id: MY-1\ntitle: Any StartLogging\nseverity: info\ncontrols: [F4]\n"
        "description: test\nwhere: event_name = 'StartLogging'\n")
    (rules / "broken.yml").write_text("id: [unclosed\n")
    (rules / "dupe.yaml").write_text(
        "id: FG-CT-ROOT-USED\ntitle: dupe\nseverity: low\ncontrols: [F4]\n"
        "description: d\nwhere: 'true'\n")
    (rules / "notes.txt").write_text("ignored")
    catalogue = load([rules])
    assert "MY-1" in {r.id for r in catalogue.rules}
    reasons = sorted(r.reason for r in catalogue.refused)
    assert len(reasons) == 2
    assert reasons[0].startswith("duplicate rule id FG-CT-ROOT-USED")
    assert reasons[1].startswith("not valid YAML (line 2)")
    db = store_of(tmp_path, FIXTURES / "FG-CT-TRAIL-STOPPED.json")
    mine = [r for r in catalogue.rules if r.id == "MY-1"]
    assert [d.event_ids for d in run(db, mine, *EVER).detections] == [("miss-start",)]


def test_docs_list_every_rule_and_sigma_field() -> None:
    from faasguard.logs.detections.sigma import COLUMNS, JSON_COLUMNS
    from faasguard.logs.detections.wallet import RULE_ID

    doc = (ROOT / "docs" / "logs-detections.md").read_text()
    for rule_id in [*BUILTIN, RULE_ID]:
        assert f"| `{rule_id}` |" in doc, rule_id
    for field, column in COLUMNS.items():
        assert f"| `{field}` | `{column}`" in doc, field
    for field in JSON_COLUMNS:
        assert f"`{field}." in doc, field


def test_rule_files_are_read_within_bounds(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "laughs.yml").write_text(
        "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  "
        + "\n  ".join(levels) + "\n  condition: a8\n")
    catalogue = load([tmp_path], builtin=False)
    assert catalogue.rules == ()
    assert "expands to more than" in catalogue.refused[0].reason
