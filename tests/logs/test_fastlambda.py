"""Lambda logs parsed in DuckDB give exactly the rows the Python parser gives.

Every file is ingested twice: once as shipped (DuckDB takes the lines it can be sure
of) and once with DuckDB's share turned off (every line through
`faasguard.logs.parsers.lambda_logs`); the two stores must hold the same rows, ids
included. The lines mix the common forms DuckDB parses with the cases it must hand back
to Python (malformed platform lines, errors, timeouts, JSON Python reads differently,
non-ASCII where regular expression engines differ, multi-line export events). Files of
printable ASCII only and files with other characters take different SQL (see
`fastlambda.screen`), so both are read.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

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


# Edge cases of the SQL's own shortcuts: the usual export prefix, heads cut at 12
# characters, request ids Python keeps as written, lines that continue an event.
MORE = [
    "START RequestId: null Version: 1",
    "START RequestId: undefined",
    "END RequestId: None",
    "REPORT RequestId: null\tDuration: 1.5 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 50 MB\t",
    '{"level":"INFO","requestId":"undefined","message":"x"}',
    '{"level":"INFO","requestId":"null","timestamp":"2026-11-20T10:00:00.000+02:00"}',
    '{"level":"warn","message":"x","time":1700000000000}',
    '{"level":"INFO","x":1,"x":2,"requestId":"r"}',
    '{"level":{"a":1},"requestId":["x"]}',
    '{"level":"INFO","requestId":{"id":"x"}}',
    '{"level":null,"log_level":"INFO","RequestId":"x","Level":"ERROR"}',
    '{"level":"INFO","level":null}',
    '{"level":"DEBUG","time":true}',
    '{"message":"a","message":{"errorType":"E"}}',
    '{"requestId":"a","AWSRequestId":"b","request_id":"c","log_level":"DEBUG"}',
    '{"level":"INFO","time":"2026-11-20T10:00:00Z","timestamp":""}',
    "2026-11-20T10:00:00.000Z\tr2\tnull\tINFO\tnode line",
    "2026-11-20T10:00:00.000Z\tnull\tINFO\tnode line",
    "RESTORE_START Runtime Version: x",
    "RESTORE_REPORT Restore Duration: 5 ms",
    "RESTORE_SOMETHING else",
    "INIT_RUNTIME_DONE",
    "TELEMETRY\tName: x",
    "LOGS\tName: x",
    "LOGSTASH line",
    "EXTENSION",
    "\t  \t",
    "[WARNING]\t2026-11-20T10:00:00.000Z\tnull\twarned",
    "[info]\t2026-11-20T10:00:00.000Z\tr\tlower level",
    "2026/11/20/[$LATEST]abc not a stream without a time",
    "12345",
]
EXPORT_MORE = [
    "2026-11-20T10:00:00.000Z 2026/11/20/[$LATEST]Runtime.OutOfMemory START RequestId: s",
    "2026-11-20T10:00:00.000Z 2026/11/20/[$LATEST]abc [INFO]\tt\tr\tin a stream",
    "2026-11-20T10:00:00.000Z 2026/11/20/[$LATEST] missing name",
    "2026-11-20T10:00:00.000Z 2026/11/20/[$LATEST]abc",
    "2026-11-20T10:00:00Z START RequestId: no-millis Version: 1",
    "2026-11-20T10:00:00.5Z END RequestId: one-digit",
    "2026-11-20T10:00:00.000+0000 END RequestId: offset",
    "2026-11-20T10:00:00.000Z 12 digits first",
    "2026-11-20T10:00:00.000Z  START RequestId: two-spaces",
    "2026-02-30T10:00:00.000Z END RequestId: no-such-day",
    "2026-11-20T10:00:00.000Z [INFO]\t2026-11-20T10:00:00.000Z\tr\ttimed out? Task timed out "
    "after 3.00 seconds",
    "2026-11-20T10:00:01.000Z [ERROR]\tT\tr\tboom",
    "",
    "  indented continuation",
    "2026-11-20T10:00:02.000Z END RequestId: after-blank-continuation",
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _store(paths: list[Path], db: Path, batch: int) -> None:
    ingest([str(p) for p in paths], db, batch=batch, log_group="/aws/lambda/fn")


def _rows(db: Path, table: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


@pytest.mark.parametrize("batch", [4, 50_000])
def test_duckdb_rows_equal_python_rows(tmp_path: Path, batch: int,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    export = [f"2026-11-20T10:00:0{i % 10}.000Z {line}" for i, line in enumerate(LINES + MORE)
              if line] + EXPORT_MORE + EXPORT
    ascii_lines = [line for line in LINES + MORE
                   if line.isascii() and line.replace("\t", " ").isprintable()]
    ascii_export = [line for line in export if line.isascii()]
    sources = [
        _write(tmp_path / "lines.log", LINES + MORE),
        _write(tmp_path / "export.log", export),
        _write(tmp_path / "ascii-lines.log", ascii_lines),
        _write(tmp_path / "ascii-export.log", ascii_export),
        # an export file whose first event is a blank line continued by an indented one
        _write(tmp_path / "starts-blank.log", ["", "  " + export[0], "", *ascii_export[:20]]),
    ]
    bare = tmp_path / "no-newline.log"
    bare.write_text("\n".join(LINES[:8]), encoding="utf-8")
    sources.append(bare)
    stored: list[tuple[bool, int]] = []  # (plain ASCII chunk, rows DuckDB stored)
    real = FASTLAMBDA.Chunk.insert

    def counted(self: Any) -> int:
        count: int = real(self)
        stored.append((self.ascii_only, count))
        return count

    monkeypatch.setattr(FASTLAMBDA.Chunk, "insert", counted)
    fast = tmp_path / "fast.duckdb"
    _store(sources, fast, batch)
    python = tmp_path / "python.duckdb"
    monkeypatch.setattr(INGEST, "screen", lambda data: None)  # every line through Python
    _store(sources, python, batch)
    for table in ("lambda_events", "audit_events", "quarantine"):
        assert _rows(fast, table) == _rows(python, table), table
    total = len(_rows(fast, "lambda_events"))
    assert total == 418
    # both SQL variants ran, and took most lines (a failing query falls back silently)
    assert {ascii_only for ascii_only, count in stored if count} == {True, False}
    assert sum(count for _, count in stored) > total // 2
    with duckdb.connect(str(fast), read_only=True) as con:
        framings = dict(con.execute("SELECT path, framing FROM sources").fetchall())
    assert framings[str(tmp_path / "starts-blank.log")] == "events"


def test_a_chunk_duckdb_fails_on_is_read_by_python(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    source = _write(tmp_path / "export.log", [f"2026-11-20T10:00:00.000Z {line}"
                                              for line in LINES if line])
    python = tmp_path / "python.duckdb"
    monkeypatch.setattr(INGEST, "screen", lambda data: None)
    _store([source], python, 50_000)
    monkeypatch.undo()
    monkeypatch.setattr(FASTLAMBDA, "insert_sql", lambda *args: "SELECT * FROM no_such_table")
    broken = tmp_path / "broken.duckdb"
    report = ingest([str(source)], broken, log_group="/aws/lambda/fn")
    assert report.sources[0].state == "ingested"
    for table in ("lambda_events", "quarantine"):
        assert _rows(broken, table) == _rows(python, table), table
