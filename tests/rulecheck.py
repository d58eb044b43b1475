"""Fixture markers for rule tests, in the style of semgrep-rules.

In a fixture file, ``# expect: FG-XXX-001`` (``// expect:`` in JavaScript) at the end
of a line says the rule must report that line; ``# expect-below: FG-XXX-001`` on a line
of its own says the same of the next line. Every reported (file, line) must be marked
and every mark reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from pathlib import Path

from faasguard.config import CONFIG_NAME, Config, load_config
from faasguard.deps.store import AdvisoryDB
from faasguard.engine import ScanResult, scan
from faasguard.loaders.base import LoadOptions
from faasguard.rules import Rule

FIXTURE_DATE = dt.date(2026, 11, 29)
"""The date fixtures are judged on, so dated rules (runtime deprecation) give the same
result on every day the suite runs."""
MARK = re.compile(r"(?:#|//)\s*expect(-below)?:\s*([A-Z0-9, -]+)")


def expected_marks(folder: Path, rule_id: str) -> set[tuple[str, int]]:
    marks: set[tuple[str, int]] = set()
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for match in MARK.finditer(line):
                ids = {i.strip() for i in match.group(2).split(",")}
                if rule_id in ids:
                    marks.add((rel, number + 1 if match.group(1) else number))
    return marks


def run_rule(folder: Path, rule: Rule) -> ScanResult:
    # A fixture folder may carry the project policy a rule depends on, and OSV
    # advisories (osv/*.json) for the dependency rules, loaded into a fresh database.
    policy = folder / CONFIG_NAME
    config = load_config(policy) if policy.is_file() else Config()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "advisories.sqlite3"
        if (folder / "osv").is_dir():
            AdvisoryDB(db).import_paths([folder / "osv"])
        config = dataclasses.replace(config, advisory_db=str(db))
        return scan([folder], LoadOptions(root=folder), config, [rule], today=FIXTURE_DATE)


def reported(result: ScanResult, rule_id: str) -> set[tuple[str, int]]:
    return {(f.location.file, f.location.line or 0) for f in result.findings
            if f.rule_id == rule_id}
