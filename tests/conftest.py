from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Both halves of the `faasguard` namespace package: the scanner and the runtime guard.
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "runtime" / "src")]

FIXTURES = ROOT / "tests" / "fixtures"

# No test may depend on the advisory database in the developer's cache: by default
# there is none (subprocesses inherit this); tests that need one build their own.
os.environ["FAASGUARD_ADVISORY_DB"] = str(
    Path(tempfile.gettempdir()) / f"faasguard-tests-{os.getpid()}" / "no-advisories.sqlite3")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
