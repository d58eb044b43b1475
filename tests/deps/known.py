"""Matching the known-answer set under tests/fixtures/deps/known (shared by the test and
benchmarks/deps_speed.py)."""

from __future__ import annotations

import json
from pathlib import Path

from faasguard.deps.osv import is_affected
from faasguard.deps.store import AdvisoryDB

KNOWN = Path(__file__).resolve().parent.parent / "fixtures" / "deps" / "known"


def check(db_path: Path) -> list[str]:
    """Every query whose answer differs from the expected one, described; [] when exact."""
    db = AdvisoryDB(db_path)
    db.import_paths([KNOWN / "advisories.json"])
    wrong = []
    for ecosystem, package, version, expected in json.loads((KNOWN / "queries.json").read_text()):
        advisories = next(iter(db.lookup(ecosystem, [package]).values()), [])
        verdicts = {a.id: is_affected(a.affected[0], version) for a in advisories}
        if expected is None:
            got: list[str] | None = None if any(v is None for v in verdicts.values()) else \
                sorted(i for i, v in verdicts.items() if v)
        else:
            got = sorted(i for i, v in verdicts.items() if v)
        if got != (sorted(expected) if expected is not None else None):
            wrong.append(f"{ecosystem} {package} {version}: expected {expected}, got {got}")
    return wrong
