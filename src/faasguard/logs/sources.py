"""Where logs come from: files, directories (walked, sorted), gzip files, stdin.

A source is identified by its content, not its name: the SHA-256 of its first MiB
(all of it when smaller) and its size. The same file under another name is the same
source, and a file that grew (a log still being written) is the same source with more
to read. Reading positions are offsets in the decompressed bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
FINGERPRINT_BYTES = 1 << 20
STDIN = "-"
STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class Source:
    """One input to ingest."""

    path: Path
    """The file read (for stdin, a temporary copy)."""
    name: str
    """What messages call it: the path as found, or ``<stdin>``."""
    size: int
    """Size in bytes on disk (compressed size for gzip)."""
    compressed: bool
    """gzip: offsets count decompressed bytes."""


@dataclass(frozen=True)
class Unreadable:
    """A path that could not be opened at all."""

    name: str
    reason: str


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    """SHA-256 (hex) of the first `length` bytes of the file as stored."""
    length: int


def fingerprint(path: Path, length: int = FINGERPRINT_BYTES) -> Fingerprint:
    with path.open("rb") as handle:
        data = handle.read(length)
    return Fingerprint(hashlib.sha256(data).hexdigest(), len(data))


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def _source(path: Path, name: str) -> Source | Unreadable:
    try:
        size = path.stat().st_size
        return Source(path, name, size, size >= 2 and _is_gzip(path))
    except OSError as exc:
        return Unreadable(name, exc.strerror or str(exc))


def discover(args: list[str], spool_dir: Path,
             stdin: BinaryIO | None = None) -> Iterator[Source | Unreadable]:
    """The sources named by the command line, in order; directories walked (sorted,
    hidden files and directories skipped, symbolic links to directories not followed).
    ``-`` is stdin, spooled to a file in `spool_dir` so it can be read like a file."""
    for arg in args:
        if arg == STDIN:
            stream = stdin if stdin is not None else sys.stdin.buffer
            target = spool_dir / "stdin"
            with target.open("wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
            yield _source(target, STDIN_NAME)
            continue
        path = Path(arg)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    found = Path(root) / name
                    if found.is_file():
                        yield _source(found, str(found))
        elif path.is_file():
            yield _source(path, arg)
        elif path.exists():
            yield Unreadable(arg, "not a regular file")
        else:
            yield Unreadable(arg, "no such file or directory")


@contextmanager
def opened(source: Source, offset: int = 0) -> Iterator[BinaryIO]:
    """The source's bytes (decompressed for gzip), positioned at `offset`."""
    with source.path.open("rb") as raw:
        if not source.compressed:
            if offset:
                raw.seek(offset)
            yield raw
            return
        stream = io.BufferedReader(GzipStream(raw), 1 << 16)
        if offset:
            _skip(stream, offset)
        yield stream


class GzipStream(io.RawIOBase):
    """The decompressed bytes of a gzip file (all its members, back to back).

    Unlike `gzip.GzipFile`, it hands out everything it could decompress before
    reporting a truncated file (EOFError) or corrupt data (zlib.error), so what
    precedes the damage is read."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.pending = b""
        self.started = False  # any member begun (a trailing empty read is then fine)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        while not self.pending:
            if self.inflater.eof:
                rest = self.inflater.unused_data
                self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self.started = False
                if not rest:
                    rest = self.raw.read(1 << 16)
                    if not rest:
                        return 0  # clean end after a complete member
            else:
                rest = self.inflater.unconsumed_tail or self.raw.read(1 << 16)
                if not rest:
                    if self.started:
                        raise EOFError("compressed data ends early")
                    return 0
            self.started = True
            self.pending = self.inflater.decompress(rest, max(len(view), 1 << 16))
        count = min(len(view), len(self.pending))
        view[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        return count


def _skip(stream: BinaryIO, count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, 1 << 20))
        if not chunk:
            raise EOFError("the source is shorter than the position recorded for it")
        count -= len(chunk)


def read_head(source: Source, size: int) -> tuple[bytes, bool]:
    """The first `size` bytes (decompressed), and whether that is all there is. A
    truncated gzip file gives what it has before the cut."""
    chunks: list[bytes] = []
    got = 0
    with opened(source) as stream:
        try:
            while got <= size:
                chunk = stream.read1(min(8192, size + 1 - got))  # type: ignore[attr-defined]
                if not chunk:
                    return b"".join(chunks), True
                chunks.append(chunk)
                got += len(chunk)
        except EOFError:
            return b"".join(chunks), False
    head = b"".join(chunks)
    return head[:size], False


def spool_path(db: Path) -> Path:
    """The scratch directory of an ingestion into `db` (batches on their way in, a copy
    of stdin): next to the store, so a run killed before it could clean up leaves it
    where the next run into the same store removes it."""
    return db.with_name(db.name + ".spool")


def fresh_spool(db: Path) -> Path:
    """An empty spool directory. Call it only while holding the store (DuckDB lets one
    process write it), so no other ingestion is using this spool."""
    spool = spool_path(db)
    shutil.rmtree(spool, ignore_errors=True)
    spool.mkdir()
    return spool
