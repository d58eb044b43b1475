"""Lambda log files parsed inside DuckDB, a chunk at a time.

Python's share of the work is reading bytes and cutting them into chunks of whole
units (lines, or export events with their continuation lines); DuckDB reads a chunk
with its CSV reader as one text column, numbers the lines, and parses the lines it can
be sure about with regular expressions and JSON functions: START, END and REPORT lines
in their standard form, INIT_START, platform lines, and application lines (the Python
runtime's ``[LEVEL]`` format, the Node.js-style tab format, plain text, structured JSON
lines that are not errors). Every other unit (errors, timeouts, out-of-memory exits,
audit events, platform JSON events, anything unusual or not plain ASCII where Python's
and DuckDB's regular expressions could disagree) is handed back to Python and parsed by
`faasguard.logs.parsers.lambda_logs`, so each row is exactly the row the Python parser
makes. A chunk DuckDB cannot take as a whole (invalid UTF-8, carriage returns, NUL or
0x01 bytes, an error from the reader) is parsed by Python unit by unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from faasguard.logs.parsers.lambda_logs import EVENT_START, Origin
from faasguard.logs.schema import HEAD, LAMBDA
from faasguard.logs.store import POSITION_LINES, POSITION_SOURCES, ts_sql

if TYPE_CHECKING:
    from pathlib import Path

    import duckdb

TEMP = "fast_lambda_chunk"
COLUMNS = tuple(name for name, _ in (*HEAD, *LAMBDA.columns))
# What makes DuckDB's CSV reader see lines differently from Python's line iterator.
_UNSAFE = (b"\r", b"\x00", b"\x01")
_ENDED = (EOFError, OSError)
# A newline followed by a line that does not start an export event (see EVENT_START).
_CONTINUATION = re.compile(rb"\n(?!\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")


def _quote(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


# -- cutting a stream into chunks of whole units ---------------------------------------

def _boundary(data: bytearray, events: bool) -> int:
    """Where the last complete unit in `data` ends (0: none is complete yet)."""
    end = len(data)
    while True:
        cut = data.rfind(b"\n", 0, end)
        if cut < 0:
            return 0
        if not events or EVENT_START.match(data, cut + 1):
            return cut + 1
        end = cut


def chunks(stream: BinaryIO, events: bool, size: int) -> Iterator[bytes]:
    """The stream's bytes in chunks of about `size`, each ending at a unit boundary (a
    unit longer than `size` makes its chunk longer). If reading fails (a truncated or
    corrupt gzip file), the complete units read so far come first, then the error."""
    pending = bytearray()
    want = size
    while True:
        try:
            while len(pending) < want:
                piece = stream.read1(want - len(pending))  # type: ignore[attr-defined]
                if not piece:
                    if pending:
                        yield bytes(pending)
                    return
                pending += piece
        except _ENDED:
            cut = _boundary(pending, events)
            if cut:
                yield bytes(pending[:cut])
            raise
        cut = _boundary(pending, events)
        if not cut:
            want *= 2
            continue
        yield bytes(pending[:cut])
        del pending[:cut]
        want = size


def safe(chunk: bytes) -> bool:
    """Whether DuckDB's reader sees this chunk's lines as Python does."""
    if any(mark in chunk for mark in _UNSAFE):
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# -- the SQL ---------------------------------------------------------------------------

_EXPORT = (r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
           r"(?:Z|[+-][0-9]{2}:?[0-9]{2})) (?:([0-9]{4}/[0-9]{2}/[0-9]{2}/\[[^\]]*\]"
           r"[A-Za-z0-9_]+) )?")
_START = r"START RequestId: ([!-~]+)(?:[ \t]+Version: ([!-~]+))?[ \t]*"
_END = r"END RequestId: ([!-~]+)[ \t]*"
_NUM = r"[0-9]{1,12}(?:\.[0-9]{1,6})?"
_REPORT = (rf"REPORT RequestId: ([!-~]+)\tDuration: ({_NUM}) ms\tBilled Duration: ({_NUM}) ms"
           r"\tMemory Size: ([0-9]{1,9}) MB\tMax Memory Used: ([0-9]{1,9}) MB"
           rf"(?:\tInit Duration: ({_NUM}) ms)?(?:\tStatus: ([A-Za-z]+))?[ \t]*")
_INIT_START = r"INIT_START Runtime Version: ([!-~]+)(?:\tRuntime Version ARN: [!-~]+)?[ \t]*"
_PYTHON = r"^\[([A-Z]+)\]\t([!-~]+)\t([!-~]+)\t"
_NODE = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[!-~]+)\t([!-~]+)\t([A-Z]+)\t"
_ERRORS = "('ERROR', 'FATAL', 'CRITICAL')"
_PLATFORM = ("EXTENSION", "TELEMETRY", "LOGS\t", "RESTORE_START", "RESTORE_REPORT",
             "INIT_RUNTIME_DONE")
_TRIGGERS = ("Task timed out after", "signal: killed", "Runtime.OutOfMemory", "Runtime exited")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Keys of a structured (JSON) application line that Python reads, in `_JSON_KEYS` order.
_JSON_KEYS = ("level", "log_level", "levelname", "requestId", "AWSRequestId",
              "function_request_id", "request_id", "timestamp", "time", "type")
_LEVEL, _REQUEST, _TIME = (1, 2, 3), (4, 5, 6, 7), (8, 9)
# JSON that DuckDB reads and Python's json does not (trailing commas, nan and inf in any
# spelling); such lines go to Python
_NOT_PYTHON_JSON = r",[ \t]*[\]}]|(?i:[:,\[][ \t]*[+-]?(?:nan|inf))"
_CANONICAL_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z [^0-9]"


def _whole(pattern: str) -> str:
    return _lit(f"^{pattern}$")


def _first(indexes: tuple[int, ...]) -> str:
    """Python's ``a or b or c`` over string values: the first non-empty one."""
    return "coalesce(" + ", ".join(f"nullif(jv[{i}], '')" for i in indexes) + ")"


def _classify_sql(path: str, first_line: int, source_id: int, origin: Origin) -> str:
    lines = (f"SELECT row_number() OVER () - 1 + {first_line} AS n, coalesce(line, '') AS t "
             f"FROM read_csv({_lit(path)}, columns = {{'line': 'VARCHAR'}}, header = false, "
             "auto_detect = false, delim = '\\x01', quote = '', escape = '', "
             "new_line = '\\n', strict_mode = false, max_line_size = 1073741824)")
    # the export time (and log stream): the usual "...000Z " form without a regexp
    split = f"""SELECT n, t, CASE WHEN regexp_matches(t, {_lit(_CANONICAL_TIME)})
                  THEN {{'ts': left(t, 24), 'stream': ''}}
                  ELSE regexp_extract(t, {_lit(_EXPORT)}, ['ts', 'stream']) END AS x
                FROM ({lines})"""
    message = f"""SELECT n, t, x.ts AS export_ts, x.stream AS stream,
                    CASE WHEN x.ts = '' THEN t ELSE substr(t, length(x.ts) + 2 +
                    CASE WHEN x.stream = '' THEN 0 ELSE length(x.stream) + 1 END) END AS m
                  FROM ({split})"""
    paths = "[" + ", ".join(f"'$.{k}'" for k in _JSON_KEYS) + "]"
    # JSON functions raise on text that is not JSON: CASE keeps them to valid lines
    candidate = (f"CASE WHEN starts_with(m, '{{') AND NOT contains(m, '\\u') THEN json_valid(m) "
                 f"AND NOT regexp_matches(m, {_lit(_NOT_PYTHON_JSON)}) ELSE false END")
    # each line's own regular expression runs once, its groups kept for the columns
    parsed = f"""SELECT *, list_transform(jx, v -> json_extract_string(v, '$')) AS jv,
                   list_transform(jx, v -> json_type(v)) AS jt FROM (SELECT *,
                   CASE WHEN j THEN json_extract(m, {paths}) END AS jx,
                   CASE WHEN j THEN json_keys(m) END AS jk,
                   CASE WHEN starts_with(m, 'REPORT') THEN regexp_extract(m, {_whole(_REPORT)},
                        ['rid', 'dur', 'billed', 'mem', 'max', 'init', 'st']) END AS r,
                   CASE WHEN starts_with(m, 'START ') THEN regexp_extract(m, {_whole(_START)},
                        ['rid', 'ver']) END AS s,
                   CASE WHEN starts_with(m, 'END Re') THEN regexp_extract(m, {_whole(_END)}, 1)
                        END AS e,
                   CASE WHEN starts_with(m, 'INIT_S') THEN
                        regexp_extract(m, {_whole(_INIT_START)}, 1) END AS i,
                   CASE WHEN starts_with(m, '[') THEN regexp_extract(m, {_lit(_PYTHON)},
                        ['lvl', 'ts', 'rid']) END AS p,
                   CASE WHEN ascii(m) BETWEEN 48 AND 57 THEN regexp_extract(m, {_lit(_NODE)},
                        ['ts', 'rid', 'lvl']) END AS nd
                 FROM (SELECT *, {candidate} AS j FROM ({message})))"""
    level = _first(_LEVEL)
    json_ok = (
        "len(jk) = len(list_distinct(jk)) "
        "AND NOT contains(m, '\"schema\"') AND NOT contains(m, 'errorType') "
        "AND NOT coalesce(starts_with(jv[10], 'platform.'), false) "
        "AND list_bool_and(list_transform(jt[1:7], v -> coalesce(v IN ('NULL', 'VARCHAR'), "
        "true))) "
        f"AND NOT coalesce(regexp_matches({level}, '[^[:ascii:]]') "
        f"OR upper({level}) IN {_ERRORS}, false)")
    platform = " OR ".join(f"starts_with(m, {_lit(p)})" for p in _PLATFORM)
    triggers = " OR ".join(f"contains(m, {_lit(p)})" for p in _TRIGGERS)
    kind = f"""CASE
        WHEN t = '' OR NOT regexp_matches(t, '[!-~]') THEN
            CASE WHEN regexp_full_match(t, '[ \\t]*') THEN 'skip' END
        WHEN export_ts = '' AND ascii(t) BETWEEN 48 AND 57
            AND regexp_matches(t, '[^[:ascii:]]') THEN NULL
        WHEN stream = '' AND regexp_matches(m, '^[0-9]{{4}}/') THEN NULL
        WHEN NOT (ascii(m) BETWEEN 32 AND 126 OR ascii(m) = 9) THEN NULL
        WHEN starts_with(m, 'START ') THEN CASE WHEN s.rid <> '' THEN 'start' END
        WHEN starts_with(m, 'REPORT') THEN CASE WHEN r.rid <> '' THEN 'report' END
        WHEN starts_with(m, 'END Re') THEN CASE WHEN e <> '' THEN 'end' END
        WHEN starts_with(m, 'INIT_S') THEN CASE WHEN i <> '' THEN 'init_start' END
        WHEN starts_with(m, 'INIT_R') THEN NULL
        WHEN starts_with(m, '{{') THEN
            CASE WHEN j AND {json_ok} AND (export_ts <> '' OR
                 list_bool_and(list_transform(jt[8:9], v -> coalesce(v IN ('NULL', 'VARCHAR'),
                 true)))) THEN 'json' END
        WHEN {platform} THEN 'platform'
        WHEN {triggers} THEN NULL
        WHEN starts_with(m, '[') THEN
            CASE WHEN p.lvl <> '' AND p.lvl NOT IN {_ERRORS} THEN 'python' END
        WHEN regexp_matches(m, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T') THEN
            CASE WHEN nd.lvl <> '' AND nd.lvl NOT IN {_ERRORS} THEN 'node' END
        WHEN ascii(m) BETWEEN 48 AND 57 AND regexp_matches(left(m, 11), '[^[:ascii:]]')
            THEN NULL
        ELSE 'plain' END"""
    request = ("CASE k WHEN 'start' THEN s.rid WHEN 'report' THEN r.rid WHEN 'end' THEN e "
               f"WHEN 'python' THEN p.rid WHEN 'node' THEN nd.rid "
               f"WHEN 'json' THEN {_first(_REQUEST)} END")
    position = (f"({source_id}::UBIGINT << 40) | (n::UBIGINT << 8)" if source_id < POSITION_SOURCES
                else f"md5_number_upper('{source_id}:' || n || ':0')")
    columns = {
        "id": f"CASE WHEN n < {POSITION_LINES} THEN {position}::UBIGINT "
              f"ELSE md5_number_upper('{source_id}:' || n || ':0') END",
        "source_id": str(source_id),
        "line": "n",
        "ts": ts_sql("nullif(CASE WHEN export_ts <> '' THEN export_ts WHEN k = 'python' "
                     "THEN p.ts WHEN k = 'node' THEN nd.ts WHEN k = 'json' "
                     f"THEN {_first(_TIME)} END, '')"),
        "log_group": _quote(origin.log_group),
        "log_stream": f"coalesce(nullif(stream, ''), {_quote(origin.log_stream)})",
        "account_id": _quote(origin.account_id),
        "function_name": _quote(origin.function_name),
        "kind": "CASE WHEN k IN ('python', 'node', 'plain', 'json') THEN 'log' ELSE k END",
        "request_id": f"CASE WHEN {request} IN ('undefined', 'None', 'null') THEN NULL "
                      f"ELSE {request} END",
        "level": f"CASE k WHEN 'python' THEN p.lvl WHEN 'node' THEN nd.lvl "
                 f"WHEN 'json' THEN {level} END",
        "message": "m",
        "duration_ms": "CASE WHEN k = 'report' THEN TRY_CAST(r.dur AS DOUBLE) END",
        "billed_ms": "CASE WHEN k = 'report' THEN TRY_CAST(r.billed AS DOUBLE) END",
        "memory_mb": "CASE WHEN k = 'report' THEN TRY_CAST(r.mem AS INTEGER) END",
        "max_memory_mb": "CASE WHEN k = 'report' THEN TRY_CAST(r.max AS INTEGER) END",
        "init_ms": "CASE WHEN k = 'report' THEN TRY_CAST(nullif(r.init, '') AS DOUBLE) END",
        "status": "CASE WHEN k = 'report' THEN nullif(r.st, '') END",
        "version": "CASE k WHEN 'start' THEN nullif(s.ver, '') WHEN 'init_start' THEN i END",
    }
    # fallback rows get columns too (unused): cheaper than guarding every column
    select = ", ".join(f"{columns.get(name, 'NULL')} AS \"{name}\"" for name in COLUMNS)
    return f"""CREATE OR REPLACE TEMP TABLE {TEMP} AS
        SELECT n, k IS NULL AS fallback, keep,
               CASE WHEN k IS NULL THEN t END AS t, {select}
        FROM (SELECT *, k IS NOT NULL AND k <> 'skip' AS keep
              FROM (SELECT *, {kind} AS k FROM ({parsed})))"""


def _insert_sql() -> str:
    names = ", ".join(f'"{name}"' for name in COLUMNS)
    return f"INSERT INTO {LAMBDA.name} SELECT {names} FROM {TEMP} WHERE keep"


def multiline_units(data: bytes, first_line: int) -> list[tuple[int, int, int]]:
    """The export events of a chunk that span several lines: (line, start, end)."""
    found: list[tuple[int, int, int]] = []
    counted, line = 0, first_line  # lines counted up to byte `counted`
    for match in _CONTINUATION.finditer(data, 0, len(data) - 1):
        at = match.end()  # where a continuation line begins
        if found and found[-1][2] == at:  # the next line of the same event
            unit_line, start, _ = found.pop()
        else:
            start = data.rfind(b"\n", 0, at - 1) + 1
            line += data.count(b"\n", counted, start)
            counted, unit_line = start, line
        end = data.find(b"\n", at)
        found.append((unit_line, start, len(data) if end < 0 else end + 1))
    return found


class Chunk:
    """One chunk classified in DuckDB: `rest` are the units left to Python (line, bytes),
    and `insert` stores the others (call it inside the batch's transaction).

    Export events that span lines are left to Python: DuckDB sees blank lines in their
    place, so every line it reads is a unit and keeps its line number."""

    def __init__(self, db: duckdb.DuckDBPyConnection, spool: Path, data: bytes,
                 first_line: int, events: bool, source_id: int, origin: Origin) -> None:
        self.db = db
        multi = multiline_units(data, first_line) if events else []
        target = spool / "chunk.log"
        with target.open("wb") as out:
            at = 0
            for _, start, end in multi:
                out.write(data[at:start])
                out.write(b"\n" * data.count(b"\n", start, end))
                at = end
            out.write(data[at:])
        db.execute(_classify_sql(str(target), first_line, source_id, origin))
        rest = [(int(n), str(t).encode("utf-8")) for n, t in db.execute(
            f"SELECT n, t FROM {TEMP} WHERE fallback").fetchall()]
        rest.extend((line, data[start:end]) for line, start, end in multi)
        rest.sort(key=lambda unit: unit[0])
        self.rest = rest

    def insert(self) -> int:
        found = self.db.execute(_insert_sql()).fetchone()
        return int(found[0]) if found else 0

    def drop(self) -> None:
        self.db.execute(f"DROP TABLE IF EXISTS {TEMP}")
