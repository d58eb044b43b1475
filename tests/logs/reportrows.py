"""Known rows straight into a log store, through the store's own API, for the report
tests: each test states its events and computes the expected figures by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from faasguard.logs.schema import TABLES
from faasguard.logs.sources import Fingerprint, Source
from faasguard.logs.store import Store, hash64


def build(path: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """A store at `path` holding `tables` ({table: [{column: value}]}); unnamed columns
    are NULL, JSON columns may be given as Python values."""
    spool = path.parent / f"{path.stem}-spool"
    spool.mkdir(exist_ok=True)
    store = Store(path, spool)
    try:
        source = Source(path, f"test:{path.name}", 0, False)
        progress = store.add_source(source, Fingerprint(path.name, 0), "test", "lines",
                                    "reading")
        batches: dict[str, list[tuple[Any, ...]]] = {}
        for name, records in tables.items():
            columns = TABLES[name].columns
            known = {c for c, _ in columns}
            out = batches.setdefault(name, [])
            for index, record in enumerate(records):
                unknown = set(record) - known
                assert not unknown, f"{name} has no column {unknown}"
                values = []
                for column, kind in columns:
                    value = record.get(column)
                    if kind == "JSON" and value is not None and not isinstance(value, str):
                        value = json.dumps(value)
                    values.append(value)
                out.append((hash64(f"{name}:{index}:{record}"), progress.source_id,
                            index + 1, *values))
        store.commit(progress, batches, 0, 1, 0, status="done")
    finally:
        store.close()
    return path
