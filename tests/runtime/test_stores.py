"""The store contract, the same for every backend: memory, SQLite, DynamoDB (moto
server) and Redis (a real redis-server the tests start)."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import BACKENDS, aws_test_env, free_port, moto_endpoint, store_url

from faasguard.runtime.stores import default_url, open_store
from faasguard.runtime.stores.base import (
    EXHAUSTED,
    EXPIRED,
    MISMATCH,
    OK,
    REVOKED,
    UNKNOWN,
    Store,
    StoreError,
    TokenExists,
    gcra,
)
from faasguard.runtime.tokens import TokenRecord, hash_token

NOW = 1_800_000_000.0
SECOND = 1_000_000


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    opened = open_store(store_url(request.param, tmp_path, monkeypatch))
    yield opened
    opened.close()


def record(token_id: str = "0123456789abcdef", *, max_invocations: int | None = 3,
           expires: int | None = int(NOW) + 3600, created: int = int(NOW),
           principal: str = "alice") -> TokenRecord:
    return TokenRecord(token_id, hash_token(f"token-{token_id}"), principal,
                       roles={"admin", "ops"}, scopes={"orders:read"}, created=created,
                       expires=expires, max_invocations=max_invocations)


def test_put_and_get_keep_every_field(store: Store) -> None:
    store.put_token(record())
    got = store.get_token("0123456789abcdef")
    assert got is not None
    assert got.to_item() == record().to_item()
    assert store.get_token("ffffffffffffffff") is None


def test_put_refuses_a_taken_id(store: Store) -> None:
    store.put_token(record())
    with pytest.raises(TokenExists):
        store.put_token(record(principal="mallory"))
    got = store.get_token("0123456789abcdef")
    assert got is not None and got.principal == "alice"


def test_consume_counts_each_use_until_spent(store: Store) -> None:
    store.put_token(record(max_invocations=2))
    good = hash_token("token-0123456789abcdef")
    outcome, after = store.consume_token("0123456789abcdef", good, NOW)
    assert outcome == OK and after is not None
    assert (after.used, after.remaining, after.last_used) == (1, 1, int(NOW))
    assert after.roles == {"admin", "ops"} and after.scopes == {"orders:read"}
    assert store.consume_token("0123456789abcdef", good, NOW + 1)[0] == OK
    outcome, after = store.consume_token("0123456789abcdef", good, NOW + 2)
    assert outcome == EXHAUSTED and after is not None and after.remaining == 0
    final = store.get_token("0123456789abcdef")
    assert final is not None and final.used == 2 and final.last_used == int(NOW) + 1


def test_consume_unknown_and_wrong_secret_change_nothing(store: Store) -> None:
    store.put_token(record())
    assert store.consume_token("ffffffffffffffff", hash_token("x"), NOW) == (UNKNOWN, None)
    outcome, seen = store.consume_token("0123456789abcdef", hash_token("guess"), NOW)
    assert outcome == MISMATCH and seen is not None
    got = store.get_token("0123456789abcdef")
    assert got is not None and got.used == 0 and got.last_used is None


def test_expiry_is_checked_at_the_instant_of_use(store: Store) -> None:
    store.put_token(record(expires=int(NOW)))
    good = hash_token("token-0123456789abcdef")
    assert store.consume_token("0123456789abcdef", good, NOW - 0.5)[0] == OK
    assert store.consume_token("0123456789abcdef", good, NOW)[0] == EXPIRED
    assert store.consume_token("0123456789abcdef", good, NOW + 10)[0] == EXPIRED
    got = store.get_token("0123456789abcdef")
    assert got is not None and got.used == 1


def test_revoked_tokens_are_refused(store: Store) -> None:
    store.put_token(record())
    assert store.revoke_token("0123456789abcdef") is True
    outcome, seen = store.consume_token("0123456789abcdef",
                                        hash_token("token-0123456789abcdef"), NOW)
    assert outcome == REVOKED and seen is not None and seen.revoked
    assert store.revoke_token("ffffffffffffffff") is False
    assert store.get_token("ffffffffffffffff") is None  # revoking did not create it


def test_unlimited_and_non_expiring_tokens(store: Store) -> None:
    store.put_token(record(max_invocations=None, expires=None))
    good = hash_token("token-0123456789abcdef")
    for _ in range(5):
        outcome, after = store.consume_token("0123456789abcdef", good, NOW * 2)
        assert outcome == OK and after is not None and after.remaining is None
    got = store.get_token("0123456789abcdef")
    assert got is not None and got.used == 5 and got.expires is None


def test_list_returns_every_record_oldest_first(store: Store) -> None:
    store.put_token(record("bbbbbbbbbbbbbbbb", created=int(NOW) + 5))
    store.put_token(record("aaaaaaaaaaaaaaaa", created=int(NOW) + 9, principal="bob"))
    store.put_token(record("cccccccccccccccc", created=int(NOW)))
    store.revoke_token("cccccccccccccccc")
    listed = store.list_tokens()
    assert [r.id for r in listed] == ["cccccccccccccccc", "bbbbbbbbbbbbbbbb", "aaaaaaaaaaaaaaaa"]
    assert listed[0].revoked and listed[2].principal == "bob"


def test_rate_take_allows_exactly_the_burst_then_refills(store: Store) -> None:
    now = int(NOW) * SECOND
    interval = SECOND // 4  # 4 a second
    assert [store.rate_take("k", interval, 3, now) for _ in range(3)] == [0, 0, 0]
    assert store.rate_take("k", interval, 3, now) == interval
    assert store.rate_take("other", interval, 3, now) == 0  # keys are independent
    # a quarter second later exactly one call has come back
    assert store.rate_take("k", interval, 3, now + interval) == 0
    assert store.rate_take("k", interval, 3, now + interval) == interval
    # idle long enough, the bucket is full again, never fuller
    later = now + 10 * SECOND
    assert [store.rate_take("k", interval, 3, later) for _ in range(4)] == [0, 0, 0, interval]


def test_rate_take_reports_the_wait_until_the_next_call(store: Store) -> None:
    now = int(NOW) * SECOND
    hour = 3600 * SECOND
    assert store.rate_take("slow", hour, 1, now) == 0
    assert store.rate_take("slow", hour, 1, now + SECOND) == hour - SECOND


def test_gcra_step() -> None:
    assert gcra(None, 100, 10, 2) == (110, 0)
    assert gcra(110, 100, 10, 2) == (120, 0)
    assert gcra(120, 100, 10, 2) == (120, 10)
    assert gcra(50, 100, 10, 2) == (110, 0)  # idle: restarts from now


# --- backend specifics --------------------------------------------------------------------


def test_sqlite_file_is_private_and_refuses_overspending(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "tokens.db"
    store = open_store(f"sqlite:{path}")
    store.put_token(record(max_invocations=1))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    db = sqlite3.connect(path)
    # the table itself refuses a count above the limit, whoever writes it
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE faasguard_tokens SET used = 2")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    store.close()


def test_sqlite_store_reopens_the_same_file(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'tokens.db'}"
    first = open_store(url)
    first.put_token(record())
    first.close()
    second = open_store(url)
    assert [r.id for r in second.list_tokens()] == ["0123456789abcdef"]
    second.close()


def test_sqlite_unwritable_location_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create token store"):
        open_store(f"sqlite:{blocker / 'tokens.db'}")


def test_redis_down_is_a_store_error() -> None:
    pytest.importorskip("redis")
    store = open_store(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreError, match="Redis"):
        store.consume_token("0123456789abcdef", hash_token("x"), NOW)
    with pytest.raises(StoreError):
        store.rate_take("k", SECOND, 1, int(NOW) * SECOND)


def test_dynamodb_missing_table_is_a_store_error(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = moto_endpoint()
    aws_test_env(monkeypatch)
    store = open_store(f"dynamodb:no-such-table?region=us-east-1&endpoint={endpoint}")
    with pytest.raises(StoreError, match="ResourceNotFoundException"):
        store.get_token("0123456789abcdef")


def test_dynamodb_create_table_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = moto_endpoint()
    aws_test_env(monkeypatch)
    from faasguard.runtime.stores.dynamodb import DynamoDBStore

    store = DynamoDBStore("faasguard-twice", region="us-east-1", endpoint_url=endpoint)
    assert store.create_table() is True
    assert store.create_table() is False
    ttl = store.client.describe_time_to_live(TableName="faasguard-twice")
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "ttl"


def test_memory_store_bounds_its_rate_table() -> None:
    from faasguard.runtime.stores.memory import MemoryStore

    store = MemoryStore(max_keys=100)
    now = int(NOW) * SECOND
    for i in range(1000):
        assert store.rate_take(f"ip:{i}", SECOND, 1, now) == 0
    assert len(store._rates) <= 100
    # the most recent keys keep their state
    assert store.rate_take("ip:999", SECOND, 1, now) == SECOND


@pytest.mark.parametrize(("url", "message"), [
    ("nothing", "expected memory:"),
    ("mongodb://x", "unknown store 'mongodb'"),
    ("sqlite:", "needs a file path"),
    ("dynamodb:", "needs a table name"),
    ("dynamodb:t?colour=red", "unknown option"),
])
def test_open_store_rejects_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_store(url)


def test_sqlite_refuses_memory_paths() -> None:
    from faasguard.runtime.stores.sqlite import SQLiteStore

    with pytest.raises(ValueError, match="MemoryStore"):
        SQLiteStore(":memory:")


def test_default_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FAASGUARD_TOKEN_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_url() == f"sqlite:{tmp_path / 'faasguard' / 'tokens.db'}"
    monkeypatch.setenv("FAASGUARD_TOKEN_STORE", "redis://cache:6379/2")
    assert default_url() == "redis://cache:6379/2"



def _use_in_child(store: Any, inherited: object, token_id: str, token_hash: str,
                  results: Any) -> None:
    outcome = store.consume_token(token_id, token_hash, NOW)[0]
    results.put((outcome, store._db() is inherited))


def test_sqlite_store_survives_fork(tmp_path: Path) -> None:
    # a forked child inherits the parent's open connection, which SQLite forbids using
    # in the child: the store must notice and open its own
    store = open_store(f"sqlite:{tmp_path / 'tokens.db'}")
    store.put_token(record(max_invocations=5))
    good = hash_token("token-0123456789abcdef")
    assert store.consume_token("0123456789abcdef", good, NOW)[0] == OK
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    inherited = store._db()  # type: ignore[attr-defined]
    child = ctx.Process(target=_use_in_child,
                        args=(store, inherited, "0123456789abcdef", good, results))
    child.start()
    assert results.get(timeout=30) == (OK, False)
    child.join(timeout=30)
    assert child.exitcode == 0
    assert store.consume_token("0123456789abcdef", good, NOW)[0] == OK
    got = store.get_token("0123456789abcdef")
    assert got is not None and got.used == 3
    store.close()
