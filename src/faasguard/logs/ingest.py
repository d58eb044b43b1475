"""`faasguard logs ingest`: read sources into the store, incrementally.

For each source: find it in the store by content (skip it when fully read, resume it
when it was interrupted or has grown), detect its format, read it unit by unit (a line,
an export event, a JSON document), parse, and commit in batches together with the
position reached. A source that cannot be read is reported with the reason and the
others go on.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
import shutil
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from faasguard.logs import fasttrail
from faasguard.logs.detect import HEAD_BYTES, Detected, Format, Framing, NotLogs, detect
from faasguard.logs.fastlambda import ASCII, Chunk, chunks, screen
from faasguard.logs.parsers import Item, apigw, audit, cloudtrail, cloudwatch, quarantine
from faasguard.logs.parsers.lambda_logs import EVENT_START, NOWHERE, Origin, parse_line
from faasguard.logs.schema import LAMBDA, QUARANTINE
from faasguard.logs.sources import (
    STDIN_NAME,
    Fingerprint,
    Source,
    Unreadable,
    discover,
    fingerprint,
    fresh_spool,
    opened,
    read_head,
    spool_path,
)
from faasguard.logs.store import (
    Batches,
    Progress,
    Store,
    duckdb_error,
    hash64,
    position_id,
)

DEFAULT_BATCH = 50_000
# Lambda files go to DuckDB in chunks of MAX_CHUNK bytes (about 200 000 lines: inserts
# that fill DuckDB's row groups are the cheapest), or of about --batch lines when given.
CHUNK_LINE_BYTES = 160
MAX_CHUNK = 32 << 20
# One JSON document is parsed whole; past this, it should be written one record a line.
MAX_DOCUMENT = 512 * 1024 * 1024
_SPACE = re.compile(r"\s*")

ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SourceReport:
    """What ingesting one source did."""

    name: str
    format: str | None
    state: str
    """``ingested``, ``resumed`` (from an earlier, interrupted or shorter read),
    ``already ingested``, ``empty``, ``failed`` (not read, or not to the end)."""
    events: int = 0
    """Rows stored by this run."""
    duplicates: int = 0
    """Events already in the store from another source (same CloudTrail or CloudWatch
    event id), not stored again."""
    quarantined: int = 0
    message: str | None = None
    resumed_line: int | None = None


@dataclass(frozen=True)
class IngestReport:
    sources: tuple[SourceReport, ...]

    @property
    def failed(self) -> int:
        return sum(1 for s in self.sources if s.state == "failed")

    @property
    def events(self) -> int:
        return sum(s.events for s in self.sources)

    @property
    def quarantined(self) -> int:
        return sum(s.quarantined for s in self.sources)


@dataclass(frozen=True)
class Unit:
    offset: int
    line: int
    data: bytes


def _units(stream: BinaryIO, framing: str, offset: int, line: int) -> Iterator[Unit]:
    if framing == Framing.DOCUMENT:
        data = stream.read(MAX_DOCUMENT + 1)
        if len(data) > MAX_DOCUMENT:
            raise NotLogs(f"a single JSON document over {MAX_DOCUMENT >> 20} MiB; write one "
                          "record or document a line to ingest it")
        yield Unit(offset, line, data)
        return
    if framing == Framing.LINES:
        for raw in stream:
            yield Unit(offset, line, raw)
            offset += len(raw)
            line += 1
        return
    # export events: a line starting with a time, then the lines that continue it
    pending: list[bytes] = []
    start_offset, start_line = offset, line
    for raw in stream:
        if pending and EVENT_START.match(raw):
            data = b"".join(pending)
            yield Unit(start_offset, start_line, data)
            start_offset += len(data)
            start_line += len(pending)
            pending = []
        pending.append(raw)
    if pending:
        yield Unit(start_offset, start_line, b"".join(pending))


_VALUE_PARSERS: dict[str, Callable[[Any, Origin], Iterator[Item]]] = {
    Format.CLOUDTRAIL: lambda value, _: cloudtrail.parse_value(value),
    Format.APIGW: lambda value, _: apigw.parse_value(value),
    Format.AUDIT: lambda value, _: audit.parse_value(value),
    Format.CLOUDWATCH_EVENTS: cloudwatch.parse_events,
    # a payload names its own log group and account
    Format.CLOUDWATCH_SUBSCRIPTION: lambda value, _: cloudwatch.parse_payload(value),
}


def _document(fmt: str, text: str, origin: Origin) -> Iterator[Item]:
    """Every JSON value in `text` (one, or several back to back as Firehose writes)."""
    parse = _VALUE_PARSERS[fmt]
    decoder = json.JSONDecoder()
    position = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
    while position < len(text):
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError as exc:
            yield quarantine(fmt, f"invalid JSON: {exc}", text[position:])
            return
        yield from parse(value, origin)
        position = _SPACE.match(text, position).end()  # type: ignore[union-attr]


def parse_unit(fmt: str, framing: str, text: str, origin: Origin = NOWHERE) -> Iterator[Item]:
    """The items of one unit of text. `origin`: the log group and account the user
    gave for sources that do not say (Lambda log files, filter-log-events output)."""
    if fmt == Format.LAMBDA:
        return parse_line(text, origin)
    if framing == Framing.DOCUMENT:
        return _document(fmt, text, origin)
    if fmt == Format.CLOUDWATCH_SUBSCRIPTION and text[:1] not in ("{", "["):
        return cloudwatch.parse_payload(text)  # base64 text
    try:
        value = json.loads(text)
    except ValueError as exc:
        return iter((quarantine(fmt, f"invalid JSON: {exc}", text),))
    except RecursionError:
        return iter((quarantine(fmt, "nested too deeply to read", text),))
    return _VALUE_PARSERS[fmt](value, origin)


def _guarded(items: Iterator[Item], fmt: str, text: str) -> Iterator[Item]:
    """The unit's items; a unit the parser cannot get through (JSON nested too deep for
    Python's recursion limit, or a case the parser does not handle) ends in a
    quarantine item saying why, instead of stopping the run."""
    try:
        yield from items
    except RecursionError:
        yield quarantine(fmt, "nested too deeply to read", text)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        yield quarantine(fmt, f"cannot parse: {type(exc).__name__}: {exc}", text)


def _read_error(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "truncated gzip file (compressed data ends early)"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"corrupt gzip file: {exc}"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


class Ingestor:
    def __init__(self, store: Store, *, batch: int | None = None,
                 progress: ProgressFn | None = None, origin: Origin = NOWHERE) -> None:
        self.store = store
        self.batch = DEFAULT_BATCH if batch is None else max(1, batch)
        self.chunk = MAX_CHUNK if batch is None else min(self.batch * CHUNK_LINE_BYTES,
                                                         MAX_CHUNK)
        self.progress = progress
        self.origin = origin
        # CloudTrail files waiting to be stored together (faasguard.logs.fasttrail)
        self.trails = fasttrail.Trails(
            store, functools.partial(self._read, fast=False), self.source, progress,
            MAX_DOCUMENT, None if batch is None else self.batch)

    def run(self, sources: list[Source | Unreadable]) -> IngestReport:
        reports = []
        for index, source in enumerate(sources):
            if isinstance(source, Unreadable):
                reports.append(SourceReport(source.name, None, "failed", message=source.reason))
                continue
            if self.progress:
                self.progress(index, len(sources), source.name)
            reports.append(self.source(source, index, len(sources)))
        self.trails.flush()
        return IngestReport(tuple(self.trails.stored.get(index, report)
                                  for index, report in enumerate(reports)))

    def source(self, source: Source, index: int = 0, total: int = 1) -> SourceReport:
        try:
            fp = fingerprint(source.path)
        except OSError as exc:
            return SourceReport(source.name, None, "failed", message=_read_error(exc))
        known = self.store.match(source, fp)
        if known is not None and known.status == "complete" and known.size == source.size:
            return SourceReport(source.name, known.format, "already ingested")
        resumed_line = known.line if known is not None and (known.offset or known.skip) \
            else None
        if known is None or known.format is None:
            try:
                detected = self._detect(source)
            except (NotLogs, OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
                error = str(exc) if isinstance(exc, NotLogs) else _read_error(exc)
                state = "empty" if error.startswith("empty") else "failed"
                if known is None:
                    self.store.add_source(source, fp, None, None, state, error)
                else:
                    self.store.fail(known, error, state)
                return SourceReport(source.name, None, state, message=error)
            if known is None:
                known = self.store.add_source(source, fp, detected.format, detected.framing,
                                              "reading")
            else:
                self.store.set_format(known, detected.format, detected.framing)
        return self._read(source, fp, known, resumed_line, index, total)

    def _detect(self, source: Source) -> Detected:
        head, complete = read_head(source, HEAD_BYTES)
        return detect(head, complete)

    def _unit_items(self, fmt: str, framing: str, data: bytes) -> Iterator[Item]:
        """The items of one unit as read (bytes): blank units have none."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return iter((quarantine(fmt, f"invalid UTF-8 at byte {exc.start}",
                                    data.decode("utf-8", "replace")),))
        if framing != Framing.DOCUMENT:
            text = text.rstrip("\r\n")
        if not text or text.isspace():
            return iter(())
        return _guarded(parse_unit(fmt, framing, text, self.origin), fmt, text)

    def _read(self, source: Source, fp: Fingerprint, progress: Progress, resumed_line: int | None,
              index: int, total: int, fast: bool = True) -> SourceReport:
        fmt, framing = progress.format, progress.framing
        assert fmt is not None and framing is not None
        if fast and fmt == Format.CLOUDTRAIL and framing != Framing.EVENTS:
            waiting = self.trails.add(source, fp, progress, resumed_line, index, total)
            if waiting is not None:  # stored with its batch; else for the parser, below
                return waiting
        self.trails.flush()  # sources are stored in order
        if fmt == Format.LAMBDA and framing != Framing.DOCUMENT and not progress.skip:
            return self._read_chunks(source, fp, progress, resumed_line, index, total)
        store, limit, source_id = self.store, self.batch, progress.source_id
        batches: dict[str, list[tuple[Any, ...]]] = {}
        keyed: set[str] = set()  # tables with rows of a natural key in this batch
        pending = 0
        totals = {"events": 0, "quarantined": 0, "attempted": 0}
        offset, line, skip = progress.offset, progress.line, progress.skip
        first = True
        error: str | None = None

        def flush(status: str, done: bool = False) -> None:
            nonlocal batches, pending
            inserted = store.commit(progress, batches, offset, line, skip,
                                    keyed=frozenset(keyed), status=status,
                                    source=source if done else None, fp=fp if done else None,
                                    error=error)
            keyed.clear()
            totals["quarantined"] += inserted.pop(QUARANTINE.name, 0)
            totals["events"] += sum(inserted.values())
            batches, pending = {}, 0
            if self.progress:
                self.progress(index, total, f"{source.name}:{line}")

        try:
            with opened(source, progress.offset) as stream:
                for unit in _units(stream, framing, progress.offset, progress.line):
                    start = skip if first else 0
                    first = False
                    items = self._unit_items(fmt, framing, unit.data)
                    for k, (table, key, row) in enumerate(items):
                        if k < start:
                            continue
                        if key:
                            ident = hash64(key)
                            keyed.add(table)
                        else:
                            ident = position_id(source_id, unit.line, k)
                        if table == QUARANTINE.name:
                            row = (k, *row[1:])  # its position within the unit
                        batches.setdefault(table, []).append((ident, source_id, unit.line, *row))
                        if table != QUARANTINE.name:
                            totals["attempted"] += 1
                        pending += 1
                        offset, line, skip = unit.offset, unit.line, k + 1
                        if pending >= limit:
                            flush("reading")
                    offset = unit.offset + len(unit.data)
                    line = unit.line + unit.data.count(b"\n")
                    skip = 0
        except (NotLogs, OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            error = str(exc) if isinstance(exc, NotLogs) else _read_error(exc)
            error = f"{error}; read up to line {line}"
        flush("failed" if error else "complete", done=error is None)
        state = "failed" if error else ("resumed" if resumed_line else "ingested")
        duplicates = totals["attempted"] - totals["events"]
        return SourceReport(source.name, fmt, state, totals["events"], duplicates,
                            totals["quarantined"], error, resumed_line)

    def _read_chunks(self, source: Source, fp: Fingerprint, progress: Progress,
                     resumed_line: int | None, index: int, total: int) -> SourceReport:
        """A Lambda log file, a chunk of whole units at a time: DuckDB parses the units
        it can (`faasguard.logs.fastlambda`), Python the rest, and each chunk is
        committed with the position after it."""
        store = self.store
        fmt, framing = progress.format, progress.framing
        assert fmt is not None and framing is not None
        events = framing == Framing.EVENTS
        offset, line = progress.offset, progress.line
        totals = {"events": 0, "quarantined": 0, "attempted": 0}
        error: str | None = None

        def commit(status: str, data: bytes = b"", newlines: int = 0, fast: bool = True,
                   done: bool = False) -> None:
            chunk = self._chunk(data, line, newlines, events, progress.source_id) \
                if fast else None
            attempted = 0

            def rows_by_sql() -> dict[str, int]:
                nonlocal attempted
                count = chunk.insert() if chunk is not None else 0
                attempted += count  # position-keyed: never a duplicate
                return {LAMBDA.name: count}

            def rows_by_python() -> Batches:
                nonlocal attempted
                if chunk is not None:
                    units = chunk.rest()
                else:
                    units = [(unit.line, unit.data)
                             for unit in _units(io.BytesIO(data), framing, 0, line)]
                batches, tried = self._parse_units(fmt, framing, units, progress.source_id)
                attempted += tried
                return batches

            after = line + newlines
            try:
                inserted = store.commit(
                    progress, rows_by_python, offset + len(data), after, 0, status=status,
                    source=source if done else None, fp=fp if done else None, error=error,
                    extra=rows_by_sql)
            finally:
                if chunk is not None:
                    chunk.drop()
            totals["attempted"] += attempted
            totals["quarantined"] += inserted.pop(QUARANTINE.name, 0)
            totals["events"] += sum(inserted.values())
            if self.progress:
                self.progress(index, total, f"{source.name}:{after}")

        try:
            with opened(source, offset) as stream:
                for data in chunks(stream, events, self.chunk):
                    newlines = data.count(b"\n")
                    try:
                        commit("reading", data, newlines)
                    except duckdb_error():  # DuckDB could not take it: Python reads it
                        commit("reading", data, newlines, fast=False)
                    offset += len(data)
                    line += newlines
        except (NotLogs, OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            error = str(exc) if isinstance(exc, NotLogs) else _read_error(exc)
            error = f"{error}; read up to line {line}"
        commit("failed" if error else "complete", done=error is None)
        state = "failed" if error else ("resumed" if resumed_line else "ingested")
        return SourceReport(source.name, fmt, state, totals["events"],
                            totals["attempted"] - totals["events"], totals["quarantined"],
                            error, resumed_line)

    def _chunk(self, data: bytes, line: int, newlines: int, events: bool,
               source_id: int) -> Chunk | None:
        """The chunk for DuckDB to parse; None when DuckDB cannot read it as Python
        does (or there is nothing to read)."""
        kind = screen(data) if data else None
        if kind is None:
            return None
        return Chunk(self.store.db, self.store.spool, data, line, newlines, events,
                     source_id, self.origin, ascii_only=kind == ASCII)

    def _parse_units(self, fmt: str, framing: str, units: list[tuple[int, bytes]],
                     source_id: int) -> tuple[Batches, int]:
        """Rows of the units Python parses, per table, and how many are events."""
        batches: Batches = {}
        attempted = 0
        for unit_line, unit_data in units:
            items = self._unit_items(fmt, framing, unit_data)
            for k, (table, key, row) in enumerate(items):
                ident = hash64(key) if key else position_id(source_id, unit_line, k)
                if table == QUARANTINE.name:
                    row = (k, *row[1:])  # its position within the unit
                else:
                    attempted += 1
                batches.setdefault(table, []).append((ident, source_id, unit_line, *row))
        return batches, attempted


def ingest(paths: list[str], db: Path, *, batch: int | None = None,
           progress: ProgressFn | None = None, stdin: BinaryIO | None = None,
           log_group: str | None = None, account_id: str | None = None) -> IngestReport:
    """Ingest the sources named by `paths` (files, directories, ``-`` for stdin) into
    the store at `db`. `log_group` and `account_id` label the events of sources that do
    not name theirs (Lambda log files and exports, filter-log-events output)."""
    store = Store(db)  # holds the store: no other ingestion can use its spool now
    try:
        spool = fresh_spool(db)
        own = {db.resolve(), db.resolve().with_name(db.name + ".wal")}
        # the store's own files are not logs, even inside a directory being read
        sources = [s for s in discover(paths, spool, stdin)
                   if not isinstance(s, Source) or s.name == STDIN_NAME
                   or (s.path.resolve() not in own and s.path.parent != spool)]
        origin = Origin(log_group, None, account_id) if log_group or account_id \
            else NOWHERE
        return Ingestor(store, batch=batch, progress=progress, origin=origin).run(sources)
    finally:
        store.close()
        shutil.rmtree(spool_path(db), ignore_errors=True)
