"""`faasguard logs ingest`: run an ingestion and print its summary.

Exit codes: 0 every source was read (quarantined lines are kept, not errors), 1 some
source could not be read or not to its end, 2 usage error (raised as LogsUsageError).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from faasguard.logs.ingest import IngestReport, SourceReport, ingest
from faasguard.logs.store import StoreError

EXIT_OK, EXIT_UNREAD = 0, 1


class LogsUsageError(Exception):
    """Bad arguments, or a store that cannot be opened."""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _state(report: SourceReport) -> str:
    if report.state == "resumed" and report.resumed_line is not None:
        return f"resumed at line {report.resumed_line}"
    return report.state


def render_text(report: IngestReport, db: Path) -> str:
    rows = [("SOURCE", "FORMAT", "EVENTS", "DUPLICATES", "QUARANTINED", "STATE")]
    for s in report.sources:
        rows.append((s.name, s.format or "-", str(s.events), str(s.duplicates),
                     str(s.quarantined), _state(s)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                 *(row[i].rjust(widths[i]) for i in (2, 3, 4)), row[5]]
        lines.append("  ".join(cells).rstrip())
    states: dict[str, int] = {}
    for s in report.sources:
        states[s.state] = states.get(s.state, 0) + 1
    parts = [f"{n} {state}" for state, n in states.items() if state != "failed"]
    if report.failed:
        parts.append(f"{report.failed} could not be read")
    lines.append("")
    lines.append(f"{_plural(len(report.sources), 'source')}: {', '.join(parts) or 'none'}; "
                 f"{_plural(report.events, 'event')} stored, "
                 f"{report.quarantined} quarantined, in {db}")
    problems = [s for s in report.sources if s.message]
    if problems:
        lines.append("")
        for s in problems:
            label = "could not read" if s.state == "failed" else "note"
            lines.append(f"{label}: {s.name}: {s.message}")
    if report.quarantined:
        lines.append("")
        lines.append("quarantined lines are kept with their source and line: "
                     f"SELECT * FROM quarantine (duckdb {db})")
    return "\n".join(lines) + "\n"


def render_json(report: IngestReport, db: Path) -> str:
    return json.dumps({
        "db": str(db),
        "sources": [asdict(s) for s in report.sources],
        "events": report.events,
        "quarantined": report.quarantined,
        "failed": report.failed,
    }, indent=2) + "\n"


def run(args: argparse.Namespace) -> int:
    from faasguard.progress import Progress

    if args.batch is not None and args.batch < 1:
        raise LogsUsageError("--batch must be at least 1")
    db = Path(args.db)
    if not db.parent.is_dir():
        raise LogsUsageError(f"--db: no such directory: {db.parent}")
    if args.sources.count("-") > 1:
        raise LogsUsageError("stdin (-) can be read only once")
    bar = None if args.no_progress else Progress.for_stderr()
    try:
        report = ingest(args.sources, db, batch=args.batch,
                        progress=bar.update if bar else None,
                        log_group=args.log_group, account_id=args.account)
    except StoreError as exc:
        raise LogsUsageError(str(exc)) from None
    finally:
        if bar:
            bar.close()
    render = render_json if args.format == "json" else render_text
    sys.stdout.write(render(report, db))
    if report.failed:
        sys.stderr.write(f"faasguard: {_plural(report.failed, 'source')} could not be read; "
                         "see the summary\n")
    return EXIT_UNREAD if report.failed else EXIT_OK
