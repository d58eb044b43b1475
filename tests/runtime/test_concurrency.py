"""Races: thousands of concurrent token uses and rate-limit takes, from threads and from
separate processes, against every shared backend. The counts must be exact: a token
with N uses lets exactly N calls through, never N + 1, and its count never goes below
zero; a bucket of B lets exactly B through.

DynamoDB runs on moto's server, which answers one request at a time in a few
milliseconds, so its runs are smaller (they still put 8 clients against each other
on every item)."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from servers import store_url

from faasguard.runtime.core import HTTP, Principal, Rejection, Request
from faasguard.runtime.ratelimit import RateLimit
from faasguard.runtime.stores import open_store
from faasguard.runtime.stores.base import EXHAUSTED, OK, Store
from faasguard.runtime.tokens import hash_token, issue_token

WORKERS = 8
# backend -> (token uses, attempts per worker, bucket size, takes per worker)
SIZES = {
    "memory": (1000, 500, 100, 50),
    "sqlite": (1000, 500, 100, 50),
    "redis": (1000, 500, 100, 50),
    "dynamodb": (200, 50, 50, 15),
}
ALICE = Principal("alice", "token")
REQUEST = Request(HTTP, {}, source_ip="203.0.113.9")


def _consume(store: Store, token_id: str, token_hash: str, attempts: int) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for _ in range(attempts):
        outcome, record = store.consume_token(token_id, token_hash, time.time())
        outcomes[outcome] += 1
        assert record is not None and record.remaining is not None and record.remaining >= 0
    return outcomes


def _take(limit: RateLimit, takes: int) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    for _ in range(takes):
        try:
            limit.check(REQUEST, ALICE)
            outcomes["allowed"] += 1
        except Rejection:
            outcomes["refused"] += 1
    return outcomes


def _worker(url: str, token_id: str, token_hash: str, attempts: int, bucket: int, takes: int,
            barrier: Any, results: Any) -> None:
    """One process: its own store connection, like one Lambda container."""
    store = open_store(url)
    limit = RateLimit("1/day per principal", store=store, burst=bucket, name="race")
    barrier.wait()
    uses = _consume(store, token_id, token_hash, attempts)
    barrier.wait()
    rates = _take(limit, takes)
    store.close()
    results.put((dict(uses), dict(rates)))


def _issue(store: Store, uses: int) -> tuple[str, str]:
    token, record = issue_token(store, "alice", max_invocations=uses, expires_in=3600)
    return record.id, hash_token(token)


def _check(store: Store, token_id: str, uses: int, attempts: int, outcomes: Counter[str],
           rates: Counter[str], bucket: int, takes: int) -> None:
    assert outcomes[OK] == uses
    assert outcomes[EXHAUSTED] == WORKERS * attempts - uses
    assert sum(outcomes.values()) == WORKERS * attempts
    record = store.get_token(token_id)
    assert record is not None
    assert (record.used, record.remaining) == (uses, 0)
    assert rates == {"allowed": bucket, "refused": WORKERS * takes - bucket}


@pytest.mark.parametrize("backend", list(SIZES))
def test_threads(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uses, attempts, bucket, takes = SIZES[backend]
    store = open_store(store_url(backend, tmp_path, monkeypatch))
    token_id, token_hash = _issue(store, uses)
    limit = RateLimit("1/day per principal", store=store, burst=bucket, name="race")
    barrier = threading.Barrier(WORKERS)
    outcomes: Counter[str] = Counter()
    rates: Counter[str] = Counter()
    lock = threading.Lock()
    failures: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            got = _consume(store, token_id, token_hash, attempts)
            barrier.wait()
            taken = _take(limit, takes)
            with lock:
                outcomes.update(got)
                rates.update(taken)
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    _check(store, token_id, uses, attempts, outcomes, rates, bucket, takes)
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", "redis", "dynamodb"])
def test_processes(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uses, attempts, bucket, takes = SIZES[backend]
    url = store_url(backend, tmp_path, monkeypatch)
    store = open_store(url)
    token_id, token_hash = _issue(store, uses)
    # spawn, not fork: each worker starts from nothing, as a separate container would
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(url, token_id, token_hash, attempts, bucket,
                                                 takes, barrier, results))
               for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    outcomes: Counter[str] = Counter()
    rates: Counter[str] = Counter()
    deadline = time.monotonic() + 60
    received = 0
    try:
        while received < WORKERS:
            try:
                uses_seen, rates_seen = results.get(timeout=0.5)
            except queue.Empty:
                # a worker that died never reports: fail now, with its exit code
                dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
                assert not dead, f"worker(s) failed with exit code(s) {dead}"
                assert time.monotonic() < deadline, "workers did not finish in 60 s"
                continue
            received += 1
            outcomes.update(uses_seen)
            rates.update(rates_seen)
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()
    assert all(worker.exitcode == 0 for worker in workers)
    _check(store, token_id, uses, attempts, outcomes, rates, bucket, takes)
    store.close()
