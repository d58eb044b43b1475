"""The scanner's version and its packaged data tables.

`faasguard` is a namespace package shared by two distributions: `faasguard` (the
scanner and CLI) and `faasguard-runtime` (the guard that ships inside functions, with
no dependencies). Neither owns `faasguard/__init__.py`, so what used to live there is
here.
"""

from pathlib import Path
from typing import Any

__version__ = "0.1.0"

DATA_DIR = Path(__file__).parent / "data"


def load_data(name: str) -> Any:
    """One JSON table from `faasguard/data/`."""
    import json  # lazily: `faasguard --help` and `--version` need no JSON

    return json.loads((DATA_DIR / name).read_text("utf-8"))
