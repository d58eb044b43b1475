"""`faasguard tokens`: issue, list and revoke opaque tokens; create the DynamoDB table.

The argument parser lives in `faasguard.cli` (so `faasguard --help` imports nothing
from here); this module does the work for the parsed arguments. The token is printed
once, alone on stdout, so it can be piped into a secret manager; everything else goes
to stderr.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from faasguard.runtime.stores import default_url, open_store
from faasguard.runtime.stores.base import Store, StoreError
from faasguard.runtime.tokens import ID_LENGTH, TokenRecord, issue_token

if TYPE_CHECKING:
    import argparse

DEFAULT_EXPIRES = "30d"
MAX_EXPIRES = 10 * 365 * 86400
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class TokensError(Exception):
    """A bad argument or a store that cannot answer: one line for the user."""


def parse_duration(text: str) -> int | None:
    """Seconds from "90s", "15m", "12h", "7d", "2w"; None for "never"."""
    value = text.strip().lower()
    if value == "never":
        return None
    number, unit = value[:-1], value[-1:]
    if unit not in _DURATION_UNITS or not number.isascii() or not number.isdigit():
        raise TokensError(f"--expires: {text!r} is not a duration like 90s, 15m, 12h, 7d, 2w "
                          "or never")
    seconds = int(number) * _DURATION_UNITS[unit]
    if not 0 < seconds <= MAX_EXPIRES:
        raise TokensError(f"--expires: {text!r} must be more than 0 and at most 10 years")
    return seconds


def _names(values: list[str] | None) -> list[str]:
    """Repeatable, comma-separated option values as one list."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _when(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _open(url: str) -> Store:
    try:
        return open_store(url)
    except (ValueError, ImportError, StoreError) as exc:
        raise TokensError(f"--store: {exc}") from None


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Do `faasguard tokens <action>`; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    url = args.store or default_url()
    store = _open(url)
    try:
        action = {"issue": _issue, "list": _list, "revoke": _revoke,
                  "create-table": _create_table}[args.tokens_command]
        return action(args, store, url, out, err)
    except StoreError as exc:
        raise TokensError(str(exc)) from None
    finally:
        store.close()


def _issue(args: argparse.Namespace, store: Store, url: str, out: TextIO, err: TextIO) -> int:
    expires_in = parse_duration(args.expires or DEFAULT_EXPIRES)
    if args.max_invocations is not None and args.max_invocations < 1:
        raise TokensError("--max-invocations must be at least 1")
    try:
        token, record = issue_token(store, args.principal, expires_in=expires_in,
                                    max_invocations=args.max_invocations,
                                    roles=_names(args.roles), scopes=_names(args.scopes))
    except ValueError as exc:
        raise TokensError(str(exc)) from None
    if args.format == "json":
        out.write(json.dumps({"token": token, **record.public(time.time())}, indent=2) + "\n")
    else:
        out.write(token + "\n")
    uses = "unlimited" if record.max_invocations is None else str(record.max_invocations)
    err.write(f"faasguard: issued token {record.id} for {record.principal} "
              f"(roles: {', '.join(sorted(record.roles)) or '-'}; "
              f"scopes: {', '.join(sorted(record.scopes)) or '-'}; invocations: {uses}; "
              f"expires: {_when(record.expires)}) in {url}.\n"
              "faasguard: the token is shown only this once; store it in a secret manager.\n")
    return 0


def _list(args: argparse.Namespace, store: Store, url: str, out: TextIO, err: TextIO) -> int:
    now = time.time()
    records: list[TokenRecord] = store.list_tokens()
    if args.active:
        records = [r for r in records if r.status(now) == "active"]
    if args.format == "json":
        out.write(json.dumps([r.public(now) for r in records], indent=2) + "\n")
        return 0
    if not records:
        err.write(f"faasguard: no tokens in {url}\n")
        return 0
    rows = [("ID", "PRINCIPAL", "ROLES", "SCOPES", "REMAINING", "EXPIRES", "LAST USED",
             "STATUS")]
    for r in records:
        rows.append((r.id, r.principal, ",".join(sorted(r.roles)) or "-",
                     ",".join(sorted(r.scopes)) or "-",
                     "unlimited" if r.remaining is None else f"{r.remaining}/{r.max_invocations}",
                     _when(r.expires), "-" if r.last_used is None else _when(r.last_used),
                     r.status(now)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                  + "\n")
    return 0


def _revoke(args: argparse.Namespace, store: Store, url: str, out: TextIO, err: TextIO) -> int:
    for token_id in args.ids:
        # the id, not the token: a whole token pasted here would be a leak in shell history
        if token_id.startswith("fgt_"):
            raise TokensError("revoke takes the token id shown by `faasguard tokens list`, "
                              "not the token")
        if len(token_id) != ID_LENGTH or any(c not in "0123456789abcdef" for c in token_id):
            raise TokensError(f"{token_id!r} is not a token id ({ID_LENGTH} hex digits)")
    missing = [i for i in args.ids if not store.revoke_token(i)]
    for token_id in args.ids:
        if token_id not in missing:
            out.write(f"revoked {token_id}\n")
    if missing:
        raise TokensError(f"no such token in {url}: {', '.join(missing)}")
    return 0


def _create_table(args: argparse.Namespace, store: Store, url: str, out: TextIO,
                  err: TextIO) -> int:
    from faasguard.runtime.stores.dynamodb import DynamoDBStore

    if not isinstance(store, DynamoDBStore):
        raise TokensError("create-table is for DynamoDB stores (--store dynamodb:TABLE); "
                          "SQLite and Redis need no table")
    if store.create_table(wait=not args.no_wait):
        out.write(f"created DynamoDB table {store.table} (key pk, on-demand, TTL on ttl)\n")
    else:
        out.write(f"DynamoDB table {store.table} already exists\n")
    return 0
