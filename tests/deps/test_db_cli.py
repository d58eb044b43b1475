"""`faasguard db` and the dependency findings of `faasguard scan` (issue 6, E1)."""

from __future__ import annotations

import json
import shutil
import urllib.error
import zipfile
from pathlib import Path

import pytest

from faasguard.cli import main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "FG-DEP-001" / "bad"


def test_import_then_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "adv.sqlite3")
    assert main(["db", "status", "--advisory-db", db]) == 0
    assert "no advisory database" in capsys.readouterr().out
    assert main(["db", "import", str(FIXTURE / "osv"), "--advisory-db", db]) == 0
    assert "imported 3 advisories" in capsys.readouterr().out
    assert main(["db", "status", "--advisory-db", db, "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["advisories"] == {"PyPI": 2, "npm": 1}


def test_import_of_nothing_readable_fails(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["db", "import", str(tmp_path / "missing"), "--advisory-db",
                 str(tmp_path / "adv.sqlite3")])
    assert code == 2 and "no such file" in capsys.readouterr().err


def test_update_imports_the_downloaded_archives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def fake_download(ecosystem: str, into: Path, timeout: float = 60.0) -> Path:
        target = into / f"{ecosystem}.zip"
        with zipfile.ZipFile(target, "w") as archive:
            for doc in (FIXTURE / "osv").glob("*.json"):
                if ecosystem in doc.read_text():
                    archive.write(doc, doc.name)
        return target

    monkeypatch.setattr("faasguard.deps.dbcli.download", fake_download)
    assert main(["db", "update", "--ecosystem", "npm", "--advisory-db",
                 str(tmp_path / "adv.sqlite3")]) == 0
    assert "imported 1 advisories" in capsys.readouterr().out


def test_update_without_network_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    with pytest.raises(SystemExit) as stopped:
        main(["db", "update", "--advisory-db", str(tmp_path / "adv.sqlite3")])
    assert stopped.value.code == 2
    assert "faasguard db import" in capsys.readouterr().err


def test_unknown_ecosystem_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["db", "update", "--ecosystem", "Go", "--advisory-db", str(tmp_path / "a")])


def test_scan_reports_vulnerable_dependencies_with_reachability(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "shop"
    shutil.copytree(FIXTURE, project)
    db = str(tmp_path / "adv.sqlite3")
    main(["db", "import", str(project / "osv"), "--advisory-db", db])
    capsys.readouterr()
    main(["scan", str(project), "--format", "json", "--no-progress", "--advisory-db", db])
    findings = [f for f in json.loads(capsys.readouterr().out)["findings"]
                if f["rule_id"] == "FG-DEP-001"]
    by_package = {f["evidence"]["package"]: f for f in findings}
    assert set(by_package) == {"requests", "lodash"}
    requests = by_package["requests"]
    assert requests["severity"] == "medium"  # the advisory's MODERATE
    assert requests["evidence"]["fixed"] == ["2.31.0"]
    assert requests["evidence"]["reachability"] == "imported"
    assert "CVE-2023-32681" in requests["message"] and "PYSEC-2023-74" in requests["message"]
    assert by_package["lodash"]["severity"] == "high"


def test_scan_without_a_database_says_so_once(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "shop"
    shutil.copytree(FIXTURE, project)
    main(["scan", str(project), "--no-progress", "--advisory-db", str(tmp_path / "none")])
    out = " ".join(capsys.readouterr().out.split())  # the text report wraps lines
    assert out.count("no advisory database") == 1
    assert "FG-DEP-001" not in out
