"""`ApiKeyAuth`: static API keys, configured only as SHA-256 digests.

The configuration never holds a key, only `name -> sha256 hex`; a leaked config (or
environment dump) does not give the keys away, provided the keys are long random
strings (`new_key()` makes one). SHA-256 without a salt is fine for such keys and
wrong for passwords: never use a human-chosen key.

Format of a key file or environment variable: one entry per line (or `;`-separated
in a variable), `name:sha256hex` optionally followed by `:role1,role2`. Blank lines
and `#` comments are ignored.

Run `python -m faasguard.runtime.auth.apikey NAME` to make a key and its entry.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sys

from ..core import Principal, Rejection

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

MAX_KEY_CHARS = 512
_HEX = frozenset("0123456789abcdef")


def hash_key(key: str) -> str:
    """The SHA-256 hex digest to put in the configuration for `key`."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh random key (256 bits, URL-safe) and its digest: give the key to the
    client once, keep only the digest."""
    import secrets

    key = secrets.token_urlsafe(32)
    return key, hash_key(key)


class ApiKeyAuth:
    """Authenticate a request by an API key in a header (`x-api-key` by default)."""

    method = "api-key"

    def __init__(self, keys: Mapping[str, str] | None = None, *, file: str | None = None,
                 env: str | None = None, roles: Mapping[str, Iterable[str]] | None = None,
                 header: str = "x-api-key", scheme: str | None = None) -> None:
        entries: list[tuple[str, str, frozenset[str]]] = []
        for name, digest in (keys or {}).items():
            entries.append((name, digest, frozenset()))
        if file is not None:
            entries.extend(_parse_entries(_read(file), f"key file {file!r}"))
        if env is not None:
            text = os.environ.get(env)
            if text is None:
                raise ValueError(f"environment variable {env} is not set")
            entries.extend(_parse_entries(text.replace(";", "\n"), f"${env}"))
        if not entries:
            raise ValueError("ApiKeyAuth needs at least one key (keys=, file= or env=)")
        extra_roles = {name: frozenset(found) for name, found in (roles or {}).items()}
        names: dict[str, tuple[bytes, frozenset[str]]] = {}
        for name, digest, own_roles in entries:
            if not isinstance(name, str) or not name or ":" in name:
                raise ValueError(f"bad key name {name!r}")
            if name in names:
                raise ValueError(f"key name {name!r} configured twice")
            names[name] = (_digest_bytes(name, digest), own_roles | extra_roles.get(name, frozenset()))
        unknown = set(extra_roles) - set(names)
        if unknown:
            raise ValueError(f"roles= names keys that do not exist: {sorted(unknown)}")
        digests = [entry[0] for entry in names.values()]
        if len(set(digests)) != len(digests):
            raise ValueError("the same key digest is configured under two names")
        self._keys = tuple((digest, name, found) for name, (digest, found) in names.items())
        self.header = header.lower()
        self.scheme = scheme.lower() if scheme else None

    def authenticate(self, request: object) -> Principal:
        headers = getattr(request, "headers", None)
        raw = headers.get(self.header) if isinstance(headers, dict) else None
        if not raw or not isinstance(raw, str):
            raise _reject("apikey.missing")
        if len(raw) > MAX_KEY_CHARS:
            raise _reject("apikey.too_large", size=len(raw))
        presented = raw.strip()
        if self.scheme is not None:
            scheme, _, presented = presented.partition(" ")
            if scheme.lower() != self.scheme:
                raise _reject("apikey.scheme")
            presented = presented.strip()
        digest = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest()
        match: tuple[bytes, str, frozenset[str]] | None = None
        # Compare against every key, no early exit: the time taken does not depend on
        # which key (if any) matched.
        for entry in self._keys:
            if hmac.compare_digest(digest, entry[0]):
                match = entry
        if match is None:
            raise _reject("apikey.unknown")
        return Principal(match[1], "api-key", match[2], frozenset(), {"key": match[1]})


def _reject(reason: str, **detail: object) -> Rejection:
    return Rejection(401, "auth.failure", reason, detail={"method": "api-key", **detail})


def _digest_bytes(name: str, digest: object) -> bytes:
    # The value is not echoed in the error: it may be a plaintext key pasted by mistake.
    if not isinstance(digest, str):
        raise ValueError(f"key {name!r}: the digest must be a string")
    value = digest.strip().lower()
    if len(value) != 64 or not set(value) <= _HEX:
        raise ValueError(f"key {name!r}: expected a SHA-256 hex digest (64 hex characters), "
                         "not a key; make one with faasguard.runtime.auth.hash_key()")
    return bytes.fromhex(value)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(1 << 20)
    except OSError as exc:
        raise ValueError(f"cannot read key file {path!r}: {exc.strerror}") from None


def _parse_entries(text: str, origin: str) -> list[tuple[str, str, frozenset[str]]]:
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(":")
        if len(fields) not in (2, 3):
            raise ValueError(f"{origin} entry {number}: expected name:sha256[:roles]")
        roles = frozenset(role.strip() for role in fields[2].split(",")
                          if role.strip()) if len(fields) == 3 else frozenset()
        entries.append((fields[0].strip(), fields[1].strip(), roles))
    return entries


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or ":" in args[0] or not args[0]:
        print("usage: python -m faasguard.runtime.auth.apikey NAME", file=sys.stderr)
        return 2
    key, digest = new_key()
    print(f"key (give to the client once, store nowhere): {key}")
    print(f"config entry: {args[0]}:{digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
