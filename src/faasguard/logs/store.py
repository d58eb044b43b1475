"""The log store: one DuckDB file.

Tables: the event tables of `faasguard.logs.schema`, ``quarantine``, and ``sources``
(one row per source read: its identity, format, and how far it has been read).

Ingestion is incremental and idempotent. Rows are written in batches; each batch and
the source's new reading position are committed in one transaction, so a run that is
killed resumes exactly where its last commit left off, and a source read to its end is
not read again. Every row has a deterministic id: from its natural key when it has one
(CloudTrail ``eventID``, CloudWatch event id), inserted only when no row has that id
yet, so the same event arriving in two different files is stored once; else from its
position in its source.

Batches go in through a CSV file that DuckDB reads natively: with no Arrow or NumPy at
hand, that is far faster than binding Python values row by row.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.logs.schema import EVENT_TABLES, HEAD, QUARANTINE, TABLES, Table
from faasguard.logs.sources import Fingerprint, Source, spool_path

if TYPE_CHECKING:
    import duckdb

# 2: ids are MD5-based (DuckDB computes the same), position ids use the line
# 3: cloudtrail_events.service_event_details (a store of version 2 is upgraded in place)
STORE_VERSION = 3
# Rows per table, each a tuple in the table's column order.
Batches = dict[str, list[tuple[Any, ...]]]


def duckdb_error() -> type[Exception]:
    import duckdb

    return duckdb.Error


class StoreError(Exception):
    """The store cannot be opened or written."""


@dataclass
class Progress:
    """How far a source has been read: resume at byte `offset` (decompressed), which is
    line `line`, and skip the first `skip` items read from there."""

    source_id: int
    format: str | None
    framing: str | None
    offset: int
    line: int
    skip: int
    status: str
    size: int


def hash64(key: str) -> int:
    """A row id: the first 8 bytes of the key's MD5, little-endian, which is DuckDB's
    ``md5_number_upper(key)``, so rows parsed in SQL get the same ids (not a security
    use: ids only need to be stable and spread)."""
    digest = hashlib.md5(key.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return int.from_bytes(digest.digest()[:8], "little")


# Rows without a natural key are known by their position: (source, line, index within
# the line). Packed into the id when it fits (24, 32 and 8 bits), else hashed.
POSITION_SOURCES, POSITION_LINES, POSITION_ITEMS = 1 << 24, 1 << 32, 1 << 8


def position_id(source_id: int, line: int, index: int) -> int:
    if source_id < POSITION_SOURCES and line < POSITION_LINES and index < POSITION_ITEMS:
        return source_id << 40 | line << 8 | index
    return hash64(f"{source_id}:{line}:{index}")


def ts_sql(expr: str) -> str:
    """Text to TIMESTAMP: ISO 8601 with any offset, or epoch milliseconds (CloudWatch),
    stored as UTC (the session's time zone is UTC); "...Z" (nearly all) casts fastest."""
    return (f"CASE WHEN suffix({expr}, 'Z') THEN try_cast({expr} AS TIMESTAMP) "
            f"WHEN regexp_full_match({expr}, '[0-9]{{1,15}}') "
            f"THEN epoch_ms(try_cast({expr} AS BIGINT)) "
            f"ELSE try_cast({expr} AS TIMESTAMPTZ)::TIMESTAMP END")


def sql_string(text: str) -> str:
    """A SQL string literal (DuckDB's plain strings have no backslash escapes)."""
    return "'" + text.replace("'", "''") + "'"


def _select(table: Table) -> tuple[str, str]:
    """The read_csv column spec and the SELECT list that casts each column."""
    spec, exprs = [], []
    for name, kind in (*HEAD, *table.columns):
        raw = "VARCHAR" if kind in ("TIMESTAMP", "JSON") else kind
        spec.append(f"'{name}': '{raw}'")
        if kind == "TIMESTAMP":
            # ISO 8601 text with any offset, or epoch milliseconds (CloudWatch), stored
            # as UTC (the session's time zone is UTC); "...Z" (nearly all) casts fastest
            exprs.append(ts_sql(name))
        elif kind == "JSON":
            exprs.append(f"try_cast({name} AS JSON)")
        else:
            exprs.append(f'"{name}"')
        exprs[-1] += f' AS "{name}"'
    return "{" + ", ".join(spec) + "}", ", ".join(exprs)


class Store:
    def __init__(self, path: Path, spool: Path | None = None) -> None:
        """`spool`: where batches are written on their way in (default: next to the
        store, made empty by `sources.fresh_spool` once the store is held)."""
        import duckdb

        self.path = path
        self.spool = spool if spool is not None else spool_path(path)
        try:
            self.db: duckdb.DuckDBPyConnection = duckdb.connect(str(path))
        except duckdb.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from None
        self.db.execute("SET TimeZone = 'UTC'")
        # DuckDB draws its own progress bar on long queries; ingest has its own
        self.db.execute("SET enable_progress_bar = false")
        # Batches are small queries: on a busy machine, one thread does them about twice
        # as fast as several contending for the cores (measured on the 2-core dev box)
        self.db.execute("SET threads = 1")
        self._create()
        self._selects = {name: _select(table) for name, table in TABLES.items()}

    def close(self) -> None:
        self.db.close()

    def _create(self) -> None:
        db = self.db
        db.execute("CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, "
                   "value VARCHAR)")
        found = db.execute("SELECT value FROM store_meta WHERE key = 'version'").fetchone()
        if found is not None and found[0] == "2":
            self._upgrade_from_2()
            found = (str(STORE_VERSION),)
        if found is not None and found[0] != str(STORE_VERSION):
            raise StoreError(f"{self.path} is a faasguard log store of version {found[0]}; "
                             f"this faasguard reads version {STORE_VERSION}")
        db.execute("INSERT OR IGNORE INTO store_meta VALUES ('version', ?)",
                   [str(STORE_VERSION)])
        db.execute("CREATE SEQUENCE IF NOT EXISTS source_ids START 1")
        db.execute("""CREATE TABLE IF NOT EXISTS sources (
            source_id INTEGER PRIMARY KEY, path VARCHAR, fingerprint VARCHAR,
            fingerprint_len BIGINT, size BIGINT, compressed BOOLEAN, format VARCHAR,
            framing VARCHAR, resume_offset BIGINT, resume_line BIGINT, resume_skip BIGINT,
            events BIGINT, quarantined BIGINT, status VARCHAR, error VARCHAR,
            first_ingested TIMESTAMP, last_ingested TIMESTAMP)""")
        for table in (*EVENT_TABLES, QUARANTINE):
            columns = ", ".join(f'"{n}" {t}' for n, t in (*HEAD, *table.columns))
            # no index on id: an index makes every insert several times slower, and
            # only rows with a natural key can repeat (see _load)
            db.execute(f"CREATE TABLE IF NOT EXISTS {table.name} ({columns})")

    def _upgrade_from_2(self) -> None:
        """Version 2 lacks one CloudTrail column: add it (events stored before have
        none: their sign-in outcomes are unknown, not failures)."""
        with self.transaction() as db:
            db.execute("ALTER TABLE cloudtrail_events ADD COLUMN IF NOT EXISTS "
                       "service_event_details JSON")
            db.execute("UPDATE store_meta SET value = ? WHERE key = 'version'",
                       [str(STORE_VERSION)])

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction: committed when the block ends, rolled back if it raises
        (or is interrupted)."""
        db = self.db
        db.execute("BEGIN TRANSACTION")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- sources -------------------------------------------------------------------

    def match(self, source: Source, fp: Fingerprint) -> Progress | None:
        """The source already known with the same content (or content this file
        extends), newest first; None when this content is new."""
        rows = self.db.execute(
            "SELECT source_id, format, framing, resume_offset, resume_line, resume_skip, "
            "status, size, fingerprint, fingerprint_len FROM sources "
            "WHERE path = ? OR (fingerprint = ? AND fingerprint_len = ?) "
            "ORDER BY source_id DESC", [source.name, fp.digest, fp.length]).fetchall()
        for row in rows:
            *head, digest, length = row
            if source.size < head[7]:
                continue
            if length == fp.length:
                same = digest == fp.digest
            elif length < fp.length:
                with source.path.open("rb") as handle:
                    same = hashlib.sha256(handle.read(length)).hexdigest() == digest
            else:
                same = False
            if same:
                return Progress(*head)
        return None

    def add_source(self, source: Source, fp: Fingerprint, fmt: str | None,
                   framing: str | None, status: str, error: str | None = None) -> Progress:
        found = self.db.execute(
            "INSERT INTO sources VALUES (nextval('source_ids'), ?, ?, ?, ?, ?, ?, ?, 0, 1, 0, "
            "0, 0, ?, ?, now()::TIMESTAMP, now()::TIMESTAMP) RETURNING source_id",
            [source.name, fp.digest, fp.length, source.size, source.compressed, fmt, framing,
             status, error]).fetchone()
        assert found is not None
        return Progress(found[0], fmt, framing, 0, 1, 0, status, source.size)

    def set_format(self, progress: Progress, fmt: str, framing: str) -> None:
        self.db.execute("UPDATE sources SET format = ?, framing = ?, status = 'reading', "
                        "error = NULL WHERE source_id = ?", [fmt, framing, progress.source_id])
        progress.format, progress.framing, progress.status = fmt, framing, "reading"

    def fail(self, progress: Progress, error: str, status: str = "failed") -> None:
        self.db.execute("UPDATE sources SET status = ?, error = ?, "
                        "last_ingested = now()::TIMESTAMP WHERE source_id = ?",
                        [status, error, progress.source_id])
        progress.status = status

    # -- batches -------------------------------------------------------------------

    def commit(self, progress: Progress,
               batches: Batches | Callable[[], Batches],
               offset: int, line: int, skip: int, *, keyed: frozenset[str] = frozenset(),
               status: str = "reading",
               source: Source | None = None, fp: Fingerprint | None = None,
               error: str | None = None,
               extra: Callable[[], dict[str, int]] | None = None) -> dict[str, int]:
        """Insert the batches and move the source's position, in one transaction.
        `extra` first inserts other rows in the same transaction (rows parsed in SQL) and
        says how many per table; `batches` may then be made from what it left. Returns
        the rows actually inserted per table (duplicates are not)."""
        with self.transaction() as db:
            inserted = extra() if extra is not None else {}
            for name, rows in (batches() if callable(batches) else batches).items():
                if rows:
                    inserted[name] = (inserted.get(name, 0)
                                      + self._insert(name, rows, name in keyed))
            events = sum(n for name, n in inserted.items() if name != QUARANTINE.name)
            db.execute(
                "UPDATE sources SET resume_offset = ?, resume_line = ?, resume_skip = ?, "
                "events = events + ?, quarantined = quarantined + ?, status = ?, error = ?, "
                "last_ingested = now()::TIMESTAMP WHERE source_id = ?",
                [offset, line, skip, events, inserted.get(QUARANTINE.name, 0), status, error,
                 progress.source_id])
            if source is not None and fp is not None:  # finished: remember what was read
                db.execute("UPDATE sources SET size = ?, fingerprint = ?, fingerprint_len = ?, "
                           "path = ? WHERE source_id = ?",
                           [source.size, fp.digest, fp.length, source.name,
                            progress.source_id])
        progress.offset, progress.line, progress.skip, progress.status = \
            offset, line, skip, status
        return inserted

    def complete(self, done: list[tuple[Progress, Source, Fingerprint, int, int]],
                 insert: Callable[[], dict[int, int]]) -> dict[int, int]:
        """Store the rows of several sources read to their end and mark each complete,
        at its (offset, line), in one transaction. `insert` stores the rows (in SQL) and
        says how many each source id got; returns that."""
        with self.transaction() as db:
            events = insert()
            # literals, not parameters: DuckDB's Python client looks for pandas once per
            # parameter (0.1-0.2 ms each)
            values = ", ".join(
                f"({int(progress.source_id)}, {int(offset)}, {int(line)}, "
                f"{int(events.get(progress.source_id, 0))}, {int(source.size)}, "
                f"{sql_string(fp.digest)}, {int(fp.length)}, {sql_string(source.name)})"
                for progress, source, fp, offset, line in done)
            if values:
                db.execute(
                    "UPDATE sources SET resume_offset = v.v_offset, resume_line = v.v_line, "
                    "resume_skip = 0, events = events + v.v_events, status = 'complete', "
                    "error = NULL, last_ingested = now()::TIMESTAMP, size = v.v_size, "
                    "fingerprint = v.v_fingerprint, fingerprint_len = v.v_length, "
                    f"path = v.v_path FROM (VALUES {values}) v(v_id, v_offset, "
                    "v_line, v_events, v_size, v_fingerprint, v_length, v_path) "
                    "WHERE sources.source_id = v.v_id")
        for progress, _, _, offset, line in done:
            progress.offset, progress.line, progress.skip, progress.status = \
                offset, line, 0, "complete"
        return events

    def _insert(self, name: str, rows: list[tuple[Any, ...]], keyed: bool) -> int:
        try:
            return self._load(name, rows, keyed)
        except duckdb_error() as exc:
            raise StoreError(f"cannot store a batch of {name}: {exc}") from None

    def _load(self, name: str, rows: list[tuple[Any, ...]], keyed: bool) -> int:
        """Insert a batch. Rows identified by their position in a source cannot repeat:
        a source's position is committed with its rows. Rows with a natural key (the
        same CloudTrail or CloudWatch event read from two files) can, so a batch holding
        any is inserted without the ids already stored or repeated in the batch."""
        # csv's C writer: strings quoted, numbers not, None as "" (read back as NULL;
        # the parsers already store empty text as NULL)
        target = self.spool / f"{name}.csv"
        with target.open("w", encoding="utf-8", errors="replace", newline="") as out:
            csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
        spec, exprs = self._selects[name]
        read = (f"read_csv({sql_string(str(target))}, columns = {spec}, header = false, "
                "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
                "new_line = '\\n', nullstr = '', strict_mode = false, "
                # a row is one line: as long as the longest field a record can carry
                "max_line_size = 1073741824)")
        if keyed:
            sql = (f"INSERT INTO {name} SELECT new.* FROM (SELECT DISTINCT ON (id) {exprs} "
                   f"FROM {read}) new ANTI JOIN {name} old ON old.id = new.id")
        else:
            sql = f"INSERT INTO {name} SELECT {exprs} FROM {read}"
        found = self.db.execute(sql).fetchone()
        return int(found[0]) if found else 0

    def counts(self) -> dict[str, int]:
        out = {}
        for name in TABLES:
            found = self.db.execute(f"SELECT count(*) FROM {name}").fetchone()
            out[name] = int(found[0]) if found else 0
        return out
