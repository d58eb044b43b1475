"""`faasguard logs export --parquet DIR`: write the store's event tables as Parquet, one
directory per table (``DIR/lambda_events/data.parquet``, ...), for Spark or any Parquet
reader. The store is opened read-only.

Exit codes: 0 written, 2 usage error (no store, a directory that cannot be written).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from faasguard.logs.cli import LogsUsageError
    from faasguard.logs.report.common import ReportError, open_store
    from faasguard.logs.spark.tables import export_parquet
    from faasguard.logs.store import duckdb_error

    target = Path(args.parquet)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LogsUsageError(f"--parquet: cannot create {target}: {exc.strerror}") from None
    try:
        db = open_store(Path(args.db))
    except ReportError as exc:
        raise LogsUsageError(str(exc)) from None
    try:
        counts = export_parquet(db, target)
    except duckdb_error() as exc:
        raise LogsUsageError(f"--parquet: cannot write {target}: {exc}") from None
    finally:
        db.close()
    if args.format == "json":
        sys.stdout.write(json.dumps({"parquet": str(target), "rows": counts}, indent=2) + "\n")
    else:
        width = max(len(name) for name in counts)
        lines = [f"{name.ljust(width)}  {rows:>10}  {target / name}"
                 for name, rows in counts.items()]
        sys.stdout.write("\n".join(lines) + "\n")
    return 0
