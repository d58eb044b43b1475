"""The one interface every token and rate-limit store implements.

A store keeps two kinds of state, each changed only by operations that are atomic in
the backend itself (a conditional SQL update, a DynamoDB condition expression, a Redis
Lua script, a lock in memory), so that many containers, processes and threads can
share one store without ever spending an invocation twice or letting a burst through:

- token records (`TokenRecord`), looked up by their non-secret id and checked against
  the SHA-256 of the presented token; `consume_token` checks and counts one use;
- rate-limit state: one GCRA "theoretical arrival time" per key (microseconds), which
  is a token bucket kept as a single number (see `ratelimit.py`).

Nothing heavy is imported here: `abc` is already loaded when the interpreter starts.
"""

from __future__ import annotations

import hmac
from abc import ABC, abstractmethod

# `typing` costs import time on every cold start; mypy treats this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from faasguard.runtime.tokens import TokenRecord

# Outcomes of `Store.consume_token`. Only OK lets the call through; the others name the
# precise reason for the audit event (the caller only ever sees a generic 401).
OK = "ok"
UNKNOWN = "unknown"
MISMATCH = "mismatch"
REVOKED = "revoked"
EXPIRED = "expired"
EXHAUSTED = "exhausted"

REASONS = {
    UNKNOWN: "unknown token",
    MISMATCH: "token secret does not match the token id",
    REVOKED: "token revoked",
    EXPIRED: "token expired",
    EXHAUSTED: "token has no invocations left",
}


class StoreError(Exception):
    """The store cannot answer (unreachable, throttled, misconfigured, missing extra).

    Raised instead of the backend's own exception so callers handle one type; the
    guard turns it into a generic 5xx, never into a pass."""


class TokenExists(StoreError):
    """`put_token` found a record with the same id (ids are random: this means a bug
    or a replay of the same record)."""


def check(record: TokenRecord | None, token_hash: str, now: float) -> str:
    """OK when `record` may be used now with this hash, else the reason it may not.
    The order matters: a revoked token is reported as revoked even when also expired."""
    if record is None:
        return UNKNOWN
    if not hmac.compare_digest(record.token_hash, token_hash):
        return MISMATCH
    if record.revoked:
        return REVOKED
    if record.expires is not None and record.expires <= now:
        return EXPIRED
    if record.max_invocations is not None and record.used >= record.max_invocations:
        return EXHAUSTED
    return OK


def diagnose(record: TokenRecord | None, token_hash: str, now: float) -> str:
    """Why a conditional consume failed, from a read of the record after the fact.

    The decision itself was taken atomically by the backend; this only names it."""
    outcome = check(record, token_hash, now)
    # The record allows a use by now, so the consume lost a race to a change (no API
    # un-revokes a token): report it as spent rather than guess.
    return EXHAUSTED if outcome == OK else outcome


def gcra(tat: int | None, now: int, interval: int, burst: int) -> tuple[int, int]:
    """One GCRA step: (new theoretical arrival time, 0) when a call is allowed, or
    (unchanged tat, microseconds to wait) when it is not.

    `interval` is the time one call "costs" (period / count) and `burst` how many calls
    may arrive at once. A call is allowed while tat <= now + (burst - 1) * interval.
    Stores that can run this logic atomically (memory under a lock, Redis in Lua)
    use it directly; SQL and DynamoDB express the same test as a condition."""
    limit = now + (burst - 1) * interval
    if tat is None or tat <= limit:
        return max(tat or now, now) + interval, 0
    return tat, tat - limit


class Store(ABC):
    """Token records and rate-limit state behind atomic operations.

    Implementations must be safe to share between threads; the SQLite, DynamoDB and
    Redis stores are also safe to share between processes and hosts."""

    # --- tokens -------------------------------------------------------------------

    @abstractmethod
    def put_token(self, record: TokenRecord) -> None:
        """Store a new record; raise `TokenExists` when its id is taken."""

    @abstractmethod
    def consume_token(self, token_id: str, token_hash: str,
                      now: float) -> tuple[str, TokenRecord | None]:
        """Atomically: when the record exists, its hash matches, it is not revoked, not
        expired (`expires > now`) and has uses left, count one use and return
        (OK, the record after the use). Otherwise change nothing and return the reason
        (UNKNOWN, MISMATCH, REVOKED, EXPIRED, EXHAUSTED) and the record if any."""

    @abstractmethod
    def get_token(self, token_id: str) -> TokenRecord | None:
        """The record with this id, or None."""

    @abstractmethod
    def list_tokens(self) -> list[TokenRecord]:
        """Every record, revoked and expired ones included, oldest first."""

    @abstractmethod
    def revoke_token(self, token_id: str) -> bool:
        """Mark the record revoked; False when there is no such record."""

    # --- rate limits ----------------------------------------------------------------

    @abstractmethod
    def rate_take(self, key: str, interval: int, burst: int, now: int) -> int:
        """Atomically take one call from the bucket `key`: 0 when allowed, else the
        microseconds until the next call would be. All times are integer microseconds
        so that `burst` calls at once are exactly `burst`, never one more from rounding."""

    def close(self) -> None:
        """Release connections; the store may not be used afterwards."""
        return None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
