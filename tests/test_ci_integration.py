"""The CI integration files (issue 6, G1): every faasguard command they run is one the
CLI accepts, and the pre-commit hooks fire on the files that matter."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from faasguard.cli import _parser

ROOT = Path(__file__).resolve().parent.parent


def _commands(text: str) -> list[list[str]]:
    found = [shlex.split(m) for m in re.findall(r"faasguard (scan[^\n]*)", text)]
    return [argv for argv in found if argv]


def _accepted(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    assert args.command == "scan"


HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


@pytest.mark.parametrize("hook", HOOKS, ids=[h["id"] for h in HOOKS])
def test_pre_commit_hook_runs_a_valid_scan(hook: dict[str, object]) -> None:
    entry = str(hook["entry"]).split()
    assert entry[0] == "faasguard"
    _accepted(entry[1:])
    assert hook["pass_filenames"] is False  # the whole app, or links are lost


@pytest.mark.parametrize(("path", "fires"), [
    ("serverless.yml", True), ("svc/serverless.yaml", True), ("template.yaml", True),
    ("cdk.out/Stack.template.json", True), ("src/handler.py", True),
    ("src/index.mjs", True), ("src/app.ts", True), (".faasguard.toml", True),
    ("README.md", False), ("docs/diagram.png", False),
])
def test_full_hook_fires_on_templates_and_code(path: str, fires: bool) -> None:
    pattern = re.compile(HOOKS[0]["files"])
    assert bool(pattern.search(path)) is fires


def test_templates_hook_ignores_code() -> None:
    pattern = re.compile(HOOKS[1]["files"])
    assert pattern.search("template.yml")
    assert not pattern.search("src/handler.py")


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_examples_run_valid_scans(name: str) -> None:
    text = (ROOT / "docs" / "ci" / name).read_text()
    yaml.safe_load(text)  # well-formed
    commands = _commands(text)
    assert len(commands) >= 2
    for argv in commands:
        _accepted(argv)


def test_github_example_uploads_the_sarif_it_writes() -> None:
    workflow = yaml.safe_load((ROOT / "docs" / "ci" / "github-actions.yml").read_text())
    steps = workflow["jobs"]["scan"]["steps"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith(
        "github/codeql-action/upload-sarif"))
    written = next(s["run"] for s in steps if "--format sarif" in s.get("run", ""))
    assert f"--output {upload['with']['sarif_file']}" in written
    assert workflow["permissions"]["security-events"] == "write"
