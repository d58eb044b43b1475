"""The embedded default store: one SQLite file, shared by threads and processes.

Every change runs in a `BEGIN IMMEDIATE` transaction, which takes the database's
write lock before reading, so a check-then-change is atomic across processes; other
writers wait up to `timeout` seconds (SQLite's busy timeout) instead of failing. The
file is put in WAL mode so that readers never block the writer.

A token's use is one conditional `UPDATE ... SET used = used + 1 WHERE id = ? AND
token_hash = ? AND revoked = 0 AND (expires IS NULL OR expires > ?) AND
(max_invocations IS NULL OR used < max_invocations)`, and the table's CHECK
constraint refuses `used > max_invocations` whatever writes to it.

Only for one host: SQLite's locking is not reliable on network file systems (EFS,
NFS), and in AWS Lambda a file under /tmp belongs to one container. Use DynamoDB or
Redis to share counts across containers. Only SQL every SQLite since 3.7 knows is
used (no RETURNING, no UPSERT), so the Python in older Lambda images works too.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from faasguard.runtime.stores.base import OK, Store, StoreError, TokenExists, diagnose, gcra
from faasguard.runtime.tokens import TokenRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS faasguard_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    principal TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '',
    scopes TEXT NOT NULL DEFAULT '',
    created INTEGER NOT NULL,
    expires INTEGER,
    max_invocations INTEGER CHECK (max_invocations IS NULL OR max_invocations > 0),
    used INTEGER NOT NULL DEFAULT 0
        CHECK (used >= 0 AND (max_invocations IS NULL OR used <= max_invocations)),
    revoked INTEGER NOT NULL DEFAULT 0,
    last_used INTEGER
);
CREATE TABLE IF NOT EXISTS faasguard_rates (
    key TEXT PRIMARY KEY,
    tat INTEGER NOT NULL
);
"""

_COLUMNS = ("id, token_hash, principal, roles, scopes, created, expires, max_invocations, "
            "used, revoked, last_used")

_CONSUME = """
UPDATE faasguard_tokens SET used = used + 1, last_used = ?
WHERE id = ? AND token_hash = ? AND revoked = 0 AND (expires IS NULL OR expires > ?)
  AND (max_invocations IS NULL OR used < max_invocations)
"""

# Idle rate-limit rows (tat in the past) carry no state; drop them now and then.
SWEEP_EVERY = 1000


class _Transaction:
    """`with` block around BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""

    __slots__ = ("db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.db.execute("ROLLBACK" if kind is not None else "COMMIT")


class SQLiteStore(Store):
    """Tokens and rate limits in the SQLite file `path` (created, with its directory,
    when missing; owner-only permissions). One connection per thread and process."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0,
                 synchronous: str = "NORMAL") -> None:
        if synchronous.upper() not in ("NORMAL", "FULL", "EXTRA"):
            raise ValueError("synchronous must be NORMAL, FULL or EXTRA")
        self.path = os.fspath(path)
        if not self.path or self.path == ":memory:" or self.path.startswith("file:"):
            # each thread would get a database of its own: use MemoryStore instead
            raise ValueError("SQLiteStore needs a file path (use MemoryStore for memory)")
        self._timeout = timeout
        self._synchronous = synchronous.upper()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._takes = 0
        self._create()

    # --- connections ------------------------------------------------------------------

    def _create(self) -> None:
        parent = os.path.dirname(os.path.abspath(self.path))
        try:
            os.makedirs(parent, mode=0o700, exist_ok=True)
            # the file first, owner-only: SQLite would create it with the umask
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        except OSError as exc:
            raise StoreError(f"cannot create token store {self.path}: "
                             f"{exc.strerror or exc}") from None
        db = self._db()
        try:
            # WAL: readers do not block the writer. Changing the journal mode needs
            # the lock; the busy timeout makes concurrent first opens wait for it.
            db.execute("PRAGMA journal_mode=WAL")
            with _Transaction(db) as tx:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        tx.execute(statement)
        except sqlite3.Error as exc:
            raise StoreError(f"token store {self.path}: {exc}") from None

    def _db(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:
            # a forked child must not use its parent's connections (SQLite forbids it)
            self._local = threading.local()
            self._all = []
            self._lock = threading.Lock()
            self._pid = os.getpid()
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            try:
                db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None,
                                     check_same_thread=False)
                db.execute(f"PRAGMA synchronous={self._synchronous}")
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open token store {self.path}: {exc}") from None
            self._local.db = db
            with self._lock:
                self._all.append(db)
        return db

    def close(self) -> None:
        with self._lock:
            for db in self._all:
                db.close()
            self._all.clear()
        self._local = threading.local()

    # --- tokens -------------------------------------------------------------------------

    def put_token(self, record: TokenRecord) -> None:
        values = (record.id, record.token_hash, record.principal, ",".join(sorted(record.roles)),
                  ",".join(sorted(record.scopes)), record.created, record.expires,
                  record.max_invocations, record.used, int(record.revoked), record.last_used)
        try:
            with _Transaction(self._db()) as tx:
                tx.execute(f"INSERT INTO faasguard_tokens ({_COLUMNS}) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc) or "PRIMARY KEY" in str(exc):
                raise TokenExists(f"token id {record.id} already exists") from None
            raise StoreError(f"token store {self.path}: {exc}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"token store {self.path}: {exc}") from None

    def consume_token(self, token_id: str, token_hash: str,
                      now: float) -> tuple[str, TokenRecord | None]:
        try:
            with _Transaction(self._db()) as tx:
                changed = tx.execute(_CONSUME, (int(now), token_id, token_hash, now)).rowcount
                row = tx.execute(f"SELECT {_COLUMNS} FROM faasguard_tokens WHERE id = ?",
                                 (token_id,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"token store {self.path}: {exc}") from None
        record = _record(row)
        return (OK if changed == 1 else diagnose(record, token_hash, now)), record

    def get_token(self, token_id: str) -> TokenRecord | None:
        try:
            row = self._db().execute(f"SELECT {_COLUMNS} FROM faasguard_tokens WHERE id = ?",
                                     (token_id,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"token store {self.path}: {exc}") from None
        return _record(row)

    def list_tokens(self) -> list[TokenRecord]:
        try:
            rows = self._db().execute(f"SELECT {_COLUMNS} FROM faasguard_tokens "
                                      "ORDER BY created, id").fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"token store {self.path}: {exc}") from None
        return [r for r in map(_record, rows) if r is not None]

    def revoke_token(self, token_id: str) -> bool:
        try:
            with _Transaction(self._db()) as tx:
                changed = tx.execute("UPDATE faasguard_tokens SET revoked = 1 WHERE id = ?",
                                     (token_id,)).rowcount
        except sqlite3.Error as exc:
            raise StoreError(f"token store {self.path}: {exc}") from None
        return changed == 1

    # --- rate limits ----------------------------------------------------------------------

    def rate_take(self, key: str, interval: int, burst: int, now: int) -> int:
        try:
            with _Transaction(self._db()) as tx:
                row = tx.execute("SELECT tat FROM faasguard_rates WHERE key = ?",
                                 (key,)).fetchone()
                tat, wait = gcra(None if row is None else int(row[0]), now, interval, burst)
                if not wait:
                    tx.execute("INSERT OR REPLACE INTO faasguard_rates (key, tat) VALUES (?, ?)",
                               (key, tat))
                self._takes += 1
                if self._takes % SWEEP_EVERY == 0:
                    tx.execute("DELETE FROM faasguard_rates WHERE tat <= ?", (now,))
        except sqlite3.Error as exc:
            raise StoreError(f"token store {self.path}: {exc}") from None
        return wait


def _record(row: tuple[object, ...] | None) -> TokenRecord | None:
    if row is None:
        return None
    (token_id, token_hash, principal, roles, scopes, created, expires, max_invocations,
     used, revoked, last_used) = row
    return TokenRecord(str(token_id), str(token_hash), str(principal),
                       roles=[r for r in str(roles).split(",") if r],
                       scopes=[s for s in str(scopes).split(",") if s],
                       created=int(str(created)),
                       expires=None if expires is None else int(str(expires)),
                       max_invocations=None if max_invocations is None
                       else int(str(max_invocations)),
                       used=int(str(used)), revoked=bool(revoked),
                       last_used=None if last_used is None else int(str(last_used)))
