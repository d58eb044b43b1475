"""OSV advisories (issue 6, E1): parsing, version ranges per ecosystem, aliases,
withdrawn entries, and the SQLite advisory database."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from faasguard.deps.osv import fixed_in, is_affected, merge_aliases, parse_advisory
from faasguard.deps.store import MAX_DOCUMENT_BYTES, AdvisoryDB
from faasguard.deps.versions import NPM, PYPI, SemVer, normalize_name, npm_exact, parse


def _doc(ident: str, ecosystem: str, name: str, events: list[dict[str, str]], *,
         kind: str = "ECOSYSTEM", aliases: tuple[str, ...] = (), versions: tuple[str, ...] = (),
         **extra: object) -> dict[str, object]:
    return {"id": ident, "modified": "2026-01-01T00:00:00Z", "aliases": list(aliases),
            "summary": f"{name} is vulnerable",
            "affected": [{"package": {"ecosystem": ecosystem, "name": name},
                          "ranges": [{"type": kind, "events": events}],
                          "versions": list(versions)}], **extra}


@pytest.mark.parametrize(("a", "b"), [
    ("1.0.0-alpha", "1.0.0-alpha.1"), ("1.0.0-alpha.1", "1.0.0-alpha.beta"),
    ("1.0.0-alpha.beta", "1.0.0-beta"), ("1.0.0-beta.2", "1.0.0-beta.11"),
    ("1.0.0-rc.1", "1.0.0"), ("1.9.0", "1.10.0"), ("2.0.0", "10.0.0"),
])
def test_semver_precedence_follows_the_spec(a: str, b: str) -> None:
    left, right = SemVer.parse(a), SemVer.parse(b)
    assert left is not None and right is not None
    assert left < right and not right < left


def test_semver_ignores_build_metadata_and_rejects_junk() -> None:
    assert SemVer.parse("1.2.3+build.5") == SemVer.parse("1.2.3")
    assert SemVer.parse("1.2") is None and SemVer.parse("01.2.3") is None


def test_pypi_uses_pep_440() -> None:
    assert parse(PYPI, "2.0rc1") < parse(PYPI, "2.0") < parse(PYPI, "2.0.post1")
    assert parse(PYPI, "not a version") is None
    assert normalize_name(PYPI, "Py_YAML.x") == "py-yaml-x"


@pytest.mark.parametrize(("spec", "pinned"), [
    ("1.2.3", "1.2.3"), ("=1.2.3", "1.2.3"), ("^1.2.3", None), ("~1.2.3", None),
    (">=1.0.0", None), ("*", None), ("latest", None), ("git+https://x/y.git", None),
])
def test_npm_exact_pins(spec: str, pinned: str | None) -> None:
    assert npm_exact(spec) == pinned


RANGE = [{"introduced": "0"}, {"fixed": "2.31.0"}]


@pytest.mark.parametrize(("version", "expected"), [
    ("2.30.0", True), ("0.1", True), ("2.31.0", False), ("2.32.3", False),
    ("2.31.0rc1", True), ("garbage!", None),
])
def test_fixed_range_on_pypi(version: str, expected: bool | None) -> None:
    advisory = parse_advisory(_doc("PYSEC-1", PYPI, "requests", RANGE))
    assert advisory is not None
    assert is_affected(advisory.affected[0], version) is expected
    assert fixed_in(advisory.affected[0]) == ("2.31.0",)


def test_two_introduced_fixed_pairs_and_last_affected() -> None:
    events = [{"introduced": "1.0.0"}, {"fixed": "1.4.2"}, {"introduced": "2.0.0"},
              {"last_affected": "2.1.0"}]
    entry = parse_advisory(_doc("GHSA-a", NPM, "lodash", events, kind="SEMVER")).affected[0]  # type: ignore[union-attr]
    verdicts = {v: is_affected(entry, v) for v in
                ("0.9.0", "1.0.0", "1.4.1", "1.4.2", "1.9.9", "2.0.0", "2.1.0", "2.1.1")}
    assert verdicts == {"0.9.0": False, "1.0.0": True, "1.4.1": True, "1.4.2": False,
                        "1.9.9": False, "2.0.0": True, "2.1.0": True, "2.1.1": False}


def test_explicit_versions_match_even_without_ranges() -> None:
    doc = _doc("GHSA-b", NPM, "event-stream", [], versions=("3.3.6",))
    entry = parse_advisory(doc).affected[0]  # type: ignore[union-attr]
    assert is_affected(entry, "3.3.6") is True and is_affected(entry, "3.3.5") is False


def test_unparsable_event_makes_the_answer_unknown() -> None:
    entry = parse_advisory(_doc("X-1", NPM, "a", [{"introduced": "0"},
                                                  {"fixed": "next"}])).affected[0]  # type: ignore[union-attr]
    assert is_affected(entry, "1.0.0") is None


def test_git_ranges_and_other_ecosystems_are_left_out() -> None:
    assert parse_advisory(_doc("G-1", "Go", "x", RANGE)) is None
    git = parse_advisory(_doc("G-2", PYPI, "x", [{"introduced": "abc"}], kind="GIT"))
    assert git is not None and git.affected[0].ranges == ()


def test_withdrawn_and_non_osv_documents_are_dropped() -> None:
    assert parse_advisory(_doc("W-1", PYPI, "x", RANGE, withdrawn="2026-02-01")) is None
    assert parse_advisory({"Records": []}) is None and parse_advisory([1]) is None


def test_severity_from_database_specific_or_score() -> None:
    named = parse_advisory(_doc("S-1", PYPI, "x", RANGE,
                                database_specific={"severity": "MODERATE"}))
    scored = parse_advisory(_doc("S-2", PYPI, "x", RANGE,
                                 severity=[{"type": "CVSS_V3", "score": "9.8"}]))
    assert named is not None and named.severity == "medium"
    assert scored is not None and scored.severity == "critical"


def test_aliases_merge_one_vulnerability_reported_by_two_databases() -> None:
    ghsa = parse_advisory(_doc("GHSA-1", PYPI, "x", RANGE, aliases=("CVE-2026-1",)))
    pysec = parse_advisory(_doc("PYSEC-1", PYPI, "x", RANGE, aliases=("CVE-2026-1",)))
    other = parse_advisory(_doc("PYSEC-2", PYPI, "x", RANGE))
    groups = merge_aliases([a for a in (ghsa, pysec, other) if a])
    assert sorted(sorted(a.id for a in g) for g in groups) == [["GHSA-1", "PYSEC-1"],
                                                               ["PYSEC-2"]]


def test_database_imports_files_dirs_and_zips(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(_doc("PYSEC-1", PYPI, "Requests", RANGE)))
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "list.json").write_text(json.dumps([
        _doc("GHSA-1", NPM, "lodash", [{"introduced": "0"}, {"fixed": "4.17.21"}],
             kind="SEMVER"),
        _doc("GO-1", "Go", "x", RANGE)]))
    with zipfile.ZipFile(tmp_path / "all.zip", "w") as archive:
        archive.writestr("PYSEC-2.json", json.dumps(_doc("PYSEC-2", "PyPI", "pyyaml", RANGE)))
        archive.writestr("broken.json", "{not json")
    db = AdvisoryDB(tmp_path / "db.sqlite3")
    report = db.import_paths([tmp_path / "one.json", folder, tmp_path / "all.zip",
                              tmp_path / "missing.json"])
    assert (report.imported, report.skipped) == (3, 1)
    assert len(report.errors) == 2
    assert any("broken.json" in e for e in report.errors)
    assert any("missing.json" in e for e in report.errors)
    found = db.lookup(PYPI, ["requests", "PyYAML", "flask"])
    assert sorted(found) == ["pyyaml", "requests"]
    assert db.lookup(NPM, ["lodash"])["lodash"][0].id == "GHSA-1"
    assert db.status()["advisories"] == {"PyPI": 2, "npm": 1}


def test_reimport_replaces_and_withdrawal_deletes(tmp_path: Path) -> None:
    db = AdvisoryDB(tmp_path / "db.sqlite3")
    path = tmp_path / "a.json"
    path.write_text(json.dumps(_doc("PYSEC-1", PYPI, "x", RANGE)))
    db.import_paths([path])
    db.import_paths([path])
    assert len(db.lookup(PYPI, ["x"])["x"]) == 1
    path.write_text(json.dumps(_doc("PYSEC-1", PYPI, "x", RANGE, withdrawn="2026-03-01")))
    assert db.import_paths([path]).withdrawn == 1
    assert db.lookup(PYPI, ["x"]) == {}


def test_oversized_archive_members_are_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("huge.json", b" " * (MAX_DOCUMENT_BYTES + 10))
    report = AdvisoryDB(tmp_path / "db.sqlite3").import_paths([tmp_path / "big.zip"])
    assert report.imported == 0 and "larger than" in report.errors[0]


def test_missing_database_answers_nothing(tmp_path: Path) -> None:
    assert AdvisoryDB(tmp_path / "none.sqlite3").lookup(PYPI, ["x"]) == {}


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_text("hello")
    with pytest.raises(ValueError, match=r"bogus\.sqlite3"):
        AdvisoryDB(bogus).lookup(PYPI, ["x"])
