"""OSV matching is exact on the known-answer set (issue 6, Measured)."""

from __future__ import annotations

from pathlib import Path

from known import check


def test_known_answers_are_exact(tmp_path: Path) -> None:
    assert check(tmp_path / "db.sqlite3") == []
