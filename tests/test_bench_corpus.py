"""The benchmark corpus generator (benchmarks/gen_corpus.py): the default corpus stays
byte-identical, and its Terraform form holds the same apps, which faasguard reads
without an error."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import gen_corpus  # noqa: E402  (benchmarks/ is not a package)

DEFAULT_8_APPS_SHA256 = "d4ec0a758519f55ccc828715ea374c71dceaec7fad340914fb68aeda779eb8a0"
"""sha256 over ``sha256sum`` lines of the first 8 apps of the default corpus (seed
20240601), as written before the Terraform form existed: timed results stay comparable
only while the same seed gives the same files."""


def _tree_digest(folder: Path) -> str:
    lines = "".join(
        f"{hashlib.sha256(path.read_bytes()).hexdigest()}  ./{path.relative_to(folder)}\n"
        for path in sorted(p for p in folder.rglob("*") if p.is_file()))
    return hashlib.sha256(lines.encode()).hexdigest()


def _scan(folder: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-m", "faasguard", "scan", str(folder), "--format",
                          "json", "--no-progress", "--no-code"], capture_output=True,
                         text=True, env=env, check=False)
    assert run.returncode in (0, 1), run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    return report


def test_default_corpus_is_unchanged(tmp_path: Path) -> None:
    gen_corpus.generate(tmp_path, 8)
    assert _tree_digest(tmp_path) == DEFAULT_8_APPS_SHA256


def test_same_seed_same_terraform(tmp_path: Path) -> None:
    first = gen_corpus.generate(tmp_path / "a", 3, formats=("terraform",))
    second = gen_corpus.generate(tmp_path / "b", 3, formats=("terraform",))
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert all(p.name == "main.tf" for p in first)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown formats"):
        gen_corpus.generate(tmp_path, 1, formats=("pulumi",))


def test_terraform_form_has_the_same_apps(tmp_path: Path) -> None:
    gen_corpus.generate(tmp_path / "mixed", 4)
    gen_corpus.generate(tmp_path / "tf", 4, formats=("terraform",))
    mixed, tf = _scan(tmp_path / "mixed"), _scan(tmp_path / "tf")
    assert tf["scan"]["files_failed"] == 0
    assert not [d for d in tf["diagnostics"] if d["level"] == "error"]
    functions = {a["name"]: a["functions"] for a in mixed["apps"]}
    assert {a["name"]: a["functions"] for a in tf["apps"]} == functions
    # The planted problems come through the Terraform loader too: every kind the mixed
    # corpus shows at least once is found in the Terraform form.
    rules = {"FG-IAM-001", "FG-API-001", "FG-API-002", "FG-CFG-001", "FG-LOG-001",
             "FG-STO-006"}
    assert rules <= {f["rule_id"] for f in mixed["findings"]}
    assert rules <= {f["rule_id"] for f in tf["findings"]}
