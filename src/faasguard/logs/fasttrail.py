"""CloudTrail files stored by DuckDB's JSON reader, in batches of files.

A delivered CloudTrail file (one ``{"Records": [...]}`` object, usually gzipped) that is
read for the first time joins a batch (`Trails`): its bytes, as stored, are copied to
the spool. A batch is read by one query: `read_json` over all its files with an
explicit schema (the record fields the rows need, each typed so the reader builds the
column while it parses: text as VARCHAR, arriving decoded; the fields whose JSON type
matters, and the four JSON columns, as JSON), and one ``CREATE TEMP TABLE ... AS
SELECT`` computes every column as `faasguard.logs.parsers.cloudtrail` does (Lambda's
versioned names, flags, ids from md5 of the natural key as `store.hash64`, times as
the CSV path casts them). While DuckDB reads, Python decompresses each file as the
Python path would, counts its bytes and lines and screens it. Then each run of files
between two left to Python is stored in one transaction: the rows (a plain INSERT when
no event repeats; else the first copy of each, in file order, not already stored) and
every source's final position.

A file is left, whole and in its place, to the Python path whenever its rows could
differ from the Python parser's, so the rows stored are always the parser's:

- bytes Python's ``json`` refuses and DuckDB's reader accepts: trailing commas,
  ``nan``/``inf`` in any spelling, integers past Python's 4300 digits, nesting deep
  enough for Python's recursion limit (invalid UTF-8 too, which both refuse); and
  anything but one JSON object (on its first line, when read as lines);
- what Python quarantines: a record that is not an object, or whose ``eventName``,
  ``eventSource`` or ``eventTime`` is not text;
- what the two would write differently: a number with a fraction or exponent where
  text is expected or in a JSON column (float formatting), text that is valid JSON
  starting with ``[`` or ``{`` or looks like such a number (the reader writes a
  non-string value as JSON text, so these cannot be told from one), an escaped control
  character in a JSON column (Python writes its hex in lower case), a key twice in one
  object of a JSON column (Python keeps the last value), a non-ASCII Lambda event name
  (Python's ``\\d`` matches any decimal digit);
- what the reader refuses: a key twice among the fields read, a ``userIdentity`` or
  ``sessionContext`` that is not an object, or any other error;
- a file partly read before (the Python path resumes it), one the Python path could
  not read whole (a truncated or corrupt gzip file, a document past its size limit),
  and, when ``--batch`` is given, one with more records than a batch.

Those cost one more read; the rest are stored by DuckDB. `tests/logs/test_fasttrail.py`
ingests files of every such kind both ways and requires identical tables.
"""

from __future__ import annotations

import io
import json
import re
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.logs.detect import Framing
from faasguard.logs.schema import CLOUDTRAIL, HEAD
from faasguard.logs.sources import Fingerprint, GzipStream, Source
from faasguard.logs.store import (
    POSITION_ITEMS,
    POSITION_LINES,
    POSITION_SOURCES,
    Progress,
    Store,
    duckdb_error,
    sql_string,
    ts_sql,
)

if TYPE_CHECKING:
    from faasguard.logs.ingest import SourceReport

TEMP = "fast_trail_rows"
# Nesting deeper than this goes to Python, which refuses a document nested past its
# recursion limit (about 1000 levels, less the stack in use)
MAX_DEPTH = 100
# Python refuses integers of more than 4300 digits (sys.get_int_max_str_digits)
_LONG_NUMBER = b"0" * 4000
_READ_ERRORS = (OSError, EOFError, zlib.error)

# -- screening the bytes -------------------------------------------------------------

# lower case, every digit a 0, JSON whitespace dropped: what the checks below look for
_FOLD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ123456789",
                        b"abcdefghijklmnopqrstuvwxyz000000000")
_JSON_SPACE = b" \t\r\n"
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'"[]{}')
_QUOTED = re.compile(rb'"[^"]*"')


def _special_numbers(folded: bytes) -> bool:
    """Whether a nan or inf literal (any case, which DuckDB reads) may be there."""
    for word in (b"nan", b"inf"):
        at = folded.find(word)
        while at >= 0:
            before = folded[at - 1:at] if at else b","
            if before == b"-":
                before = folded[at - 2:at - 1]
            if before in (b":", b",", b"["):
                return True
            at = folded.find(word, at + 1)
    return False


def _depth_within(data: bytes, limit: int) -> bool:
    """Whether no value in the document is nested more than `limit` deep."""
    if b"\\" in data:  # escaped backslashes and quotes, so quotes pair up
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    marks = data.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in marks:  # brackets inside text
        marks = _QUOTED.sub(b"", marks)
    for _ in range(limit):
        if not marks:
            return True
        inner = marks.replace(b"[]", b"").replace(b"{}", b"")
        if len(inner) == len(marks):
            return False  # not balanced: not JSON
        marks = inner
    return not marks


def screened(data: bytes) -> bool:
    """Whether DuckDB's reader and Python's ``json`` accept exactly the same of this
    document (when this says no, the file goes to the Python path)."""
    if not data.lstrip(_JSON_SPACE).startswith(b"{"):
        return False
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
    folded = data.translate(_FOLD, _JSON_SPACE)
    if b",]" in folded or b",}" in folded or _LONG_NUMBER in folded:
        return False
    return not _special_numbers(folded) and _depth_within(data, MAX_DEPTH)


# -- the SQL ---------------------------------------------------------------------------

def _struct(fields: dict[str, Any]) -> str:
    return "STRUCT(" + ", ".join(
        f'"{name}" {_struct(kind) if isinstance(kind, dict) else kind}'
        for name, kind in fields.items()) + ")"


# The fields the rows need, as the reader should build them. Text as VARCHAR: a
# string arrives decoded, any other value as JSON text (an integer or boolean as
# Python's ``text`` writes it; what it would write differently is looked for below).
# As JSON where the JSON type matters: the three fields Python requires to be
# strings, eventVersion (its text looks like a float), and the four JSON columns.
_IDENTITY: dict[str, Any] = {name: "VARCHAR" for name in (
    "type", "arn", "accountId", "principalId", "userName", "accessKeyId", "invokedBy")}
_IDENTITY["sessionContext"] = {
    "sessionIssuer": {name: "VARCHAR" for name in ("type", "arn", "userName", "accountId")},
    "attributes": {"mfaAuthenticated": "VARCHAR"}}
_RECORD: dict[str, Any] = {name: "VARCHAR" for name in (
    "awsRegion", "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "requestID",
    "eventID", "eventType", "recipientAccountId", "eventCategory", "vpcEndpointId",
    "readOnly", "managementEvent")}
_RECORD.update({name: "JSON" for name in (
    "eventVersion", "eventTime", "eventSource", "eventName", "requestParameters",
    "responseElements", "additionalEventData", "resources", "serviceEventDetails")})
_RECORD["userIdentity"] = _IDENTITY
SCHEMA = _struct(_RECORD) + "[]"

# column -> field: text read as VARCHAR
_TEXT = {
    "event_id": "r.eventID", "event_type": "r.eventType", "event_category": "r.eventCategory",
    "aws_region": "r.awsRegion", "source_ip": "r.sourceIPAddress", "user_agent": "r.userAgent",
    "identity_type": "r.userIdentity.type", "identity_arn": "r.userIdentity.arn",
    "identity_account_id": "r.userIdentity.accountId",
    "identity_principal_id": "r.userIdentity.principalId",
    "identity_user_name": "r.userIdentity.userName",
    "identity_access_key_id": "r.userIdentity.accessKeyId",
    "identity_invoked_by": "r.userIdentity.invokedBy",
    "session_issuer_type": "r.userIdentity.sessionContext.sessionIssuer.type",
    "session_issuer_arn": "r.userIdentity.sessionContext.sessionIssuer.arn",
    "session_issuer_user_name": "r.userIdentity.sessionContext.sessionIssuer.userName",
    "session_issuer_account_id": "r.userIdentity.sessionContext.sessionIssuer.accountId",
    "error_code": "r.errorCode", "error_message": "r.errorMessage",
    "recipient_account_id": "r.recipientAccountId", "request_id": "r.requestID",
    "vpc_endpoint_id": "r.vpcEndpointId",
}
# column -> field: read as JSON, must be a string (or, for eventVersion, missing)
_STRINGS = {"event_time": "r.eventTime", "event_source": "r.eventSource",
            "event_name_raw": "r.eventName", "event_version": "r.eventVersion"}
_REQUIRED = ("event_time", "event_source", "event_name_raw")
_JSON = {"request_parameters": "r.requestParameters", "response_elements": "r.responseElements",
         "additional_event_data": "r.additionalEventData", "resources": "r.resources",
         "service_event_details": "r.serviceEventDetails"}
# column -> (JSON column, key): text Python reads from inside a JSON column's object
_INSIDE = {"mfa_used": ("additional_event_data", "MFAUsed"),
           "console_login": ("response_elements", "ConsoleLogin")}
_FLAGS = {"session_mfa_authenticated": "r.userIdentity.sessionContext.attributes.mfaAuthenticated",
          "read_only": "r.readOnly", "management_event": "r.managementEvent"}
_VERSIONED = "'^([A-Za-z]+?)20[0-9]{6}(?:v[0-9]+)?$'"
_LAMBDA = "lambda.amazonaws.com"
# The text fields are joined with \x01 (control characters never appear unescaped in
# the JSON text the reader writes for a non-string value), and the joined text searched
# for a field that may have been a number with a fraction or exponent (Python writes
# floats its own way) or an object or array (Python's ``text`` makes those NULL).
# The joined text starts and ends with \x01 too: a pattern that starts with it is
# quick to search for.
_JOIN = "chr(1)"
_FLOAT = "-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+|(?:\\.[0-9]+)?[eE][-+]?[0-9]+)"
_FLOAT_FIELD = f"'\\x01{_FLOAT}\\x01'"
_ODD_FIELD = f"'\\x01(?:[\\[{{]|{_FLOAT}\\x01)'"
# In a JSON column's text: a number with a fraction or exponent (each number follows
# one of [ : , or starts the text), an escaped control character (Python writes the
# hex in lower case, DuckDB in upper case).
_JSON_FLOAT = "'(?:^|[\\[:,\\x01])-?[0-9]+[.eE]'"
# ... which, with the strings taken out, is certain: a digit then . e or E
_JSON_FLOAT_SURE = "'[0-9][.eE]'"
# every string of a JSON text, whole; a key is one followed by a colon
_JSON_STRING = "'\"(?:[^\"\\\\]|\\\\.)*\":?'"


def _inside(value: str) -> str:
    """Python's ``text`` of a value inside a JSON column (JSON text): a string's text
    (empty: NULL), a boolean or integer as written, anything else NULL."""
    return (f"CASE WHEN starts_with({value}, '\"') THEN nullif(json_extract_string({value}, "
            f"'$'), '') WHEN {value} IN ('true', 'false') OR regexp_full_match({value}, "
            f"'-?[0-9]+') THEN {value} END")


def _odd_inside(value: str) -> str:
    """A value inside a JSON column that Python's ``text`` writes its own way (a float)."""
    return (f"NOT (starts_with({value}, '\"') OR {value} IN ('true', 'false', 'null') "
            f"OR starts_with({value}, '{{') OR starts_with({value}, '[') "
            f"OR regexp_full_match({value}, '-?[0-9]+'))")


def _flag(value: str) -> str:
    """Python's ``_flag``: true or false in any case (a JSON boolean reads as one);
    ASCII only, so no case mapping of another alphabet can differ."""
    return (f"CASE {value} WHEN 'true' THEN true WHEN 'false' THEN false ELSE "
            f"CASE WHEN lower({value}) IN ('true', 'false') AND strlen({value}) = "
            f"length({value}) THEN lower({value}) = 'true' END END")


def _keys_repeat(value: str) -> str:
    """Whether a key may occur twice in one object of a JSON text (if so, Python checks
    whether one does). Text with fewer than two keys cannot; in a flat object, the keys
    are the top level's; else every key anywhere must differ (each string token is
    matched whole, so a key is a string followed by a colon)."""
    keys = f"list_filter(regexp_extract_all({value}, {_JSON_STRING}), t -> suffix(t, '\":'))"
    return (f"CASE WHEN NOT contains(substr({value}, strpos({value}, '\":') + 2), '\":') "
            "THEN false "
            f"WHEN starts_with({value}, '{{') AND NOT contains(substr({value}, 2), '{{') "
            f"AND NOT contains({value}, '[') "
            f"THEN len(json_keys({value})) > list_unique(json_keys({value})) "
            f"ELSE len({keys}) > list_unique({keys}) END")


def _odd_sql() -> str:
    """Whether Python would make this record's row differently, or quarantine it (a
    record that is null or not an object reads as one without eventName)."""
    texts = [f"v_{n}" for n in _TEXT]
    joined = f"concat_ws({_JOIN}, '', {', '.join(texts)}, '')"
    brackets = " OR ".join(f"(({v})[1] IN ('[', '{{') AND json_valid({v}))" for v in texts)
    json_text = f"concat_ws({_JOIN}, {', '.join(f'{n}::VARCHAR' for n in _JSON)})"
    strings = " AND ".join([*(f"starts_with(j_{n}, '\"')" for n in _REQUIRED),
                            "coalesce(starts_with(j_event_version, '\"'), true)"])
    odd = [
        f"NOT coalesce({strings}, false)",
        *(f"CASE WHEN j_{n} IS NULL THEN false ELSE {_odd_inside(f'j_{n}')} END"
          for n in _INSIDE),
        f"CASE WHEN regexp_matches({joined}, {_ODD_FIELD}) THEN "
        f"regexp_matches({joined}, {_FLOAT_FIELD}) OR {brackets} ELSE false END",
        f"CASE WHEN contains({json_text}, '\\u') THEN true "
        f"WHEN regexp_matches({json_text}, {_JSON_FLOAT}) THEN regexp_matches("
        f"regexp_replace({json_text}, {_JSON_STRING}, '', 'g'), {_JSON_FLOAT_SURE}) "
        "ELSE false END",
        # Python's \\d is any decimal digit, [0-9] is ASCII's
        f"(j_event_source = '\"{_LAMBDA}\"' AND strlen(j_event_name_raw) <> "
        "length(j_event_name_raw))",
    ]
    return " OR ".join(f"coalesce({o}, false)" for o in odd)


def _position() -> str:
    """`store.position_id` of record k of its file: packed when it fits, else hashed."""
    return (f"CASE WHEN k < {POSITION_ITEMS} AND source_id < {POSITION_SOURCES} "
            f"AND line < {POSITION_LINES} THEN (source_id::UBIGINT << 40) | "
            "(line::UBIGINT << 8) | k::UBIGINT "
            "ELSE md5_number_upper(source_id || ':' || line || ':' || k) END")


def rows_sql(files: list[tuple[str, int, int, int]], largest: int, add: bool = False) -> str:
    """The rows of the records of `files` (path, place in the batch ``ord``, source id,
    line where the document starts) for the temporary table (made, or added to): per
    record its file, its index ``k``, whether Python would make it differently or
    quarantine it (``odd``), whether a JSON column needs a check for repeated keys
    (``keys``), and its row. `largest`: the size of the largest document."""
    paths = ", ".join(sql_string(path) for path, _, _, _ in files)
    read = (f"read_json([{paths}], columns = {{'Records': '{SCHEMA}'}}, "
            "format = 'unstructured', records = 'true', auto_detect = false, "
            f"filename = true, maximum_object_size = {max(largest + 1024, 1 << 20)})")
    known = ", ".join(f"({sql_string(path)}, {ord_}, {source_id}, {line})"
                      for path, ord_, source_id, line in files)
    # a document without a Records list gives one NULL record
    records = ("SELECT filename, unnest(coalesce(Records, [NULL])) AS r, "
               f"unnest(range(len(coalesce(Records, [NULL])))) AS k FROM {read}")
    fields = ", ".join([
        *(f"{p} AS v_{n}" for n, p in _TEXT.items()),
        *(f"{p}::VARCHAR AS j_{n}" for n, p in _STRINGS.items()),
        *(f"{p} AS {n}" for n, p in _JSON.items()),
        *(f"CASE WHEN contains({col}::VARCHAR, '\"{key}\":') THEN "
          f"json_extract({col}, '$.{key}')::VARCHAR END AS j_{n}"
          for n, (col, key) in _INSIDE.items()),
        *(f"{p} AS f_{n}" for n, p in _FLAGS.items()),
    ])
    columns = {
        **{n: f"nullif(v_{n}, '')" for n in _TEXT},
        **{n: _flag(f"f_{n}") for n in _FLAGS},
        "id": (f"CASE WHEN v_event_id <> '' THEN md5_number_upper('ct:' || v_event_id) "
               f"ELSE {_position()} END"),
        "event_time": ts_sql("event_time"),
        "event_name": (f"CASE WHEN event_source = '{_LAMBDA}' THEN coalesce(nullif("
                       f"regexp_extract(event_name_raw, {_VERSIONED}, 1), ''), event_name_raw) "
                       "ELSE event_name_raw END"),
    }
    select = ", ".join(f'{columns.get(name, name)} AS "{name}"'
                       for name, _ in (*HEAD, *CLOUDTRAIL.columns))
    # the text of a JSON string; empty is NULL, as the CSV path stores it
    strings = ", ".join([*(f"nullif(json_extract_string(j_{n}, '$'), '') AS {n}"
                          for n in _STRINGS),
                         *(f"{_inside('j_' + n)} AS {n}" for n in _INSIDE)])
    keys = " OR ".join(_keys_repeat(f"{n}::VARCHAR") for n in _JSON)
    into = f"INSERT INTO {TEMP}" if add else f"CREATE OR REPLACE TEMP TABLE {TEMP} AS"
    return f"""{into}
        SELECT ord, k, odd, keys, {select} FROM (
          SELECT *, {strings}, {_odd_sql()} AS odd, {keys} AS keys
          FROM (SELECT ord, source_id, line, k, r, {fields}
                FROM ({records}) JOIN (VALUES {known}) f(filename, ord, source_id, line)
                USING (filename)))"""


_COLUMNS = ", ".join(f'"{name}"' for name, _ in (*HEAD, *CLOUDTRAIL.columns))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("repeated key")
    return found


def _repeats_keys(text: str) -> bool:
    """Whether an object in this JSON text has a key twice (or it cannot be read)."""
    try:
        json.loads(text, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        return True
    return False


# -- batches of files -------------------------------------------------------------------

# A batch is stored in one transaction (or one per run of files between two left to
# Python), bounded so that its rows stay a modest temporary table.
MAX_FILES = 64
MAX_BYTES = 16 << 20  # as stored: often a tenth of the JSON

PythonRead = Callable[[Source, Fingerprint, Progress, "int | None", int, int], "SourceReport"]
Restart = Callable[[Source, int, int], "SourceReport"]
ProgressFn = Callable[[int, int, str], None]


def _report(*fields: Any) -> SourceReport:
    from faasguard.logs.ingest import SourceReport  # ingest imports this module

    return SourceReport(*fields)


@dataclass
class _File:
    """A file of the batch: DuckDB reads the copy of its bytes (as stored) in the spool;
    what Python and DuckDB found when they read it fills the rest."""

    source: Source
    fp: Fingerprint
    progress: Progress
    resumed_line: int | None
    index: int
    total: int
    path: Path
    raw: bytes
    size: int = 0
    """Bytes, decompressed."""
    line: int = 0
    """The line after the document."""
    records: int = 0
    odd: bool = False
    """For the Python path."""


class Trails:
    """The CloudTrail files waiting to be stored together.

    A file joins the batch when it is new (not partly read before); the batch is
    stored when full, before any other source is read (so every source sees the store
    as if the files had been read one by one), and at the end of the run. Given
    `rows` (``--batch``), a transaction holds at most that many records, and a file
    with more goes to the Python path, which commits it in parts. The reports of the
    files stored this way are in `stored`, by source index. `limit`: the largest
    document to read."""

    def __init__(self, store: Store, python: PythonRead, restart: Restart,
                 progress: ProgressFn | None, limit: int, rows: int | None) -> None:
        self.store = store
        self.python = python
        self.restart = restart
        self.progress = progress
        self.limit = limit
        self.rows = rows
        self.files: list[_File] = []
        self.size = 0
        self.stored: dict[int, SourceReport] = {}

    def add(self, source: Source, fp: Fingerprint, progress: Progress,
            resumed_line: int | None, index: int, total: int) -> SourceReport | None:
        """Take the file into the batch and return a stand-in for its report (the real
        one goes to `stored`); None when it is for the Python path, which may go ahead:
        the batch before it is stored."""
        if any(f.progress.source_id == progress.source_id for f in self.files):
            # the same content waits in the batch: store it, then start this one over
            self.flush()
            return self.restart(source, index, total)
        raw = None if progress.offset or progress.skip else _raw(source, self.limit)
        if raw is None:
            self.flush()
            return None
        suffix = ".json.gz" if source.compressed else ".json"
        path = self.store.spool / f"trail-{len(self.files)}{suffix}"
        path.write_bytes(raw)
        self.files.append(_File(source, fp, progress, resumed_line, index, total, path, raw))
        self.size += len(raw)
        if len(self.files) >= MAX_FILES or self.size >= MAX_BYTES:
            self.flush()
        return _report(source.name, progress.format, "ingested")

    def flush(self) -> None:
        """Store the batch: runs of files DuckDB read as Python would in one
        transaction each, the others through the Python path, in their order."""
        files, self.files, self.size = self.files, [], 0
        if not files:
            return
        try:
            self._read_all(files)
            run: list[_File] = []
            for file in files:
                if file.odd or (self.rows is not None and file.records > self.rows):
                    self._store(run)
                    run = []
                    self.stored[file.index] = self.python(
                        file.source, file.fp, file.progress, file.resumed_line, file.index,
                        file.total)
                    continue
                if self.rows is not None and sum(f.records for f in run) + file.records \
                        > self.rows:
                    self._store(run)
                    run = []
                run.append(file)
            self._store(run)
        finally:
            self.store.db.execute(f"DROP TABLE IF EXISTS {TEMP}")
            for file in files:
                file.path.unlink(missing_ok=True)

    def _read_all(self, files: list[_File]) -> None:
        """Read the files in DuckDB (all at once; one at a time if that fails) while
        Python decompresses and screens them, and mark the ones for the Python path."""
        failed: list[BaseException] = []

        def create() -> None:
            try:
                self._create(files, range(len(files)))
            except BaseException as exc:  # handed to the caller
                failed.append(exc)

        # DuckDB does not hold the GIL while it reads, nor zlib while it inflates
        worker = threading.Thread(target=create)
        worker.start()
        try:
            for file in files:
                self._screen(file)
        except BaseException:  # interrupted: stop DuckDB before the store closes
            self.store.db.interrupt()
            worker.join()
            raise
        worker.join()
        if failed and not isinstance(failed[0], _reader_errors()):
            raise failed[0]
        if failed:  # a file the reader refuses: find it
            self.store.db.execute(f"CREATE OR REPLACE TEMP TABLE {TEMP} AS SELECT "
                                  f"0 AS ord, 0 AS k, false AS odd, false AS keys, "
                                  f"{_COLUMNS} FROM {CLOUDTRAIL.name} LIMIT 0")
            for ord_, file in enumerate(files):
                if not file.odd:
                    try:
                        self._create(files, [ord_], add=True)
                    except _reader_errors():
                        file.odd = True
        summary = self.store.db.execute(
            f"SELECT ord, count(*), max(k) + 1, bool_or(odd), bool_or(keys) FROM {TEMP} "
            "GROUP BY ord").fetchall()
        for ord_, records, last, odd, keys in summary:
            file = files[ord_]
            file.records = records
            # several documents with records number them from 0 again (Python goes on)
            file.odd = file.odd or odd or records != last
            if keys and not file.odd:
                file.odd = self._repeats_keys(ord_)

    def _screen(self, file: _File) -> None:
        """Decompress the file as Python's path would, note its size and lines, and
        whether it is for the Python path."""
        data = _decompressed(file.raw, file.source.compressed, self.limit)
        file.raw = b""  # DuckDB reads the spool's copy
        if data is None:
            file.odd = True
            return
        file.size = len(data)
        file.line = file.progress.line + data.count(b"\n")
        lines = file.progress.framing == Framing.LINES
        file.odd = file.odd or not (_one_document(data, lines) and screened(data))

    def _create(self, files: list[_File], which: Iterable[int], add: bool = False) -> None:
        """Read files (their places in the batch) into the temporary table."""
        chosen = [(str(files[i].path), i, files[i].progress.source_id, files[i].progress.line)
                  for i in which]
        sql = rows_sql(chosen, self.limit, add)
        db = self.store.db
        # one query over many files: DuckDB reads them on all cores (the store's small
        # queries run on one)
        found = db.execute("SELECT current_setting('threads')").fetchone()
        db.execute("RESET threads")
        try:
            db.execute(sql)
        finally:
            db.execute(f"SET threads = {int(found[0]) if found else 1}")

    def _repeats_keys(self, ord_: int) -> bool:
        values = self.store.db.execute(
            f"SELECT {', '.join(_JSON)} FROM {TEMP} WHERE ord = {ord_} AND keys").fetchall()
        return any(_repeats_keys(text) for row in values for text in row if text is not None)

    def _store(self, run: list[_File]) -> None:
        """Store a run of consecutive files of the batch in one transaction, with their
        positions."""
        if not run:
            return
        db = self.store.db
        ids = ", ".join(str(f.progress.source_id) for f in run)
        where = f"source_id IN ({ids})"

        def insert() -> dict[int, int]:
            clash = db.execute(
                f"SELECT count(*) <> count(DISTINCT id) OR EXISTS (SELECT 1 FROM {TEMP} n "
                f"SEMI JOIN {CLOUDTRAIL.name} o ON o.id = n.id WHERE n.{where}) "
                f"FROM {TEMP} WHERE {where}").fetchone()
            if clash is None or not clash[0]:  # nearly always: no event twice
                db.execute(f"INSERT INTO {CLOUDTRAIL.name} SELECT {_COLUMNS} FROM {TEMP} "
                           f"WHERE {where}")
                return {f.progress.source_id: f.records for f in run}
            # the first copy of each event (in file order), if not already stored
            db.execute(f"CREATE OR REPLACE TEMP TABLE {TEMP}_new AS SELECT new.* FROM "
                       f"(SELECT DISTINCT ON (id) * FROM {TEMP} WHERE {where} "
                       f"ORDER BY id, ord, k) new ANTI JOIN {CLOUDTRAIL.name} old "
                       "ON old.id = new.id")
            db.execute(f"INSERT INTO {CLOUDTRAIL.name} SELECT {_COLUMNS} FROM {TEMP}_new")
            counts = dict(db.execute(f"SELECT source_id, count(*) FROM {TEMP}_new "
                                     "GROUP BY source_id").fetchall())
            db.execute(f"DROP TABLE {TEMP}_new")
            return counts

        events = self.store.complete(
            [(f.progress, f.source, f.fp, f.size, f.line) for f in run], insert)
        for file in run:
            count = events.get(file.progress.source_id, 0)
            self.stored[file.index] = _report(file.source.name, file.progress.format,
                                              "ingested", count, file.records - count)
            if self.progress:
                self.progress(file.index, file.total, f"{file.source.name}:{file.line}")


def _reader_errors() -> tuple[type[Exception], ...]:
    """What DuckDB raises on a file it cannot read (its message quotes the file, and may
    cut a character in two)."""
    return duckdb_error(), UnicodeDecodeError


def _one_document(data: bytes, lines: bool) -> bool:
    """Whether the file may be one JSON object, read as Python would read it: as a
    document (one unit from line 1), or as lines when it is a single line (blank lines
    after it are skipped; before it, they would move its line)."""
    if lines and b"\n" in data.rstrip(_JSON_SPACE):
        return False
    return data.lstrip(_JSON_SPACE).startswith(b"{")


def _raw(source: Source, limit: int) -> bytes | None:
    """The file's bytes as stored, or None when they cannot be read (or are more than
    a document may be): the Python path reads it again and reports why."""
    if not source.compressed and source.size > limit:
        return None
    try:
        return source.path.read_bytes()
    except OSError:
        return None


def _decompressed(raw: bytes, compressed: bool, limit: int) -> bytes | None:
    """The document as the Python path reads it (`sources.opened`), or None when it
    cannot read it all."""
    if not compressed:
        return raw if len(raw) <= limit else None
    try:
        with io.BufferedReader(GzipStream(io.BytesIO(raw)), 1 << 16) as stream:
            data = stream.read(limit + 1)
    except _READ_ERRORS:
        return None
    return data if len(data) <= limit else None
