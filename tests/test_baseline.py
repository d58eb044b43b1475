"""Baselines: write, read back, hide only known findings; bad files are clear errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from faasguard.baseline import baseline_document, filter_new, load_baseline, write_baseline
from faasguard.findings import Finding, Severity, Subject
from faasguard.model import Location


def _finding(rule: str, line: int, detail: str = "", suppressed: str | None = None) -> Finding:
    return Finding(rule, "title", Severity.HIGH, "msg", Location("template.yaml", line),
                   Subject("function", "Fn", "orders-fn", "Fn"), "app", detail=detail,
                   suppressed=suppressed)


def test_round_trip_hides_only_known_findings(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    old = [_finding("FG-IAM-001", 10, "s3:*"), _finding("FG-CFG-003", 20)]
    assert write_baseline(path, old) == 2
    moved = dataclasses.replace(old[0], location=Location("template.yaml", 14))  # line moved
    new = _finding("FG-IAM-001", 10, "iam:*")  # same rule, new occurrence
    assert filter_new([moved, new, old[1]], path) == [new]


def test_suppressed_findings_kept_and_not_written(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    accepted = _finding("FG-CFG-003", 20, suppressed="inline: batch job")
    assert write_baseline(path, [accepted]) == 0
    write_baseline(path, [dataclasses.replace(accepted, suppressed=None)])
    assert filter_new([accepted], path) == [accepted]


def test_document_is_readable_for_people() -> None:
    when = dt.datetime(2026, 5, 1, 12, 0, 0, 123, tzinfo=dt.UTC)
    doc = baseline_document([_finding("FG-IAM-001", 10, "s3:*")] * 2, when)
    assert doc["version"] == 1
    assert doc["generated_at"] == "2026-05-01T12:00:00+00:00"
    assert doc["findings"] == [{"fingerprint": _finding("FG-IAM-001", 10, "s3:*").fingerprint,
                                "rule": "FG-IAM-001", "file": "template.yaml",
                                "subject": "orders-fn"}]


def test_written_file_is_json_and_shareable(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    write_baseline(path, [_finding("FG-IAM-001", 1)])
    assert json.loads(path.read_text())["findings"][0]["rule"] == "FG-IAM-001"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]  # no temporary left behind


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", r"b\.json:1: not a faasguard baseline \(invalid JSON"),
    ("[1, 2]", "expected an object with 'version' and 'findings'"),
    ('{"version": 9, "findings": []}', "baseline version 9 is not supported"),
    ('{"version": 1, "findings": [{"rule": "x"}]}', "objects with a 'fingerprint'"),
    ('{"version": 1, "findings": {}}', "'findings' must be a list"),
])
def test_corrupt_baseline(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_baseline(path)


def test_missing_and_binary_baseline(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read baseline"):
        load_baseline(tmp_path / "nope.json")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="not UTF-8"):
        load_baseline(binary)


def test_unwritable_baseline(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot write baseline"):
        write_baseline(tmp_path / "no" / "such" / "dir.json", [])
