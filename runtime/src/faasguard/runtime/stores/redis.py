"""Tokens and rate limits in Redis, shared by every container that reaches it.

Keys (``prefix`` defaults to ``faasguard:``):

- ``<prefix>token:<id>``: a hash with token_hash, principal, roles and scopes
  (comma-separated), created, expires (absent: never), max_invocations (absent:
  unlimited), used, revoked ("0"/"1"), last_used;
- ``<prefix>tokens``: the set of token ids, for listing;
- ``<prefix>rate:<key>``: the GCRA theoretical arrival time (microseconds), expiring
  when the bucket would be full again.

Each check-and-change is one Lua script, which Redis runs atomically (no other
command runs between its reads and writes), so concurrent callers can never
overspend a token or pass a rate limit together. Every script touches one key, so
the layout also works on Redis Cluster. redis-py (extra ``redis``) is imported when
the store is created.
"""

from __future__ import annotations

from faasguard.runtime.stores.base import OK, Store, StoreError, TokenExists, diagnose
from faasguard.runtime.tokens import TokenRecord

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# KEYS[1] token hash key; ARGV: fields as name, value pairs. 0 when the id is taken.
_PUT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""

# KEYS[1] token hash key; ARGV[1] token hash, ARGV[2] now (seconds, may be fractional),
# ARGV[3] now as whole seconds. Returns {1 if a use was counted else 0, HGETALL}.
_CONSUME = """
local f = redis.call('HMGET', KEYS[1], 'token_hash', 'revoked', 'expires', 'used',
                     'max_invocations')
if not f[1] then return {0, {}} end
if f[1] == ARGV[1] and f[2] ~= '1'
   and (not f[3] or tonumber(f[3]) > tonumber(ARGV[2]))
   and (not f[5] or tonumber(f[4]) < tonumber(f[5])) then
  redis.call('HINCRBY', KEYS[1], 'used', 1)
  redis.call('HSET', KEYS[1], 'last_used', ARGV[3])
  return {1, redis.call('HGETALL', KEYS[1])}
end
return {0, redis.call('HGETALL', KEYS[1])}
"""

_REVOKE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'revoked', '1')
return 1
"""

# KEYS[1] rate key; ARGV: interval, burst, now (microseconds). Returns 0 when allowed,
# else the microseconds to wait. Lua numbers are doubles: exact for integers below
# 2^53, and microseconds since 1970 stay below that until the year 2255.
_RATE = """
local interval = tonumber(ARGV[1])
local now = tonumber(ARGV[3])
local limit = now + (tonumber(ARGV[2]) - 1) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or '')
if tat and tat > limit then return tat - limit end
if not tat or tat < now then tat = now end
tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX',
           math.ceil((tat - now) / 1000) + 1)
return 0
"""


class RedisStore(Store):
    """Store in the Redis that `client` (a `redis.Redis`) talks to. Prefer
    `RedisStore.from_url("redis://host:6379/0")`."""

    def __init__(self, client: Any, *, prefix: str = "faasguard:") -> None:
        try:
            from redis.exceptions import RedisError
        except ImportError as exc:
            raise ImportError("RedisStore needs redis-py: "
                              "pip install 'faasguard-runtime[redis]'") from exc
        self.client = client
        self.prefix = prefix
        self._error: type[Exception] = RedisError
        self._put = client.register_script(_PUT)
        self._consume = client.register_script(_CONSUME)
        self._revoke = client.register_script(_REVOKE)
        self._rate = client.register_script(_RATE)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "faasguard:",
                 timeout: float = 5.0) -> RedisStore:
        try:
            import redis
        except ImportError as exc:
            raise ImportError("RedisStore needs redis-py: "
                              "pip install 'faasguard-runtime[redis]'") from exc
        client = redis.Redis.from_url(url, socket_timeout=timeout,
                                      socket_connect_timeout=timeout)
        return cls(client, prefix=prefix)

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}{kind}:{name}"

    def _run(self, script: Any, keys: list[str], args: list[object]) -> Any:
        try:
            return script(keys=keys, args=args)
        except self._error as exc:
            raise StoreError(f"Redis: {type(exc).__name__}: {exc}") from None

    # --- tokens -------------------------------------------------------------------------

    def put_token(self, record: TokenRecord) -> None:
        fields: list[object] = [
            "token_hash", record.token_hash, "principal", record.principal,
            "roles", ",".join(sorted(record.roles)), "scopes", ",".join(sorted(record.scopes)),
            "created", record.created, "used", record.used,
            "revoked", "1" if record.revoked else "0"]
        for name in ("expires", "max_invocations", "last_used"):
            value = getattr(record, name)
            if value is not None:
                fields += [name, value]
        if not self._run(self._put, [self._key("token", record.id)], fields):
            raise TokenExists(f"token id {record.id} already exists")
        try:
            self.client.sadd(f"{self.prefix}tokens", record.id)
        except self._error as exc:
            raise StoreError(f"Redis: {type(exc).__name__}: {exc}") from None

    def consume_token(self, token_id: str, token_hash: str,
                      now: float) -> tuple[str, TokenRecord | None]:
        changed, flat = self._run(self._consume, [self._key("token", token_id)],
                                  [token_hash, repr(float(now)), int(now)])
        record = _record(token_id, _pairs(flat))
        return (OK if changed == 1 else diagnose(record, token_hash, now)), record

    def get_token(self, token_id: str) -> TokenRecord | None:
        try:
            fields = self.client.hgetall(self._key("token", token_id))
        except self._error as exc:
            raise StoreError(f"Redis: {type(exc).__name__}: {exc}") from None
        return _record(token_id, {_text(k): _text(v) for k, v in fields.items()})

    def list_tokens(self) -> list[TokenRecord]:
        try:
            ids = sorted(_text(i) for i in self.client.smembers(f"{self.prefix}tokens"))
            pipe = self.client.pipeline(transaction=False)
            for token_id in ids:
                pipe.hgetall(self._key("token", token_id))
            replies = pipe.execute()
        except self._error as exc:
            raise StoreError(f"Redis: {type(exc).__name__}: {exc}") from None
        records = [_record(i, {_text(k): _text(v) for k, v in fields.items()})
                   for i, fields in zip(ids, replies, strict=True)]
        return sorted((r for r in records if r is not None), key=lambda r: (r.created, r.id))

    def revoke_token(self, token_id: str) -> bool:
        return bool(self._run(self._revoke, [self._key("token", token_id)], []))

    # --- rate limits ----------------------------------------------------------------------

    def rate_take(self, key: str, interval: int, burst: int, now: int) -> int:
        return int(self._run(self._rate, [self._key("rate", key)], [interval, burst, now]))

    def close(self) -> None:
        self.client.close()


def _text(value: object) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _pairs(flat: list[object]) -> dict[str, str]:
    items = [_text(v) for v in flat]
    return dict(zip(items[0::2], items[1::2], strict=True))


def _record(token_id: str, fields: dict[str, str]) -> TokenRecord | None:
    if "token_hash" not in fields:
        return None
    item: dict[str, object] = dict(fields)
    item["id"] = token_id
    item["roles"] = [r for r in fields.get("roles", "").split(",") if r]
    item["scopes"] = [s for s in fields.get("scopes", "").split(",") if s]
    return TokenRecord.from_item(item)
