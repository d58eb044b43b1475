"""Regenerate src/faasguard/model/_records/, the precompiled methods of the
scanner's record classes (see faasguard/model/records.py). Run it after adding, removing
or renaming a field of a record class; tests/test_records.py says when it is due.

    python scripts/gen_records.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from faasguard.model import records

if __name__ == "__main__":
    records.import_everything()
    count = records.write_precompiled(records.PRECOMPILED)
    print(f"wrote {count} record shapes under {records.PRECOMPILED}")
