"""Token and rate-limit stores behind one interface (`base.Store`).

Importing this package loads only `base`; each backend module (and its driver:
sqlite3, boto3, redis) is imported on first use of its class or URL.

Store URLs, as the CLI and `TokenAuth("...")` / `RateLimit(..., store="...")` take them:

    memory:                          one process (tests, a single container)
    sqlite:PATH                      a SQLite file (the embedded default)
    dynamodb:TABLE[?region=R&endpoint=URL]
    redis://[:password@]host:port/db, rediss://..., unix:///path/redis.sock
"""

from __future__ import annotations

import os

from faasguard.runtime.stores.base import Store, StoreError, TokenExists

__all__ = ["DynamoDBStore", "MemoryStore", "RedisStore", "SQLiteStore", "Store",
           "StoreError", "TokenExists", "default_url", "open_store"]

_LAZY = {
    "MemoryStore": "faasguard.runtime.stores.memory",
    "SQLiteStore": "faasguard.runtime.stores.sqlite",
    "DynamoDBStore": "faasguard.runtime.stores.dynamodb",
    "RedisStore": "faasguard.runtime.stores.redis",
}

ENV_STORE = "FAASGUARD_TOKEN_STORE"


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def default_sqlite_path() -> str:
    """Where the CLI keeps tokens when no store is named: the user's data directory
    (``$XDG_DATA_HOME/faasguard/tokens.db``, else ``~/.local/share/faasguard/tokens.db``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "faasguard", "tokens.db")


def default_url() -> str:
    """``$FAASGUARD_TOKEN_STORE`` when set, else the SQLite file above."""
    return os.environ.get(ENV_STORE) or f"sqlite:{default_sqlite_path()}"


def open_store(url: str) -> Store:
    """Open the store a URL names (see the module docstring); ValueError when the URL
    names no known backend or lacks its argument."""
    if not isinstance(url, str):
        raise ValueError(f"a store URL must be text, got {type(url).__name__}")
    scheme, sep, rest = url.partition(":")
    scheme = scheme.lower()
    if not sep:
        raise ValueError(f"store URL {url!r}: expected memory:, sqlite:PATH, "
                         "dynamodb:TABLE or redis://...")
    if scheme == "memory":
        from faasguard.runtime.stores.memory import MemoryStore

        return MemoryStore()
    if scheme == "sqlite":
        from faasguard.runtime.stores.sqlite import SQLiteStore

        if rest.startswith("//"):  # sqlite:///abs/path, as in SQLAlchemy-style URLs
            rest = rest[2:]
        if not rest:
            raise ValueError(f"store URL {url!r}: sqlite: needs a file path")
        return SQLiteStore(rest)
    if scheme == "dynamodb":
        from urllib.parse import parse_qs

        from faasguard.runtime.stores.dynamodb import DynamoDBStore

        table, _, query = rest.partition("?")
        if not table:
            raise ValueError(f"store URL {url!r}: dynamodb: needs a table name")
        options = {k: v[-1] for k, v in parse_qs(query, strict_parsing=bool(query)).items()}
        unknown = set(options) - {"region", "endpoint"}
        if unknown:
            raise ValueError(f"store URL {url!r}: unknown option(s) {', '.join(sorted(unknown))}"
                             " (known: region, endpoint)")
        return DynamoDBStore(table, region=options.get("region"),
                             endpoint_url=options.get("endpoint"))
    if scheme in ("redis", "rediss", "unix"):
        from faasguard.runtime.stores.redis import RedisStore

        return RedisStore.from_url(url)
    raise ValueError(f"store URL {url!r}: unknown store {scheme!r} (known: memory, sqlite, "
                     "dynamodb, redis)")
