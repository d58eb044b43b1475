"""Lambda log files parsed inside DuckDB, a chunk at a time.

Python's share of the work is reading bytes and cutting them into chunks of whole
units (lines, or export events with their continuation lines); DuckDB reads a chunk
with its CSV reader as one text column, numbers the lines, and parses the lines it can
be sure about: START, END and REPORT lines in their standard form, INIT_START, platform
lines, and application lines (the Python runtime's ``[LEVEL]`` format, the Node.js-style
tab format, plain text, structured JSON lines that are not errors). Every other unit
(errors, timeouts, out-of-memory exits, audit events, platform JSON events, anything
unusual or where Python's and DuckDB's regular expressions could disagree) is handed
back to Python and parsed by `faasguard.logs.parsers.lambda_logs`, so each row is
exactly the row the Python parser makes. A chunk DuckDB cannot take as a whole
(invalid UTF-8, carriage returns, NUL or 0x01 bytes) is parsed by Python unit by unit.

How a chunk goes through DuckDB, with as little work per line as it can (each SQL
function called on a line costs about as much as reading the line):

1. `load_sql` reads the chunk's lines into a temporary table with what every later step
   needs: the line number, whether it has the usual export prefix
   (``2026-11-20T10:00:00.000Z `` and a message that does not start with a digit:
   one GLOB, then fixed offsets; the export regular expression runs only on other
   lines), where its message starts, and its kind, from the first 12 characters of the
   message. In an export file, a line that does not start with a time continues the
   event before it: such events go to Python whole (`JOIN_SQL` marks their first lines).
2. `insert_sql` stores the rows: one SELECT per kind over that kind's lines, each
   running its own pattern once (START, END, REPORT, INIT_START and the runtimes'
   formats with RE2, structured lines with one ``from_json`` per value type), all in one
   ``INSERT``. DuckDB's filter pushdown is off for it: pushed below the SELECT that
   computes them, the tests on a pattern's groups would run the pattern again.
3. `rest_sql` gives the lines that got no row, in the same transaction; Python parses
   them (`units` puts multi-line events back together).

A chunk of printable ASCII, tabs and newlines only (checked once, in Python: `screen`)
skips every per-line test that is there for other characters (Python's ``\\d``, ``\\w``
and ``\\s`` match more than RE2's classes outside ASCII).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from faasguard.logs.parsers.lambda_logs import EVENT_START, Origin
from faasguard.logs.schema import HEAD, LAMBDA
from faasguard.logs.store import POSITION_LINES, POSITION_SOURCES, sql_string, ts_sql

if TYPE_CHECKING:
    from pathlib import Path

    import duckdb

COLUMNS = tuple(name for name, _ in (*HEAD, *LAMBDA.columns))
TEMP = "fast_lambda_lines"  # the chunk's lines, while its transaction lasts
# What makes DuckDB's CSV reader see lines differently from Python's line iterator.
_UNSAFE = (b"\r", b"\x00", b"\x01")
# Bytes of a "plain" chunk: printable ASCII, tab, newline.
_PLAIN = bytes(range(0x20, 0x7F)) + b"\t\n"
_ENDED = (EOFError, OSError)


def _quote(value: str | None) -> str:
    return "NULL" if value is None else sql_string(value)


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
        with memoryview(pending) as view:
            chunk = bytes(view[:cut])  # one copy
        yield chunk
        del pending[:cut]
        want = size


ASCII, TEXT = "ascii", "text"


def screen(chunk: bytes) -> str | None:
    """How DuckDB may read the chunk: `ASCII` when it holds only printable ASCII, tabs
    and newlines, `TEXT` when its reader still sees the lines as Python does, None when
    it does not (invalid UTF-8, carriage returns, NUL or 0x01 bytes)."""
    odd = chunk.translate(None, _PLAIN)  # one pass; usually empty
    if not odd:
        return ASCII
    if any(mark in odd for mark in _UNSAFE):
        return None
    if not odd.isascii():
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return TEXT


# -- the SQL ---------------------------------------------------------------------------

# The usual export prefix: a time in milliseconds, "Z", a space, and a message that does
# not start with a digit (it could be a log stream name). Python's EXPORT reads such a
# line as time = its first 24 characters, no stream, message = the rest.
_CANONICAL = ("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
              ".[0-9][0-9][0-9]Z [!0-9]*")
# Where an export event starts (EVENT_START, a bytes pattern: its \d is ASCII).
_EVENT_START = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
_EXPORT = (r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
           r"(?:Z|[+-][0-9]{2}:?[0-9]{2})) (?:([0-9]{4}/[0-9]{2}/[0-9]{2}/\[[^\]]*\]"
           r"[A-Za-z0-9_]+) )?")
# START as Lambda writes it (RE2 extracts its groups in one pass), then any START
_START_USUAL = r"^START RequestId: ([!-~]+) Version: ([!-~]+)$"
_START = r"^START RequestId: ([!-~]+)(?:[ \t]+Version: ([!-~]+))?[ \t]*$"
_END = r"^END RequestId: ([!-~]+)[ \t]*$"
_NUM = r"[0-9]{1,12}(?:\.[0-9]{1,6})?"
_REPORT = (rf"^REPORT RequestId: ([!-~]+)\tDuration: ({_NUM}) ms\tBilled Duration: ({_NUM}) ms"
           r"\tMemory Size: ([0-9]{1,9}) MB\tMax Memory Used: ([0-9]{1,9}) MB"
           rf"(?:\tInit Duration: ({_NUM}) ms)?(?:\tStatus: ([A-Za-z]+))?[ \t]*$")
_INIT_START = (r"^INIT_START Runtime Version: ([!-~]+)(?:\tRuntime Version ARN: [!-~]+)?"
               r"[ \t]*$")
_PYTHON = r"^\[([A-Z]+)\]\t([!-~]+)\t([!-~]+)\t"
_NODE = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[!-~]+)\t([!-~]+)\t([A-Z]+)\t"
_ERRORS = "('ERROR', 'FATAL', 'CRITICAL')"
_PLATFORM = ("EXTENSION", "TELEMETRY", "LOGS\t", "RESTORE_START", "RESTORE_REPORT",
             "INIT_RUNTIME_DONE")
_TRIGGERS = ("Task timed out after", "signal: killed", "Runtime.OutOfMemory", "Runtime exited")

# Keys of a structured (JSON) application line that Python reads, each in Python's order
# of preference (``obj.get("level") or obj.get("log_level") or ...``).
_LEVEL = ("level", "log_level", "levelname")
_REQUEST = ("requestId", "AWSRequestId", "function_request_id", "request_id")
_TIME = ("timestamp", "time")
_JSON_KEYS = (*_LEVEL, *_REQUEST, *_TIME, "type")
# JSON that DuckDB reads and Python's json does not (trailing commas, nan and inf in any
# spelling); such lines go to Python
_NOT_PYTHON_JSON = r",[ \t]*[\]}]|(?i:[:,\[][ \t]*[+-]?(?:nan|inf))"


def _first(keys: tuple[str, ...]) -> str:
    """Python's ``a or b or c`` over string values: the first non-empty one."""
    return "coalesce(" + ", ".join(f"nullif(jv.\"{k}\", '')" for k in keys) + ")"


def _shape(kind: str) -> str:
    """The keys Python reads, each as a `kind` value, for ``from_json`` (keys match
    case-sensitively, as in Python; a missing key or JSON null gives NULL)."""
    return sql_string("{" + ", ".join(f'"{k}": "{kind}"' for k in _JSON_KEYS) + "}")


def _strings(keys: tuple[str, ...]) -> str:
    """Whether the JSON values at these keys are all strings, null or missing (`jr`
    holds them as JSON text: a string's starts with a quote)."""
    return " AND ".join(f"(jr.\"{k}\" IS NULL OR starts_with(jr.\"{k}\", '\"'))"
                        for k in keys)


def lines_sql(path: str, first_line: int) -> str:
    """The chunk's lines, numbered from `first_line` (one thread reads them in order)."""
    return (f"SELECT row_number() OVER () + {first_line - 1} AS n, coalesce(line, '') AS t "
            f"FROM read_csv({sql_string(path)}, columns = {{'line': 'VARCHAR'}}, header = false, "
            "auto_detect = false, delim = '\\x01', quote = '', escape = '', "
            "new_line = '\\n', strict_mode = false, max_line_size = 1073741824)")


# What a line's message starts with: which parser takes it (Python's order of tests).
START, REPORT, END, INIT_START, JSON, PLATFORM, PYTHON, NODE, PLAIN = range(1, 10)


_HEAD = 12  # characters of a message's head: DuckDB keeps strings this short inline


def _head_sql(ascii_only: bool) -> str:
    """The line's kind by its message's head `hd` (a constant above), NULL when Python
    must read it: INIT_REPORT, timeouts and out-of-memory exits, and lines where Python's
    regular expressions could read something else than RE2's (see `_ok_sql`). The tests
    for timeouts look at the whole line (the message and a time or stream before it:
    at worst a line goes to Python for nothing); a long platform prefix is only
    checked in full by its kind's SELECT."""
    platform = " OR ".join(f"starts_with(hd, {sql_string(p[:_HEAD])})" for p in _PLATFORM)
    triggers = " OR ".join(f"contains(t, {sql_string(p)})" for p in _TRIGGERS)
    unusual_digits = "" if ascii_only else (
        "WHEN ascii(hd) BETWEEN 48 AND 57 AND regexp_matches(left(hd, 11), '[^[:ascii:]]') "
        "THEN NULL")
    return f"""CASE
        WHEN starts_with(hd, 'START ') THEN {START}
        WHEN starts_with(hd, 'REPORT') THEN {REPORT}
        WHEN starts_with(hd, 'END Re') THEN {END}
        WHEN starts_with(hd, 'INIT_S') THEN {INIT_START}
        WHEN starts_with(hd, 'INIT_R') THEN NULL
        WHEN starts_with(hd, '{{') THEN {JSON}
        WHEN {platform} THEN {PLATFORM}
        WHEN {triggers} THEN NULL
        WHEN starts_with(hd, '[') THEN {PYTHON}
        WHEN ascii(hd) BETWEEN 48 AND 57
            AND regexp_matches(hd, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T') THEN {NODE}
        {unusual_digits}
        ELSE {PLAIN} END"""


def _ok_sql(ascii_only: bool) -> str:
    """Whether DuckDB may classify a line without the usual export prefix: not blank,
    and nowhere Python's ``\\d``, ``\\w`` or ``\\s`` (which match more than ASCII) could
    read the time, the stream or the message's start differently."""
    if ascii_only:
        return ("ltrim(t, ' \t') <> '' AND hd <> '' "
                "AND NOT (x.stream = '' AND regexp_matches(hd, '^[0-9]{4}/'))")
    return """regexp_matches(t, '[!-~]')
        AND NOT (x.ts = '' AND ascii(t) BETWEEN 48 AND 57 AND regexp_matches(t, '[^[:ascii:]]'))
        AND NOT (x.stream = '' AND regexp_matches(hd, '^[0-9]{4}/'))
        AND (ascii(hd) BETWEEN 32 AND 126 OR ascii(hd) = 9)"""


def load_sql(path: str, first_line: int, ascii_only: bool, events: bool) -> str:
    """The chunk's lines into `TEMP`: line `n`, text `t`, whether it has the usual
    export prefix `c`, otherwise its export time and stream `x` ('' when none), where
    its message starts `mpos`, and its kind by head `h` (NULL: Python reads it).

    With `events` (an export file), a line that does not start with a time continues
    the event before it (`cont`); the lines of such events (`joined`, once `JOIN_SQL`
    has marked their first lines) go to Python."""
    usual = "true" if ascii_only else "ascii(hd) BETWEEN 32 AND 126 OR ascii(hd) = 9"
    split = f"""SELECT n, t, c, CASE WHEN NOT c THEN
                  regexp_extract(t, {sql_string(_EXPORT)}, ['ts', 'stream']) END AS x
                FROM (SELECT n, t, t GLOB '{_CANONICAL}' AS c FROM ({lines_sql(path, first_line)}))"""
    if events:  # the first line of a chunk always starts a unit (see `chunks`)
        cont = (f"NOT c AND n > {first_line} AND NOT regexp_matches(t, "
                f"{sql_string(_EVENT_START)})")
        split = f"SELECT *, {cont} AS cont FROM ({split})"
    else:
        split = f"SELECT *, false AS cont FROM ({split})"
    start = """CASE WHEN c THEN 26 WHEN x.ts = '' THEN 1 ELSE length(x.ts) + 2 +
                 CASE WHEN x.stream = '' THEN 0 ELSE length(x.stream) + 1 END END"""
    ok = f"NOT cont AND CASE WHEN c THEN {usual} ELSE {_ok_sql(ascii_only)} END"
    return f"""CREATE OR REPLACE TEMP TABLE {TEMP} AS
        SELECT n, t, c, x, mpos, cont, cont AS joined,
               CASE WHEN {ok} THEN {_head_sql(ascii_only)} END::TINYINT AS h
        FROM (SELECT *, substr(t, mpos, {_HEAD}) AS hd
              FROM (SELECT *, {start} AS mpos FROM ({split})))"""


# The first line of a multi-line event goes to Python with the lines that continue it.
JOIN_SQL = (f"UPDATE {TEMP} SET joined = true, h = NULL "
            f"WHERE n IN (SELECT n - 1 FROM {TEMP} WHERE cont)")


def _ts(event: str | None = None) -> str:
    """The row's time: the export time, else (`event`) the message's own."""
    fallback = "x.ts" if event is None else f"CASE WHEN x.ts <> '' THEN x.ts ELSE {event} END"
    return (f"CASE WHEN c THEN try_cast(substr(t, 1, 24) AS TIMESTAMP) "
            f"ELSE {ts_sql(f'nullif({fallback}, {sql_string(str())})')} END")


def _branches(ascii_only: bool) -> list[tuple[int, str, str, dict[str, str]]]:
    """Per kind: its head, what it computes from the message, the test a line must pass
    (else Python reads it), and its columns beyond the common ones."""
    level = _first(_LEVEL)
    unusual_level = "" if ascii_only else f"regexp_matches({level}, '[^[:ascii:]]') OR "
    # each key's value as JSON text (`jr`) and as a string (`jv`): one parse each; JSON
    # functions raise on text that is not JSON, so CASE keeps them to valid lines
    valid = (f"NOT contains(m, '\\u') AND json_valid(m) "
             f"AND NOT regexp_matches(m, {sql_string(_NOT_PYTHON_JSON)})")
    json = f"""*, CASE WHEN j THEN from_json(m, {_shape("JSON")}) END AS jr,
        CASE WHEN j THEN from_json(m, {_shape("VARCHAR")}) END AS jv,
        CASE WHEN j THEN json_keys(m) END AS jk FROM (SELECT *, {valid} AS j"""
    json_ok = (
        # a key given twice: json.loads keeps the last value, DuckDB the first
        "j AND list_unique(jk) = len(jk) "
        "AND NOT contains(m, '\"schema\"') AND NOT contains(m, 'errorType') "
        "AND NOT coalesce(starts_with(jv.\"type\", 'platform.'), false) "
        f"AND {_strings(_LEVEL + _REQUEST)} "
        f"AND NOT coalesce({unusual_level}upper({level}) IN {_ERRORS}, false) "
        f"AND (c OR x.ts <> '' OR ({_strings(_TIME)}))")
    text_request = "CASE WHEN {0} IN ('undefined', 'None', 'null') THEN NULL ELSE {0} END"
    platform = " OR ".join(f"starts_with(m, {sql_string(p)})" for p in _PLATFORM)
    report = {"kind": "'report'", "request_id": "r.rid",
              "duration_ms": "TRY_CAST(r.dur AS DOUBLE)",
              "billed_ms": "TRY_CAST(r.billed AS DOUBLE)",
              "memory_mb": "TRY_CAST(r.mem AS INTEGER)",
              "max_memory_mb": "TRY_CAST(r.max AS INTEGER)",
              "init_ms": "TRY_CAST(nullif(r.init, '') AS DOUBLE)",
              "status": "nullif(r.st, '')"}
    return [
        (START, f"""*, CASE WHEN s0.rid = '' THEN regexp_extract(m, {sql_string(_START)},
                    ['rid', 'ver']) ELSE s0 END AS s FROM (SELECT *, regexp_extract(m,
                    {sql_string(_START_USUAL)}, ['rid', 'ver']) AS s0""",
         "s.rid <> ''", {"kind": "'start'", "request_id": "s.rid",
                         "version": "nullif(s.ver, '')"}),
        (REPORT, f"""*, regexp_extract(m, {sql_string(_REPORT)},
                     ['rid', 'dur', 'billed', 'mem', 'max', 'init', 'st']) AS r FROM (SELECT *""",
         "r.rid <> ''", report),
        (END, f"*, regexp_extract(m, {sql_string(_END)}, 1) AS e FROM (SELECT *", "e <> ''",
         {"kind": "'end'", "request_id": "e"}),
        (INIT_START, f"*, regexp_extract(m, {sql_string(_INIT_START)}, 1) AS i FROM (SELECT *",
         "i <> ''", {"kind": "'init_start'", "version": "i"}),
        (JSON, json, json_ok,
         {"kind": "'log'", "request_id": _first(_REQUEST), "level": level,
          "ts": _ts(_first(_TIME))}),
        (PLATFORM, "* FROM (SELECT *", platform, {"kind": "'platform'"}),
        (PYTHON, f"*, regexp_extract(m, {sql_string(_PYTHON)}, ['lvl', 'ts', 'rid']) AS p "
                 "FROM (SELECT *",
         f"p.lvl <> '' AND p.lvl NOT IN {_ERRORS}",
         {"kind": "'log'", "request_id": text_request.format("p.rid"), "level": "p.lvl",
          "ts": _ts("p.ts")}),
        (NODE, f"*, regexp_extract(m, {sql_string(_NODE)}, ['ts', 'rid', 'lvl']) AS nd "
               "FROM (SELECT *",
         f"nd.lvl <> '' AND nd.lvl NOT IN {_ERRORS}",
         {"kind": "'log'", "request_id": text_request.format("nd.rid"), "level": "nd.lvl",
          "ts": _ts("nd.ts")}),
        (PLAIN, "* FROM (SELECT *", "true", {"kind": "'log'"}),
    ]


def insert_sql(source_id: int, origin: Origin, ascii_only: bool) -> str:
    """Insert the rows of the lines in `TEMP` that DuckDB parses into the Lambda table:
    one SELECT per kind, each over its own lines."""
    position = (f"({source_id}::UBIGINT << 40) | (n::UBIGINT << 8)" if source_id < POSITION_SOURCES
                else f"md5_number_upper('{source_id}:' || n || ':0')")
    common = {
        "id": f"CASE WHEN n < {POSITION_LINES} THEN {position}::UBIGINT "
              f"ELSE md5_number_upper('{source_id}:' || n || ':0') END",
        "source_id": str(source_id),
        "line": "n",
        "ts": _ts(),
        "log_group": _quote(origin.log_group),
        "log_stream": f"coalesce(nullif(x.stream, ''), {_quote(origin.log_stream)})",
        "account_id": _quote(origin.account_id),
        "function_name": _quote(origin.function_name),
        "message": "m",
    }
    selects = []
    for head, computed, test, own in _branches(ascii_only):
        columns = {**common, **own}
        select = ", ".join(f"{columns.get(name, 'NULL')} AS \"{name}\"" for name in COLUMNS)
        selects.append(f"""SELECT {select} FROM (SELECT {computed}
            FROM (SELECT *, substr(t, mpos) AS m FROM {TEMP} WHERE h = {head}))) WHERE {test}""")
    return f"INSERT INTO {LAMBDA.name} " + "\nUNION ALL ".join(selects)


def rest_sql(source_id: int, first_line: int, last_line: int) -> str:
    """The lines in `TEMP` that have no row yet (run after `insert_sql`): the ones
    DuckDB left to Python, and blank ones outside multi-line events (Python makes
    nothing of those either)."""
    return (f"SELECT n, t, cont FROM {TEMP} WHERE (t <> '' OR joined) AND n NOT IN "
            f"(SELECT line FROM {LAMBDA.name} WHERE source_id = {source_id} "
            f"AND line BETWEEN {first_line} AND {last_line}) ORDER BY n")


def units(lines: list[tuple[int, str, bool]]) -> list[tuple[int, bytes]]:
    """Units (first line, bytes) of lines in order (line, text, whether it continues
    the unit before it)."""
    found: list[tuple[int, bytes]] = []
    for line, text, cont in lines:
        data = text.encode("utf-8")
        if cont and found:
            found[-1] = (found[-1][0], found[-1][1] + b"\n" + data)
        else:
            found.append((line, data))
    return found


class Chunk:
    """One chunk for DuckDB to parse. Inside the batch's transaction, `insert` stores the
    rows DuckDB makes, then `rest` gives the units left to Python (line, bytes)."""

    def __init__(self, db: duckdb.DuckDBPyConnection, spool: Path, data: bytes,
                 first_line: int, newlines: int, events: bool, source_id: int,
                 origin: Origin, ascii_only: bool) -> None:
        self.db = db
        self.first_line = first_line
        self.last_line = first_line + newlines  # past the end when it ends in \n
        self.events = events
        self.source_id = source_id
        self.origin = origin
        self.ascii_only = ascii_only
        self.path = spool / "chunk.log"
        self.path.write_bytes(data)

    def insert(self) -> int:
        """Store the rows DuckDB parses; how many."""
        db = self.db
        db.execute(load_sql(str(self.path), self.first_line, self.ascii_only, self.events))
        if self.events:
            db.execute(JOIN_SQL)
        # Pushed down, a filter on a value computed in a subquery is rewritten in terms
        # of the expression, once per mention: each kind's regular expression or JSON
        # function would run several times per line
        db.execute("SET disabled_optimizers = 'filter_pushdown'")
        try:
            found = db.execute(insert_sql(self.source_id, self.origin,
                                          self.ascii_only)).fetchone()
        finally:
            db.execute("RESET disabled_optimizers")
        return int(found[0]) if found else 0

    def rest(self) -> list[tuple[int, bytes]]:
        """The units left to Python, in order (after `insert`)."""
        return units(self.db.execute(
            rest_sql(self.source_id, self.first_line, self.last_line)).fetchall())

    def drop(self) -> None:
        self.db.execute(f"DROP TABLE IF EXISTS {TEMP}")
        self.path.unlink(missing_ok=True)
