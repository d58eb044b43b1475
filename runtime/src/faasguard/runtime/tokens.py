"""Opaque bearer tokens: issued once, kept only as a SHA-256 hash, counted on every use.

A token looks like ``fgt_<id>_<secret>``: the fixed prefix lets secret scanners (and
faasguard's own B3 check) recognise a leaked one; ``<id>`` (16 hex digits) is the
non-secret handle that `faasguard tokens list` and `revoke` show; ``<secret>`` is 32
random bytes (256 bits) from `secrets`. The store keeps the record under the id with
the SHA-256 of the whole token. A fast hash is the right one here: the secret is
random, not a password, so there is nothing to brute-force, and a per-call KDF would
cost milliseconds on every invocation.

`TokenAuth.authenticate` checks and counts one use in a single atomic store operation
(control A4): exists, hash matches, not revoked, not expired, uses left. Denials are
`Rejection(401, "auth.failure", <precise reason>)`; the reason goes to the audit event
only. Standard library only; `secrets` is imported when a token is issued, not when
one is checked, to keep it off the cold-start path.
"""

from __future__ import annotations

import hashlib
import time

from faasguard.runtime.core import Principal, Rejection
from faasguard.runtime.stores.base import MISMATCH, OK, REASONS

# `typing` costs import time on every cold start; mypy treats this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from faasguard.runtime.stores.base import Store

PREFIX = "fgt_"
ID_LENGTH = 16
SECRET_BYTES = 32
SECRET_LENGTH = 43  # base64url of 32 bytes, unpadded
TOKEN_LENGTH = len(PREFIX) + ID_LENGTH + 1 + SECRET_LENGTH
MAX_PRINCIPAL = 256

_HEX = frozenset("0123456789abcdef")
_URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def hash_token(token: str) -> str:
    """The only form in which a token is ever stored: hex SHA-256 of the whole token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def split_token(token: str) -> str | None:
    """The token id when `token` has the exact shape of a faasguard token, else None.

    Checked before any store access, so garbage (or a JWT sent to the wrong endpoint)
    costs no round trip and never reaches a query."""
    if len(token) != TOKEN_LENGTH or not token.startswith(PREFIX):
        return None
    token_id = token[len(PREFIX):len(PREFIX) + ID_LENGTH]
    if token[len(PREFIX) + ID_LENGTH] != "_" or not _HEX.issuperset(token_id):
        return None
    if not _URLSAFE.issuperset(token[len(PREFIX) + ID_LENGTH + 1:]):
        return None
    return token_id


class TokenRecord:
    """What a store keeps about one token. Never holds the token itself.

    Times are whole seconds since the epoch; `expires` None means no expiry and
    `max_invocations` None means no use limit. `used` only ever goes up, by the
    store's atomic consume, so `remaining` can never go below zero."""

    __slots__ = ("created", "expires", "id", "last_used", "max_invocations", "principal",
                 "revoked", "roles", "scopes", "token_hash", "used")

    def __init__(self, id: str, token_hash: str, principal: str, *,
                 roles: Iterable[str] = (), scopes: Iterable[str] = (),
                 created: int = 0, expires: int | None = None,
                 max_invocations: int | None = None, used: int = 0,
                 revoked: bool = False, last_used: int | None = None) -> None:
        self.id = id
        self.token_hash = token_hash
        self.principal = principal
        self.roles = frozenset(roles)
        self.scopes = frozenset(scopes)
        self.created = created
        self.expires = expires
        self.max_invocations = max_invocations
        self.used = used
        self.revoked = revoked
        self.last_used = last_used

    @property
    def remaining(self) -> int | None:
        if self.max_invocations is None:
            return None
        return max(self.max_invocations - self.used, 0)

    def status(self, now: float) -> str:
        """"active", "revoked", "expired" or "exhausted" (in that order of precedence
        after revoked)."""
        if self.revoked:
            return "revoked"
        if self.expires is not None and self.expires <= now:
            return "expired"
        if self.max_invocations is not None and self.used >= self.max_invocations:
            return "exhausted"
        return "active"

    def public(self, now: float) -> dict[str, object]:
        """The listing view: everything except the hash."""
        return {"id": self.id, "principal": self.principal, "roles": sorted(self.roles),
                "scopes": sorted(self.scopes), "created": self.created,
                "expires": self.expires, "max_invocations": self.max_invocations,
                "used": self.used, "remaining": self.remaining, "revoked": self.revoked,
                "last_used": self.last_used, "status": self.status(now)}

    def to_item(self) -> dict[str, object]:
        """Every field, JSON-safe, for stores that serialise records."""
        return {"id": self.id, "token_hash": self.token_hash, "principal": self.principal,
                "roles": sorted(self.roles), "scopes": sorted(self.scopes),
                "created": self.created, "expires": self.expires,
                "max_invocations": self.max_invocations, "used": self.used,
                "revoked": self.revoked, "last_used": self.last_used}

    @classmethod
    def from_item(cls, item: dict[str, object]) -> TokenRecord:
        def opt_int(name: str) -> int | None:
            value = item.get(name)
            return None if value is None or value == "" else int(str(value))

        roles = item.get("roles") or ()
        scopes = item.get("scopes") or ()
        return cls(str(item["id"]), str(item["token_hash"]), str(item["principal"]),
                   roles=[str(r) for r in roles] if isinstance(roles, list | tuple) else (),
                   scopes=[str(s) for s in scopes] if isinstance(scopes, list | tuple) else (),
                   created=opt_int("created") or 0, expires=opt_int("expires"),
                   max_invocations=opt_int("max_invocations"), used=opt_int("used") or 0,
                   revoked=item.get("revoked") in (True, 1, "1", "true"),
                   last_used=opt_int("last_used"))

    def __repr__(self) -> str:
        # no hash: records end up in logs
        return (f"TokenRecord({self.id!r}, principal={self.principal!r}, "
                f"remaining={self.remaining!r}, expires={self.expires!r}, "
                f"revoked={self.revoked!r})")


def _names(values: Iterable[str], what: str) -> frozenset[str]:
    out = set()
    for value in values:
        if not isinstance(value, str) or not value or not value.isprintable() or \
                len(value) > MAX_PRINCIPAL or any(c.isspace() or c == "," for c in value):
            raise ValueError(f"{what}: {value!r} is not a valid name (printable, no spaces "
                             f"or commas, 1..{MAX_PRINCIPAL} characters)")
        out.add(value)
    return frozenset(out)


def issue_token(store: Store | str, principal: str, *, expires_in: float | None,
                max_invocations: int | None = None, roles: Iterable[str] = (),
                scopes: Iterable[str] = (), now: float | None = None,
                ) -> tuple[str, TokenRecord]:
    """Create a token for `principal` and store its record; return (token, record).

    The token is returned once and never stored: hand it to its owner now.
    `expires_in` (seconds) is required so that a token without expiry is a decision
    (pass None), not an accident. `max_invocations` None means unlimited uses."""
    import secrets

    if not isinstance(principal, str) or not principal or not principal.isprintable() \
            or len(principal) > MAX_PRINCIPAL:
        raise ValueError(f"principal must be printable text of 1..{MAX_PRINCIPAL} characters")
    if max_invocations is not None and (isinstance(max_invocations, bool)
                                        or not isinstance(max_invocations, int)
                                        or max_invocations < 1):
        raise ValueError("max_invocations must be a whole number of at least 1, or None")
    if expires_in is not None and not expires_in > 0:
        raise ValueError("expires_in must be a positive number of seconds, or None")
    role_set, scope_set = _names(roles, "roles"), _names(scopes, "scopes")
    if isinstance(store, str):
        from faasguard.runtime.stores import open_store

        store = open_store(store)
    created = int(time.time() if now is None else now)
    token_id = secrets.token_hex(ID_LENGTH // 2)
    token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
    record = TokenRecord(token_id, hash_token(token), principal, roles=role_set,
                         scopes=scope_set, created=created,
                         expires=None if expires_in is None else created + int(expires_in),
                         max_invocations=max_invocations)
    store.put_token(record)
    return token, record


class TokenAuth:
    """Authenticate a call by an opaque token in a header, spending one of its uses.

    `store` is a `Store` or a store URL (``sqlite:PATH``, ``dynamodb:TABLE``,
    ``redis://...``), opened once here, at decoration time. With `scheme` None or ""
    the whole header value is the token (e.g. ``header="x-api-token"``)."""

    __slots__ = ("_challenge", "_clock", "_scheme", "header", "store")

    def __init__(self, store: Store | str, header: str = "authorization",
                 scheme: str | None = "Bearer", *,
                 clock: Callable[[], float] = time.time) -> None:
        if isinstance(store, str):
            from faasguard.runtime.stores import open_store

            store = open_store(store)
        if not header or not isinstance(header, str):
            raise ValueError("header must be a header name")
        self.store = store
        self.header = header.lower()
        self._scheme = (scheme or "").lower()
        self._clock = clock
        self._challenge = {"WWW-Authenticate": scheme} if scheme else {}

    def _reject(self, reason: str, principal: Principal | None = None,
                **detail: object) -> Rejection:
        return Rejection(401, "auth.failure", reason, principal=principal,
                         headers=dict(self._challenge),
                         detail={"auth_method": "token", **detail})

    def _token(self, value: str | None) -> str:
        if value is None:
            raise self._reject(f"missing {self.header} header")
        # a real header is the scheme, a space and 64 characters; anything far longer
        # is not a token and not worth hashing
        if len(value) > 4 * TOKEN_LENGTH:
            raise self._reject("malformed token (header too long)")
        value = value.strip()
        if not self._scheme:
            return value
        scheme, _, rest = value.partition(" ")
        if scheme.lower() != self._scheme:
            raise self._reject(f"{self.header} header does not use the "
                               f"{self._challenge['WWW-Authenticate']} scheme")
        return rest.strip()

    def authenticate(self, request: object) -> Principal:
        headers = getattr(request, "headers", None)
        value = headers.get(self.header) if isinstance(headers, dict) else None
        token = self._token(value if isinstance(value, str) else None)
        token_id = split_token(token)
        if token_id is None:
            raise self._reject("malformed token")
        outcome, record = self.store.consume_token(token_id, hash_token(token), self._clock())
        if outcome != OK or record is None:
            # The secret was proven only when the hash matched: otherwise name the
            # claimed token, not its owner, as the caller.
            owner = (Principal(record.principal, "token")
                     if record is not None and outcome != MISMATCH else None)
            raise self._reject(REASONS.get(outcome, "token refused"), owner,
                               token_id=token_id)
        return Principal(record.principal, "token", record.roles, record.scopes,
                         {"token_id": record.id, "remaining": record.remaining,
                          "expires": record.expires})
