from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Both halves of the `faasguard` namespace package: the scanner and the runtime guard.
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "runtime" / "src")]

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
