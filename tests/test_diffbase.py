"""``faasguard scan --diff-base REV`` (issue 6, G1): only findings introduced since REV."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from faasguard.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

BASE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): return 1"
      Timeout: 10
"""
EXPOSED = BASE.replace("      Timeout: 10\n", "      Timeout: 10\n      FunctionUrlConfig:\n"
                       "        AuthType: NONE\n")


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "svc").mkdir(parents=True)
    (root / "svc" / "template.yaml").write_text(BASE)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    return root


def _rules(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["scan", *argv, "--format", "json", "--no-progress"])
    out = json.loads(capsys.readouterr().out)
    return code, sorted(f["rule_id"] for f in out["findings"])


def test_reports_only_what_the_change_introduced(repo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, before = _rules(capsys, str(repo))
    (repo / "svc" / "template.yaml").write_text(EXPOSED)
    _, everything = _rules(capsys, str(repo))
    _, new = _rules(capsys, str(repo), "--diff-base", "HEAD")
    assert before and set(before) < set(everything)
    assert "FG-API-004" in new  # the function URL without auth is the change
    assert not set(before) & set(new)
    assert Counter(new) == Counter(everything) - Counter(before)


def test_moved_lines_are_not_new(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "svc" / "template.yaml").write_text(BASE.replace(
        "Resources:\n", "Description: moved everything down\nResources:\n"))
    code, new = _rules(capsys, str(repo), "--diff-base", "HEAD")
    assert new == [] and code == 0


def test_a_subdirectory_as_root(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "svc" / "template.yaml").write_text(EXPOSED)
    _, new = _rules(capsys, str(repo / "svc"), "--diff-base", "HEAD")
    assert "FG-API-004" in new and "FG-LOG-001" not in new


def test_files_added_since_the_base_are_all_new(repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "api").mkdir()
    (repo / "api" / "template.yaml").write_text(BASE)
    _, direct = _rules(capsys, str(repo / "api"))
    _, new = _rules(capsys, str(repo / "api"), "--diff-base", "HEAD")
    assert new == direct and new


def test_an_older_revision_by_name(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "svc" / "template.yaml").write_text(EXPOSED)
    _git(repo, "commit", "-qam", "expose")
    _git(repo, "tag", "v2")
    _, at_head = _rules(capsys, str(repo), "--diff-base", "HEAD")
    _, since_first = _rules(capsys, str(repo), "--diff-base", "HEAD~1")
    assert at_head == [] and "FG-API-004" in since_first


@pytest.mark.parametrize(("rev", "message"), [
    ("no-such-branch", "unknown revision 'no-such-branch'"),
    ("--output=/tmp/x", "is not a revision"),
])
def test_bad_revisions_are_usage_errors(repo: Path, rev: str, message: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["scan", str(repo), f"--diff-base={rev}", "--no-progress"])
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_outside_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "template.yaml").write_text(BASE)
    with pytest.raises(SystemExit) as stopped:
        main(["scan", str(tmp_path), "--diff-base", "HEAD", "--no-progress"])
    assert stopped.value.code == 2
    assert "is not inside a git repository" in capsys.readouterr().err


def test_a_link_out_of_the_tree_at_the_base_is_not_followed(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text(EXPOSED)
    (repo / "svc" / "link.yaml").symlink_to(outside)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "link")
    code = main(["scan", str(repo), "--diff-base", "HEAD", "--no-progress", "--format",
                 "json"])
    assert code in (0, 1)
    json.loads(capsys.readouterr().out)
