"""Opaque tokens: their shape, hashed storage, and TokenAuth's decisions and reasons."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import samples

from faasguard.runtime.core import HTTP, Principal, Rejection, Request
from faasguard.runtime.stores.memory import MemoryStore
from faasguard.runtime.tokens import (
    PREFIX,
    TOKEN_LENGTH,
    TokenAuth,
    TokenRecord,
    hash_token,
    issue_token,
    split_token,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_800_000_000.0


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def req(value: str | None, header: str = "authorization") -> Request:
    return Request(HTTP, {}, headers={} if value is None else {header: value},
                   source_ip="203.0.113.9")


def refusal(auth: TokenAuth, request: Request) -> Rejection:
    with pytest.raises(Rejection) as caught:
        auth.authenticate(request)
    assert caught.value.status == 401 and caught.value.audit == "auth.failure"
    return caught.value


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


# --- the token ------------------------------------------------------------------------------


def test_token_shape_and_hash(store: MemoryStore) -> None:
    token, rec = issue_token(store, "alice", expires_in=60, now=NOW)
    assert token.startswith(PREFIX) and len(token) == TOKEN_LENGTH
    assert split_token(token) == rec.id and len(rec.id) == 16
    assert rec.token_hash == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert (rec.created, rec.expires, rec.max_invocations) == (int(NOW), int(NOW) + 60, None)
    assert token not in repr(rec) and rec.token_hash not in repr(rec)
    assert "token_hash" not in rec.public(NOW) and token not in json.dumps(rec.public(NOW))
    others = {issue_token(store, "alice", expires_in=60)[0] for _ in range(50)}
    assert len(others) == 50  # random, never repeated


@pytest.mark.parametrize("text", [
    "", "fgt_", "Bearer", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
    "fgt_0123456789abcdef_" + "A" * 42,            # one short
    "fgt_0123456789abcdef_" + "A" * 44,            # one long
    "fgt_0123456789ABCDEF_" + "A" * 43,            # id not lower-case hex
    "fgt_0123456789abcdef-" + "A" * 43,            # wrong separator
    "fgt_0123456789abcdef_" + "A" * 42 + "=",      # not base64url
    "fgx_0123456789abcdef_" + "A" * 43,            # wrong prefix
    "fgt_0123456789abcdef_" + "A" * 42 + "\u00e9",  # non-ASCII
])
def test_split_token_refuses_anything_but_the_exact_shape(text: str) -> None:
    assert split_token(text) is None


def test_the_store_never_holds_the_token(tmp_path: Path) -> None:
    from faasguard.runtime.stores.sqlite import SQLiteStore

    store = SQLiteStore(tmp_path / "t.db")
    token, _ = issue_token(store, "alice", expires_in=60)
    store.close()
    secret = token.rsplit("_", 1)[1].encode()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret not in raw and token.encode() not in raw
    assert hash_token(token).encode() in raw


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"principal": ""}, "principal"),
    ({"principal": "a\nb"}, "principal"),
    ({"principal": "x" * 257}, "principal"),
    ({"max_invocations": 0}, "max_invocations"),
    ({"max_invocations": True}, "max_invocations"),
    ({"max_invocations": 2.5}, "max_invocations"),
    ({"expires_in": 0}, "expires_in"),
    ({"expires_in": -5}, "expires_in"),
    ({"roles": ["admin ops"]}, "roles"),
    ({"roles": ["a,b"]}, "roles"),
    ({"scopes": [""]}, "scopes"),
])
def test_issue_token_validates(store: MemoryStore, kwargs: dict[str, object],
                               message: str) -> None:
    args: dict[str, object] = {"principal": "alice", "expires_in": 60, **kwargs}
    principal = args.pop("principal")
    with pytest.raises(ValueError, match=message):
        issue_token(store, principal, **args)  # type: ignore[arg-type]
    assert store.list_tokens() == []


def test_expiry_is_a_decision_not_a_default(store: MemoryStore) -> None:
    with pytest.raises(TypeError):
        issue_token(store, "alice")  # type: ignore[call-arg]
    _, rec = issue_token(store, "alice", expires_in=None)
    assert rec.expires is None


# --- TokenAuth ------------------------------------------------------------------------------


def test_a_good_token_gives_its_principal_and_spends_one_use(store: MemoryStore) -> None:
    token, rec = issue_token(store, "alice", roles=["admin"], scopes=["orders:write"],
                             max_invocations=2, expires_in=3600, now=NOW)
    auth = TokenAuth(store, clock=Clock())
    principal = auth.authenticate(req(f"Bearer {token}"))
    assert isinstance(principal, Principal)
    assert (principal.id, principal.method) == ("alice", "token")
    assert principal.roles == {"admin"} and principal.scopes == {"orders:write"}
    assert principal.claims == {"token_id": rec.id, "remaining": 1, "expires": int(NOW) + 3600}
    assert auth.authenticate(req(f"bearer   {token}  ")).claims["remaining"] == 0
    spent = refusal(auth, req(f"Bearer {token}"))
    assert spent.reason == "token has no invocations left"
    assert spent.principal is not None and spent.principal.id == "alice"
    assert spent.detail == {"auth_method": "token", "token_id": rec.id}
    assert spent.headers == {"WWW-Authenticate": "Bearer"}


def test_each_refusal_names_its_reason(store: MemoryStore) -> None:
    clock = Clock()
    auth = TokenAuth(store, clock=clock)
    token, rec = issue_token(store, "alice", expires_in=60, now=NOW)
    assert refusal(auth, req(None)).reason == "missing authorization header"
    assert "Bearer scheme" in refusal(auth, req(f"Basic {token}")).reason
    assert refusal(auth, req("Bearer not-a-token")).reason == "malformed token"
    assert refusal(auth, req("Bearer " + "A" * 100_000)).reason.startswith("malformed token")
    unknown = token.replace(rec.id, "f" * 16)
    assert refusal(auth, req(f"Bearer {unknown}")).reason == "unknown token"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    mismatch = refusal(auth, req(f"Bearer {forged}"))
    assert mismatch.reason == "token secret does not match the token id"
    assert mismatch.principal is None  # the caller did not prove to be alice
    assert mismatch.detail["token_id"] == rec.id
    clock.now = NOW + 60
    assert refusal(auth, req(f"Bearer {token}")).reason == "token expired"
    store.revoke_token(rec.id)
    assert refusal(auth, req(f"Bearer {token}")).reason == "token revoked"
    assert store.get_token(rec.id).used == 0  # type: ignore[union-attr]


def test_malformed_tokens_never_reach_the_store() -> None:
    class Refusing(MemoryStore):
        def consume_token(self, token_id: str, token_hash: str,
                          now: float) -> tuple[str, TokenRecord | None]:
            raise AssertionError("the store was asked")

    auth = TokenAuth(Refusing())
    for value in ("Bearer x", "Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer " + "fgt_" * 20, ""):
        refusal(auth, req(value))


def test_custom_header_without_scheme(store: MemoryStore) -> None:
    token, _ = issue_token(store, "svc", expires_in=60)
    auth = TokenAuth(store, header="X-Api-Token", scheme=None)
    assert auth.authenticate(req(token, header="x-api-token")).id == "svc"
    refused = refusal(auth, req(f"Bearer {token}", header="x-api-token"))
    assert refused.reason == "malformed token" and refused.headers == {}
    assert refusal(auth, req(token)).reason == "missing x-api-token header"


def test_events_without_headers_are_refused(store: MemoryStore) -> None:
    auth = TokenAuth(store)
    assert refusal(auth, Request("sqs", {"Records": []})).reason == \
        "missing authorization header"
    with pytest.raises(Rejection):
        auth.authenticate(object())


def test_store_url(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 't.db'}"
    token, _ = issue_token(url, "alice", expires_in=60)
    assert TokenAuth(url).authenticate(req(f"Bearer {token}")).id == "alice"


def test_store_errors_are_not_authentication_failures() -> None:
    from faasguard.runtime.stores.base import StoreError

    class Down(MemoryStore):
        def consume_token(self, token_id: str, token_hash: str,
                          now: float) -> tuple[str, TokenRecord | None]:
            raise StoreError("unreachable")

    token, _ = issue_token(MemoryStore(), "alice", expires_in=60)
    with pytest.raises(StoreError):
        TokenAuth(Down()).authenticate(req(f"Bearer {token}"))


def test_through_the_guard(store: MemoryStore) -> None:
    from faasguard.runtime import guard

    token, rec = issue_token(store, "alice", roles=["admin"], max_invocations=2, expires_in=60)

    @guard(auth=TokenAuth(store), roles={"admin"})
    def handler(event: dict[str, object], context: object) -> dict[str, object]:
        return {"statusCode": 200, "body": "ok"}

    event = samples.http(headers={"authorization": f"Bearer {token}"})
    ctx = samples.FakeContext()
    assert [handler(event, ctx)["statusCode"] for _ in range(3)] == [200, 200, 401]
    refused = handler(samples.http(headers={}), ctx)
    assert refused["statusCode"] == 401 and token not in json.dumps(refused)
    assert store.get_token(rec.id).remaining == 0  # type: ignore[union-attr]


def test_checking_a_token_imports_no_backend() -> None:
    code = ("from faasguard.runtime.tokens import TokenAuth\n"
            "from faasguard.runtime.ratelimit import RateLimit\n"
            "from faasguard.runtime.stores import open_store")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "runtime" / "src")}
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, env=env, timeout=60, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "faasguard.runtime.tokens" in imported
    heavy = {"sqlite3", "boto3", "botocore", "redis", "secrets", "random", "json", "typing",
             "dataclasses", "uuid", "faasguard.runtime.stores.sqlite"}
    assert not heavy & imported
