"""Lambda logs parsed in DuckDB give exactly the rows the Python parser gives.

Every file is ingested twice: once as shipped (DuckDB takes the lines it can be sure
of) and once with DuckDB's share turned off (every line through
`faasguard.logs.parsers.lambda_logs`); the two stores must hold the same rows, ids
included. The lines mix the common forms DuckDB parses with the cases it must hand back
to Python (malformed platform lines, errors, timeouts, JSON Python reads differently,
non-ASCII where regular expression engines differ, multi-line export events).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb
import pytest

from faasguard.logs import ingest

INGEST = importlib.import_module("faasguard.logs.ingest")
FASTLAMBDA = importlib.import_module("faasguard.logs.fastlambda")

LINES = [
    "START RequestId: abc Version: $LATEST",
    "START RequestId: abc",
    "START RequestId:  spaced",
    "START RequestId: é Version: 1",
    "END RequestId: abc",
    "END RequestId: abc extra",
    "REPORT RequestId: abc\tDuration: 1.5 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 50 MB\t",
    "REPORT RequestId: abc\tDuration: 1.5 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 50 MB\tInit Duration: 100.25 ms\tStatus: timeout",
    "REPORT RequestId: abc\tDuration: 1.5 ms\tBilled Duration: 2 ms\t"
    "Memory Size: 99999999999 MB\tMax Memory Used: 50 MB",
    "REPORT RequestId: abc Duration: 1.5 ms",
    "REPORTING something",
    "INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: arn:aws:lambda:x",
    "INIT_REPORT Init Duration: 1.2 ms\tPhase: init\tStatus: error",
    "INIT_RUNTIME_DONE x",
    "EXTENSION\tName: foo",
    '{"level":"INFO","message":"hi","requestId":"r1","timestamp":"2026-11-20T10:00:00.000Z"}',
    '{"level":"error","message":"boom"}',
    '{"level":"INFO","message":"x",}',
    '{"level":"INFO","v":nan}',
    '{"level":"INFO","level":"DEBUG"}',
    '{"level":5,"message":"x"}',
    '{"level":"","log_level":"WARN","message":"x"}',
    '{"message":"\\u00e9"}',
    '{"type":"platform.start","time":"2026-11-20T10:00:00.000Z","record":{"requestId":"r"}}',
    '{"schema":"faasguard.audit/1","type":"x"}',
    '{"time":1700000000000,"level":"INFO"}',
    '{"timestamp":"","time":"2026-11-20T10:00:00.000Z"}',
    '{broken',
    '{"broken',
    '{"errorType":"X","errorMessage":"y"}',
    "[INFO]\t2026-11-20T10:00:00.000Z\tr1\thello",
    "[ERROR]\t2026-11-20T10:00:00.000Z\tr1\tKeyError: 'x'",
    "[INFO]\t2026-11-20T10:00:00.000Z\tundefined\thello",
    "[INFO]\t2026-11-20T10:00:00.000Z\tré\thello",
    "[ERROR] Runtime.ImportModuleError: Unable to import",
    "2026-11-20T10:00:00.000Z\tr2\tINFO\tnode line",
    "2026-11-20T10:00:00.000Z\tr2\tERROR\tnode err",
    "abc Task timed out after 3.00 seconds",
    "RequestId: abc Error: Runtime exited with error: signal: killed",
    "plain text line",
    "   ",
    "",
    "\u00a0",
    "\x0b",
    "\uff11\uff12\uff13\uff14-11-20T10:00:00Z x",
    "1234 not a date",
    "2026-11-20T10:00:00.000Z 2026/11/20/[$LATEST]abcdef0123 START RequestId: s1 Version: 1",
    "2026-11-20T10:00:00.000Z 2026/11/20/[$LATEST]abcé START RequestId: s1 Version: 1",
    "2026-11-20T10:00:00.123456+02:00 END RequestId: e1",
    "2026-11-20T10:00:00.000Z ",
    "\tleading tab",
    "ünïcode line",
]
EXPORT = [f"2026-11-20T10:00:0{i % 10}.000Z {line}" for i, line in enumerate(LINES) if line] + [
    "2026-11-20T10:00:01.000Z [ERROR]\t2026-11-20T10:00:00.000Z\tr1\tboom",
    "Traceback (most recent call last):", "", '  File "/var/task/app.py", line 3',
    "2026-11-20T10:00:02.000Z END RequestId: z",
    "continuation after the last event",
]


def _store(paths: list[Path], db: Path, batch: int) -> None:
    ingest([str(p) for p in paths], db, batch=batch, log_group="/aws/lambda/fn")


def _rows(db: Path, table: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


@pytest.mark.parametrize("batch", [4, 50_000])
def test_duckdb_rows_equal_python_rows(tmp_path: Path, batch: int,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    lines, export, bare = (tmp_path / "lines.log", tmp_path / "export.log",
                           tmp_path / "no-newline.log")
    lines.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    export.write_text("\n".join(EXPORT) + "\n", encoding="utf-8")
    bare.write_text("\n".join(LINES[:8]), encoding="utf-8")
    sources = [lines, export, bare]
    chunks: list[int] = []
    real = FASTLAMBDA.Chunk.__init__

    def counted(self: object, *args: object) -> None:
        real(self, *args)  # type: ignore[arg-type]
        chunks.append(1)

    monkeypatch.setattr(FASTLAMBDA.Chunk, "__init__", counted)
    fast = tmp_path / "fast.duckdb"
    _store(sources, fast, batch)
    assert chunks, "DuckDB parsed no chunk"
    monkeypatch.setattr(INGEST, "safe", lambda data: False)  # every line through Python
    python = tmp_path / "python.duckdb"
    _store(sources, python, batch)
    for table in ("lambda_events", "audit_events", "quarantine"):
        assert _rows(fast, table) == _rows(python, table), table
    assert len(_rows(fast, "lambda_events")) == 96


def test_multiline_units_are_found_with_their_lines() -> None:
    data = (b"2026-11-20T10:00:00.000Z a\n2026-11-20T10:00:01.000Z b\nmore\nmore\n"
            b"2026-11-20T10:00:02.000Z c\nlast\n")
    assert FASTLAMBDA.multiline_units(data, 10) == [
        (11, 27, data.index(b"2026-11-20T10:00:02")), (14, data.index(b"2026-11-20T10:00:02"),
                                                       len(data))]
