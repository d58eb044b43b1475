"""The local advisory database: OSV advisories in one SQLite file.

SQLite rather than DuckDB (which `faasguard logs` uses): a scan asks for a few hundred
package names by key, which is what SQLite is built for, and `import sqlite3` costs a
few milliseconds where `import duckdb` costs about a hundred; the scanner's start-up
is a feature. The file lives in the user's cache (`~/.cache/faasguard/advisories.sqlite3`)
unless `--advisory-db` says otherwise.

Imports are bounded (member count and size of archives, size of documents) and
transactional: an import that fails half-way leaves the database as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.deps.osv import Advisory, Affected, iter_documents, parse_advisory
from faasguard.deps.versions import normalize_name

if TYPE_CHECKING:
    import sqlite3
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

SCHEMA_VERSION = 2
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 2_000_000
MAX_ARCHIVE_BYTES = 8 * 1024 * 1024 * 1024
OSV_ARCHIVE_URL = "https://osv-vulnerabilities.storage.googleapis.com/{ecosystem}/all.zip"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisory (
  id TEXT PRIMARY KEY, aliases TEXT NOT NULL, summary TEXT NOT NULL,
  severity TEXT NOT NULL, modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS affected (
  advisory TEXT NOT NULL REFERENCES advisory(id) ON DELETE CASCADE,
  ecosystem TEXT NOT NULL, package TEXT NOT NULL,
  entry TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_package ON affected (ecosystem, package);
"""


def default_path() -> Path:
    """``$FAASGUARD_ADVISORY_DB``, else the user's cache folder. (Where to find the
    database is configuration; nothing from the environment reaches the results.)"""
    if os.environ.get("FAASGUARD_ADVISORY_DB"):
        return Path(os.environ["FAASGUARD_ADVISORY_DB"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "faasguard" / "advisories.sqlite3"


@dataclass(frozen=True, slots=True)
class ImportReport:
    imported: int
    withdrawn: int
    skipped: int
    """Documents that are not OSV advisories for PyPI or npm."""
    errors: tuple[str, ...]
    """One line per unreadable file or member, naming it."""


class AdvisoryDB:
    """One advisory database file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self) -> sqlite3.Connection:
        import sqlite3

        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path)
        con.execute("PRAGMA foreign_keys = ON")
        con.executescript(_SCHEMA)
        version = con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if version is None:
            con.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            con.commit()
        elif version[0] != str(SCHEMA_VERSION):
            con.close()
            raise ValueError(f"{self.path}: advisory database schema {version[0]} is not "
                             f"supported (expected {SCHEMA_VERSION}); delete it and import again")
        return con

    # --- writing ---------------------------------------------------------------------

    def import_paths(self, paths: Iterable[Path]) -> ImportReport:
        """Load OSV JSON files, directories of them, and OSV zip archives."""
        imported = withdrawn = skipped = 0
        errors: list[str] = []
        con = self._connect()
        try:
            with con:
                for label, raw in _documents(paths, errors):
                    try:
                        data = json.loads(raw)
                    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                        errors.append(f"{label}: not JSON ({exc})")
                        continue
                    for doc in iter_documents(data):
                        outcome = self._put(con, doc)
                        imported += outcome == "imported"
                        withdrawn += outcome == "withdrawn"
                        skipped += outcome == "skipped"
                from datetime import UTC, datetime

                con.execute("INSERT OR REPLACE INTO meta VALUES ('imported_at', ?)",
                            (datetime.now(UTC).replace(microsecond=0).isoformat(),))
        finally:
            con.close()
        return ImportReport(imported, withdrawn, skipped, tuple(errors))

    def _put(self, con: sqlite3.Connection, doc: object) -> str:
        if isinstance(doc, dict) and doc.get("withdrawn") and isinstance(doc.get("id"), str):
            con.execute("DELETE FROM advisory WHERE id = ?", (doc["id"],))
            return "withdrawn"
        advisory = parse_advisory(doc)
        if advisory is None:
            return "skipped"
        con.execute("DELETE FROM advisory WHERE id = ?", (advisory.id,))
        # Aliases as one space-separated string and each entry's ranges and versions
        # as one JSON value: a scan decodes one value per row, not three.
        con.execute("INSERT INTO advisory VALUES (?, ?, ?, ?, ?)",
                    (advisory.id, " ".join(advisory.aliases), advisory.summary,
                     advisory.severity, advisory.modified))
        con.executemany("INSERT INTO affected VALUES (?, ?, ?, ?)", [
            (a.advisory, a.ecosystem, a.package, json.dumps([a.ranges, a.versions]))
            for a in advisory.affected])
        return "imported"

    # --- reading ---------------------------------------------------------------------

    def lookup(self, ecosystem: str, names: Iterable[str]) -> dict[str, list[Advisory]]:
        """Advisories naming each package (normalised name -> advisories, each with only
        its entries for that package)."""
        wanted = sorted({normalize_name(ecosystem, n) for n in names})
        if not wanted or not self.exists():
            return {}
        import sqlite3

        con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        found: dict[str, list[Advisory]] = {}
        try:
            for chunk in _chunks(wanted, 500):
                marks = ",".join("?" * len(chunk))
                rows = con.execute(
                    "SELECT a.id, a.aliases, a.summary, a.severity, a.modified, f.package, "
                    f"f.entry FROM affected f JOIN advisory a ON a.id = f.advisory "
                    f"WHERE f.ecosystem = ? AND f.package IN ({marks}) ORDER BY a.id",
                    (ecosystem, *chunk))
                for ident, aliases, summary, severity, modified, package, raw in rows:
                    ranges, versions = json.loads(raw)
                    entry = Affected(ident, ecosystem, package,
                                     tuple(tuple(map(tuple, r)) for r in ranges), tuple(versions))
                    found.setdefault(package, []).append(Advisory(
                        ident, tuple(aliases.split()), summary, severity, modified, (entry,)))
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{self.path}: not a faasguard advisory database ({exc})") from None
        finally:
            con.close()
        return found

    def status(self) -> dict[str, object]:
        if not self.exists():
            return {"path": str(self.path), "exists": False}
        con = self._connect()
        try:
            counts = dict(con.execute(
                "SELECT ecosystem, count(DISTINCT advisory) FROM affected GROUP BY ecosystem"))
            when = con.execute("SELECT value FROM meta WHERE key='imported_at'").fetchone()
        finally:
            con.close()
        return {"path": str(self.path), "exists": True, "advisories": counts,
                "imported_at": when[0] if when else None}


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _documents(paths: Iterable[Path], errors: list[str]) -> Iterator[tuple[str, bytes]]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in {".json", ".zip"}:
                    yield from _documents([child], errors)
        elif path.suffix.lower() == ".zip":
            yield from _zip_documents(path, errors)
        elif path.is_file():
            if path.stat().st_size > MAX_DOCUMENT_BYTES:
                errors.append(f"{path}: larger than {MAX_DOCUMENT_BYTES} bytes, skipped")
                continue
            yield str(path), path.read_bytes()
        else:
            errors.append(f"{path}: no such file or directory")


def _zip_documents(path: Path, errors: list[str]) -> Iterator[tuple[str, bytes]]:
    import zipfile

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        errors.append(f"{path}: not a zip archive ({exc})")
        return
    with archive:
        members = [m for m in archive.infolist() if m.filename.endswith(".json")]
        if len(members) > MAX_ARCHIVE_MEMBERS or sum(
                m.file_size for m in members) > MAX_ARCHIVE_BYTES:
            errors.append(f"{path}: archive too large, skipped")
            return
        for member in members:
            label = f"{path}:{member.filename}"
            if member.file_size > MAX_DOCUMENT_BYTES:
                errors.append(f"{label}: larger than {MAX_DOCUMENT_BYTES} bytes, skipped")
                continue
            try:
                with archive.open(member) as handle:
                    # The declared size can lie; read one byte past the bound to know.
                    raw = handle.read(MAX_DOCUMENT_BYTES + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                errors.append(f"{label}: unreadable ({exc})")
                continue
            if len(raw) > MAX_DOCUMENT_BYTES:
                errors.append(f"{label}: larger than {MAX_DOCUMENT_BYTES} bytes, skipped")
                continue
            yield label, raw


def download(ecosystem: str, into: Path, timeout: float = 60.0) -> Path:
    """Fetch OSV's archive of one ecosystem; ValueError with the reason when the
    network does not allow it."""
    import urllib.error
    import urllib.request

    url = OSV_ARCHIVE_URL.format(ecosystem=ecosystem)
    target = into / f"osv-{ecosystem}.zip"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, \
                target.open("wb") as out:
            total = 0
            while chunk := response.read(1 << 20):
                total += len(chunk)
                if total > MAX_ARCHIVE_BYTES:
                    raise ValueError(f"{url}: larger than {MAX_ARCHIVE_BYTES} bytes")
                out.write(chunk)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ValueError(f"cannot download {url}: {reason}; on an offline or air-gapped "
                         "machine, copy the archive over and use `faasguard db import`") from None
    return target
