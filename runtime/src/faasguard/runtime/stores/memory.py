"""A store in this process's memory, for tests and a single container.

Atomic across threads (one lock), not across processes: every Lambda container has
its own copy, so a rate limit of N per minute held here allows up to N per minute per
*container*, and tokens issued into it exist only in it. Use SQLite, DynamoDB or
Redis when the count must hold for the whole function.
"""

from __future__ import annotations

import threading

from faasguard.runtime.stores.base import OK, Store, TokenExists, check, gcra
from faasguard.runtime.tokens import TokenRecord

DEFAULT_MAX_KEYS = 100_000


class MemoryStore(Store):
    """Thread-safe in-process store. `max_keys` bounds the rate-limit table so that
    many distinct keys (say, spoofed source addresses) cannot exhaust memory: past
    the bound, idle buckets go first, then the oldest ones (a dropped bucket starts
    full again, which is the price of the bound)."""

    def __init__(self, *, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._lock = threading.Lock()
        self._tokens: dict[str, TokenRecord] = {}
        self._rates: dict[str, int] = {}
        self._max_keys = max_keys

    def put_token(self, record: TokenRecord) -> None:
        with self._lock:
            if record.id in self._tokens:
                raise TokenExists(f"token id {record.id} already exists")
            # a copy, so that the caller's object and the stored one never alias
            self._tokens[record.id] = _copy(record)

    def consume_token(self, token_id: str, token_hash: str,
                      now: float) -> tuple[str, TokenRecord | None]:
        with self._lock:
            record = self._tokens.get(token_id)
            outcome = check(record, token_hash, now)
            if record is None:
                return outcome, None
            if outcome == OK:
                record.used += 1
                record.last_used = int(now)
            return outcome, _copy(record)

    def get_token(self, token_id: str) -> TokenRecord | None:
        with self._lock:
            record = self._tokens.get(token_id)
            return None if record is None else _copy(record)

    def list_tokens(self) -> list[TokenRecord]:
        with self._lock:
            records = [_copy(r) for r in self._tokens.values()]
        return sorted(records, key=lambda r: (r.created, r.id))

    def revoke_token(self, token_id: str) -> bool:
        with self._lock:
            record = self._tokens.get(token_id)
            if record is None:
                return False
            record.revoked = True
            return True

    def rate_take(self, key: str, interval: int, burst: int, now: int) -> int:
        with self._lock:
            tat, wait = gcra(self._rates.get(key), now, interval, burst)
            if not wait:
                # re-insert so that dict order is least recently used first
                self._rates.pop(key, None)
                self._rates[key] = tat
                if len(self._rates) > self._max_keys:
                    self._evict(now)
            return wait

    def _evict(self, now: int) -> None:
        # idle buckets (tat in the past) carry no state: dropping them changes nothing
        for key in [k for k, tat in self._rates.items() if tat <= now]:
            del self._rates[key]
        while len(self._rates) > self._max_keys:
            del self._rates[next(iter(self._rates))]


def _copy(record: TokenRecord) -> TokenRecord:
    # callers get snapshots, so that the stored record changes only under the lock
    return TokenRecord.from_item(record.to_item())
