"""``--diff-base REV``: report only findings introduced since a git revision.

The files of REV are exported with ``git archive`` (no checkout, no worktree: the
user's repository is left as it is) into a temporary directory, scanned there with
the same options, configuration and rules, and every finding whose fingerprint the
base already had is dropped. Fingerprints leave out line numbers, so a finding that
only moved is not new. Git runs as a subprocess with an argument list (never a shell),
and the archive is unpacked with tarfile's "data" filter, which refuses links and paths
that point outside the directory.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from faasguard.findings import Finding

GIT_TIMEOUT = 120


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True,
                              timeout=GIT_TIMEOUT, check=False)
    except FileNotFoundError:
        raise ValueError("--diff-base needs git, and git is not on PATH") from None
    except subprocess.TimeoutExpired:
        raise ValueError(f"--diff-base: git {args[0]} took longer than "
                         f"{GIT_TIMEOUT} s") from None


def _toplevel(root: Path) -> Path:
    done = _git(["rev-parse", "--show-toplevel"], root)
    if done.returncode != 0:
        raise ValueError(f"--diff-base: {root} is not inside a git repository")
    return Path(done.stdout.decode().strip()).resolve()


def export_revision(root: Path, rev: str, into: Path) -> Path:
    """Unpack the files under ``root`` as they were at ``rev`` into ``into``; returns
    the directory that corresponds to ``root`` there."""
    import io
    import tarfile

    top = _toplevel(root)
    sub = root.resolve().relative_to(top)
    # Under a folder of the repository's own name: apps named after their folder keep
    # their names, so their findings keep their fingerprints.
    into = into / top.name
    if rev.startswith("-"):
        raise ValueError(f"--diff-base: {rev!r} is not a revision")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    if commit.returncode != 0:
        raise ValueError(f"--diff-base: unknown revision {rev!r}")
    sha = commit.stdout.decode().strip()
    spec = [str(sub)] if str(sub) != "." else []
    done = _git(["archive", "--format=tar", sha, "--", *spec], top)
    if done.returncode != 0:
        # A path that did not exist at REV: the base had nothing there.
        (into / sub).mkdir(parents=True, exist_ok=True)
        return into / sub
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        # errorlevel 0: a member the filter refuses (a link out of the tree) is skipped,
        # not fatal; a base that lacks a file can only make findings look new, never hide one.
        archive.errorlevel = 0
        archive.extractall(into, filter="data")
    (into / sub).mkdir(parents=True, exist_ok=True)
    return into / sub


def base_fingerprints(root: Path, rev: str, paths: list[Path],
                      scan_base: Callable[[list[Path], Path], list[Finding]]) -> frozenset[str]:
    """Fingerprints of the findings at ``rev``. ``scan_base(paths, root)`` scans the
    exported tree with the caller's options; paths missing at REV are left out."""
    with tempfile.TemporaryDirectory(prefix="faasguard-base-") as tmp:
        base_root = export_revision(root, rev, Path(tmp))
        mapped = [base_root / p.resolve().relative_to(root.resolve()) for p in paths]
        present = [p for p in mapped if p.exists()]
        if not present:
            return frozenset()
        return frozenset(f.fingerprint for f in scan_base(present, base_root)
                         if not f.suppressed)


def new_since(findings: list[Finding], known: frozenset[str]) -> list[Finding]:
    """The findings the base did not have; suppressed ones are kept as they are."""
    return [f for f in findings if f.suppressed or f.fingerprint not in known]
