"""Rate limits per principal, per source address or per function (control C3).

    RateLimit("20/minute per principal")   # each caller: 20 a minute
    RateLimit("5/second per ip", burst=10) # each source address: 5 a second, 10 at once
    RateLimit("100/hour")                  # the whole function: 100 an hour

A token bucket: `burst` calls may arrive at once (default: the count), and the bucket
refills at count/period. It is kept as GCRA's single "theoretical arrival time" per key
(integer microseconds), which every store updates atomically, so concurrent callers
sharing a store get exactly the limit. Refusals raise `Rejection(429, "rate.limited")`
with a `Retry-After` header (whole seconds, at least 1).

The spec is parsed strictly when the limit is built (decoration time): a typo fails the
cold start, not some later call.

Default store: a `MemoryStore` of this process. In AWS Lambda that is one container,
so the limit holds per container, and the function as a whole allows up to N times the
limit with N warm containers. That is honest but weak: pass a shared store
(``store="dynamodb:TABLE"`` or ``"redis://..."``) when the limit must hold for the
whole function.
"""

from __future__ import annotations

import hashlib
import os
import time

from faasguard.runtime.core import Principal, Rejection
from faasguard.runtime.stores.base import StoreError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from faasguard.runtime.stores.base import Store

_UNITS = {
    "second": 1, "seconds": 1, "sec": 1, "s": 1,
    "minute": 60, "minutes": 60, "min": 60,
    "hour": 3600, "hours": 3600, "hr": 3600, "h": 3600,
    "day": 86400, "days": 86400, "d": 86400,
}
_CANONICAL = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}
KEYS = ("principal", "ip", "global")
MAX_COUNT = 1_000_000_000
MAX_KEY = 200
SPEC_HELP = ('expected "<count>/<second|minute|hour|day>[ per <principal|ip|global>]", '
             'e.g. "20/minute per principal"')


def parse_spec(spec: str) -> tuple[int, int, str]:
    """(count, period in seconds, key kind) from a spec; ValueError saying what is
    wrong otherwise. Without "per ..." the limit is global (one bucket)."""
    if not isinstance(spec, str):
        raise ValueError(f"rate limit must be text, got {type(spec).__name__}: {SPEC_HELP}")
    words = spec.strip().lower().split()
    if not words:
        raise ValueError(f"empty rate limit: {SPEC_HELP}")
    kind = "global"
    if len(words) == 3 and words[1] == "per":
        kind = words[2]
        if kind not in KEYS:
            raise ValueError(f"rate limit {spec!r}: unknown key {words[2]!r} "
                             f"(known: {', '.join(KEYS)})")
    elif len(words) != 1:
        raise ValueError(f"rate limit {spec!r}: {SPEC_HELP}")
    count_text, slash, unit = words[0].partition("/")
    if not slash:
        raise ValueError(f"rate limit {spec!r}: missing '/': {SPEC_HELP}")
    if not count_text.isascii() or not count_text.isdigit():
        raise ValueError(f"rate limit {spec!r}: count {count_text!r} is not a whole number")
    count = int(count_text)
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"rate limit {spec!r}: count must be 1..{MAX_COUNT}")
    period = _UNITS.get(unit)
    if period is None:
        raise ValueError(f"rate limit {spec!r}: unknown unit {unit!r} "
                         "(known: second, minute, hour, day)")
    return count, period, kind


class RateLimit:
    """A token-bucket limit, checked by the guard after authentication.

    `store`: a `Store`, a store URL, or None for this process's memory (see the module
    docstring). `name` separates the buckets of limits that share a store; it defaults
    to the Lambda function's name (AWS_LAMBDA_FUNCTION_NAME), so two functions with the
    same spec on one table do not share a budget. With `fail_open`, a store that
    cannot answer lets calls through instead of failing them (availability over
    protection; off by default)."""

    __slots__ = ("_clock", "_prefix", "burst", "count", "fail_open", "interval", "kind",
                 "period", "spec", "store")

    def __init__(self, spec: str, store: Store | str | None = None, burst: int | None = None,
                 *, name: str | None = None, fail_open: bool = False,
                 clock: Callable[[], int] = time.time_ns) -> None:
        self.count, self.period, self.kind = parse_spec(spec)
        if burst is None:
            burst = self.count
        if isinstance(burst, bool) or not isinstance(burst, int) or not 1 <= burst <= MAX_COUNT:
            raise ValueError(f"rate limit {spec!r}: burst must be a whole number "
                             f"1..{MAX_COUNT}")
        self.burst = burst
        # microseconds one call costs; integers so that `burst` calls at once are
        # exactly `burst` in every backend
        self.interval = max(self.period * 1_000_000 // self.count, 1)
        self.spec = f"{self.count}/{_CANONICAL[self.period]} per {self.kind}"
        if store is None:
            from faasguard.runtime.stores.memory import MemoryStore

            store = MemoryStore()
        elif isinstance(store, str):
            from faasguard.runtime.stores import open_store

            store = open_store(store)
        self.store = store
        scope = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "") if name is None else name
        self._prefix = f"{scope}|{self.count}/{self.period}s/{burst}|"
        self.fail_open = fail_open
        self._clock = clock

    def key(self, request: object, principal: Principal | None) -> tuple[str, str]:
        """(kind, store key) of the bucket this call draws from. "per principal" without
        an authenticated caller falls back to the source address, then to one shared
        "anonymous" bucket."""
        kind = self.kind
        value = ""
        if kind == "principal":
            if principal is not None and principal.id:
                value = principal.id
            else:
                kind = "ip"
        if kind == "ip":
            value = str(getattr(request, "source_ip", "") or "")
            if not value:
                kind, value = "anonymous", ""
        if len(value) > MAX_KEY:
            value = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        return kind, f"{self._prefix}{kind}:{value}"

    def check(self, request: object, principal: Principal | None = None) -> None:
        """Take one call from the caller's bucket; raise Rejection(429) when empty."""
        kind, key = self.key(request, principal)
        try:
            wait = self.store.rate_take(key, self.interval, self.burst, self._clock() // 1000)
        except StoreError as exc:
            if not self.fail_open:
                raise
            import logging

            logging.getLogger("faasguard.ratelimit").warning(
                "rate limit %s not applied: %s", self.spec, exc)
            return
        if wait:
            retry = max(-(-wait // 1_000_000), 1)
            raise Rejection(429, "rate.limited", f"rate limit {self.spec} exceeded",
                            principal=principal, headers={"Retry-After": str(retry)},
                            detail={"limit": self.spec, "bucket": kind, "retry_after": retry})

    def __repr__(self) -> str:
        return f"RateLimit({self.spec!r}, burst={self.burst})"
