"""`faasguard db`: fill and inspect the local OSV advisory database."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from faasguard.deps.store import AdvisoryDB, ImportReport, default_path, download
from faasguard.deps.versions import ECOSYSTEMS


def _db(args: argparse.Namespace) -> AdvisoryDB:
    return AdvisoryDB(Path(args.advisory_db) if args.advisory_db else default_path())


def _report(db: AdvisoryDB, report: ImportReport) -> None:
    for error in report.errors:
        sys.stderr.write(f"faasguard: warning: {error}\n")
    sys.stdout.write(f"imported {report.imported} advisories into {db.path} "
                     f"({report.withdrawn} withdrawn removed, {report.skipped} not for "
                     f"{' or '.join(ECOSYSTEMS)}, {len(report.errors)} unreadable)\n")


def run(args: argparse.Namespace) -> int:
    """Returns the exit code; raises ValueError with a message for usage problems."""
    db = _db(args)
    if args.db_command == "import":
        report = db.import_paths([Path(p) for p in args.paths])
        _report(db, report)
        return 0 if report.imported or report.withdrawn or not report.errors else 2
    if args.db_command == "update":
        wanted = args.ecosystem or list(ECOSYSTEMS)
        unknown = [e for e in wanted if e not in ECOSYSTEMS]
        if unknown:
            raise ValueError(f"--ecosystem: {', '.join(unknown)} not supported "
                             f"(choose from {', '.join(ECOSYSTEMS)})")
        with tempfile.TemporaryDirectory(prefix="faasguard-osv-") as tmp:
            archives = [download(e, Path(tmp)) for e in wanted]
            _report(db, db.import_paths(archives))
        return 0
    status = db.status()
    if args.format == "json":
        sys.stdout.write(json.dumps(status, indent=2) + "\n")
    elif not status["exists"]:
        sys.stdout.write(f"no advisory database at {db.path}; run `faasguard db update` "
                         "or `faasguard db import PATH`\n")
    else:
        counts = status.get("advisories") or {}
        assert isinstance(counts, dict)
        per = ", ".join(f"{n} {e}" for e, n in sorted(counts.items())) or "no advisories"
        sys.stdout.write(f"{db.path}: {per}; last import {status['imported_at']}\n")
    return 0
