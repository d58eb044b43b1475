"""Log ingestion throughput and report time, against DuckDB reading the same files raw.

    python benchmarks/logs_speed.py [--lambda-lines 1_000_000] [--cloudtrail 200_000]
                                    [--repeat 3] [--data DIR] [--keep]
                                    [--only lambda|cloudtrail]

``gen_logs.py`` writes Lambda exports (several functions) and delivered CloudTrail files
with known answers (``--data DIR`` reuses a directory it wrote). On the same files, in
the same run, each median of ``--repeat`` runs:

- **faasguard**: ``faasguard logs ingest`` as whole processes into a fresh store (one
  run per function, labelled with ``--log-group /aws/lambda/NAME`` as plain export files
  do not name their function, then one for the CloudTrail folder); events/s.
- **duckdb raw**: DuckDB reading the same files with no parsing, the near-limit: every
  Lambda file as lines (``read_csv``, one VARCHAR column) and every CloudTrail record
  (``read_json``, the ``Records`` arrays unnested), counted.
- **python plain**: a plain line-by-line Python parser for reference: read the lines,
  match REPORT lines with a regular expression; ``json.loads`` each CloudTrail file.
- **report**: ``faasguard logs report -f json`` over the store (whole process).

The store is then checked against the known answers, exactly: per function the
invocations, errors, timeouts, cold starts, billed ms and max memory; per CloudTrail
event name and error code, and the console logins. Exits 1 when an answer is wrong or
faasguard takes more than 3x the raw DuckDB scan (Lambda and CloudTrail each).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_logs import generate  # noqa: E402

TARGET = 3.0
REPORT = re.compile(r"REPORT RequestId: (\S+)\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms"
                    r"\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB")


def _env() -> dict[str, str]:
    paths = [str(REPO / "src"), str(REPO / "runtime" / "src")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "CI": "1"}


def _faasguard(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "faasguard", "logs", *args], env=_env(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"faasguard logs {' '.join(args)} failed ({done.returncode}):\n"
                         f"{done.stdout}{done.stderr}")


def _median(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ingest_lambda(data: Path, db: Path) -> None:
    for folder in sorted((data / "lambda").iterdir()):
        _faasguard("ingest", str(folder), "--db", str(db), "--no-progress",
                   "--log-group", f"/aws/lambda/{folder.name}")


def ingest_trail(data: Path, db: Path) -> None:
    _faasguard("ingest", str(data / "cloudtrail"), "--db", str(db), "--no-progress")


def raw_lambda(data: Path) -> int:
    import duckdb

    glob = str(data / "lambda" / "*" / "*.log")
    # one VARCHAR column: a delimiter and quote that never occur, nothing inferred
    found = duckdb.connect().execute(
        f"SELECT count(*) FROM read_csv('{glob}', columns = {{'line': 'VARCHAR'}}, "
        "header = false, auto_detect = false, delim = '\\x01', quote = '', escape = '', "
        "strict_mode = false)").fetchone()
    assert found is not None
    return int(found[0])


def raw_trail(data: Path) -> int:
    import duckdb

    glob = str(data / "cloudtrail" / "**" / "*.json.gz")
    found = duckdb.connect().execute(
        f"SELECT count(*) FROM (SELECT unnest(Records) FROM read_json('{glob}', "
        "columns = {'Records': 'JSON[]'}, format = 'auto', maximum_object_size = 536870912))"
    ).fetchone()
    assert found is not None
    return int(found[0])


def plain_lambda(data: Path) -> int:
    """Lines read and REPORT lines parsed, one line at a time."""
    count = reports = 0
    for path in sorted((data / "lambda").glob("*/*.log")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                count += 1
                found = REPORT.search(line)
                if found is not None:
                    reports += 1
                    float(found[2])
    return count


def plain_trail(data: Path) -> int:
    count = 0
    for path in sorted((data / "cloudtrail").rglob("*.json.gz")):
        with gzip.open(path, "rb") as handle:
            for record in json.loads(handle.read())["Records"]:
                count += 1
                record.get("eventName")
    return count


def check(db: Path, answers: dict[str, Any],
          kinds: tuple[str, ...] = ("lambda", "cloudtrail")) -> list[str]:
    """Differences between the store and the known answers (none: all exact), for the
    `kinds` of logs ingested."""
    import duckdb

    problems = []
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("""
            SELECT function_name, count(*) FILTER (kind = 'report'),
                   count(*) FILTER (kind = 'error'), count(*) FILTER (kind = 'timeout'),
                   count(*) FILTER (kind = 'report' AND init_ms IS NOT NULL),
                   sum(billed_ms) FILTER (kind = 'report'), max(max_memory_mb),
                   count(*)
            FROM lambda_events GROUP BY 1""").fetchall()
        found = {r[0]: {"invocations": r[1], "errors": r[2], "timeouts": r[3],
                        "cold_starts": r[4], "billed_ms": int(r[5] or 0),
                        "max_memory_mb": r[6], "events": r[7]} for r in rows}
        for name, want in answers["functions"].items() if "lambda" in kinds else ():
            got = found.get(name, {})
            for key, value in got.items():
                if want[key] != value:
                    problems.append(f"{name}: {key} {value}, expected {want[key]}")
            if not got:
                problems.append(f"{name}: no events stored")
        trail = answers["trail"]
        if trail and "cloudtrail" in kinds:
            names = dict(con.execute("SELECT event_name, count(*) FROM cloudtrail_events "
                                     "GROUP BY 1").fetchall())
            codes = dict(con.execute("SELECT error_code, count(*) FROM cloudtrail_events "
                                     "WHERE error_code IS NOT NULL GROUP BY 1").fetchall())
            logins = dict(con.execute(
                "SELECT console_login || '/MFA ' || mfa_used, count(*) FROM cloudtrail_events "
                "WHERE event_name = 'ConsoleLogin' GROUP BY 1").fetchall())
            for label, got_map, want_map in (("event names", names, trail["event_names"]),
                                             ("error codes", codes, trail["error_codes"]),
                                             ("console logins", logins,
                                              trail["console_logins"])):
                if got_map != want_map:
                    problems.append(f"CloudTrail {label}: {got_map}, expected {want_map}")
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()
        if quarantined and quarantined[0]:
            problems.append(f"{quarantined[0]} lines quarantined, expected none")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lambda-lines", type=int, default=1_000_000)
    parser.add_argument("--cloudtrail", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="reuse (or write) the logs here")
    parser.add_argument("--keep", action="store_true", help="keep the generated logs")
    parser.add_argument("--only", choices=("lambda", "cloudtrail"),
                        help="time one kind of logs only")
    args = parser.parse_args()
    kinds = (args.only,) if args.only else ("lambda", "cloudtrail")
    work = Path(tempfile.mkdtemp(prefix="faasguard-logs-"))
    data = args.data or work / "data"
    try:
        answers_file = data / "answers.json"
        if answers_file.exists():
            answers = json.loads(answers_file.read_text())
        else:
            print(f"generating {args.lambda_lines} Lambda lines and {args.cloudtrail} "
                  f"CloudTrail records in {data} ...", flush=True)
            answers = generate(data, args.lambda_lines, args.cloudtrail)
        lines = sum(f["lines"] for f in answers["functions"].values())
        events = sum(f["events"] for f in answers["functions"].values())
        records = answers["trail"].get("records", 0)
        db = work / "store.duckdb"
        counter = iter(range(10**6))

        def fresh(run: Callable[[Path, Path], None]) -> Callable[[], None]:
            def go() -> None:
                target = work / f"store{next(counter)}.duckdb"
                run(data, target)
                target.unlink()
            return go

        readers: dict[str, dict[str, Callable[[], Any]]] = {
            "lambda": {
                "faasguard": fresh(ingest_lambda),
                "duckdb raw": lambda: raw_lambda(data),
                "python plain": lambda: plain_lambda(data),
            },
            "cloudtrail": {
                "faasguard": fresh(ingest_trail),
                "duckdb raw": lambda: raw_trail(data),
                "python plain": lambda: plain_trail(data),
            },
        }
        figures = {kind: {reader: _median(run, args.repeat)
                          for reader, run in readers[kind].items()} for kind in kinds}
        assert "lambda" not in kinds or raw_lambda(data) == lines
        assert "cloudtrail" not in kinds or raw_trail(data) == records
        if "lambda" in kinds:
            ingest_lambda(data, db)
        if "cloudtrail" in kinds:
            ingest_trail(data, db)
        report = _median(lambda: _faasguard("report", "--db", str(db), "-f", "json",
                                            "-o", str(work / "report.json")), args.repeat)
        problems = check(db, answers, kinds)
    finally:
        if args.data is not None or not args.keep:  # the stores; the logs unless kept
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{lines} Lambda log lines ({events} events, {len(answers['functions'])} "
          f"functions), {records} CloudTrail records; median of {args.repeat}, "
          f"{os.cpu_count()} CPUs\n")
    print(f"{'':12} {'reader':14} {'seconds':>8} {'units/s':>12} {'x raw':>7}")
    missed = []
    for kind, units in (("lambda", lines), ("cloudtrail", records)):
        if kind not in figures:
            continue
        raw = figures[kind]["duckdb raw"]
        for reader, seconds in figures[kind].items():
            print(f"{kind:12} {reader:14} {seconds:8.2f} {units / seconds:12,.0f} "
                  f"{seconds / raw:7.1f}")
        ratio = figures[kind]["faasguard"] / raw
        if ratio > TARGET:
            missed.append(f"{kind}: faasguard ingest is {ratio:.1f}x the raw DuckDB scan "
                          f"(target {TARGET:.0f}x)")
    print(f"\nreport (faasguard logs report -f json, whole process): {report:.2f} s")
    print("known answers: " + ("all exact" if not problems else f"{len(problems)} wrong"))
    for problem in problems:
        print(f"  {problem}")
    for miss in missed:
        print(f"MISSED: {miss}")
    return 1 if problems or missed else 0


if __name__ == "__main__":
    sys.exit(main())
