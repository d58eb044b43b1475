"""ApiKeyAuth: digests only in config, constant-time match, roles per key."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from faasguard.runtime.auth import apikey
from faasguard.runtime.auth.apikey import ApiKeyAuth, hash_key, new_key
from faasguard.runtime.core import HTTP, Rejection, Request

KEY_A = "k-a-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
KEY_B = "k-b-0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def request(value: str | None, header: str = "x-api-key") -> Request:
    return Request(HTTP, {}, headers={} if value is None else {header: value})


def reject(auth: ApiKeyAuth, req: Request) -> Rejection:
    with pytest.raises(Rejection) as caught:
        auth.authenticate(req)
    return caught.value


def test_hash_key_is_sha256_hex() -> None:
    assert hash_key("abc") == hashlib.sha256(b"abc").hexdigest()


def test_new_key_is_random_and_matches_its_digest() -> None:
    key, digest = new_key()
    other, _ = new_key()
    assert key != other
    assert len(key) >= 43
    assert hash_key(key) == digest


def test_known_key_gives_its_name_and_roles() -> None:
    auth = ApiKeyAuth({"ci": hash_key(KEY_A), "ops": hash_key(KEY_B)}, roles={"ops": ["admin"]})
    principal = auth.authenticate(request(KEY_B))
    assert (principal.id, principal.method, principal.roles) == ("ops", "api-key",
                                                                 frozenset({"admin"}))
    assert auth.authenticate(request(KEY_A)).roles == frozenset()
    # surrounding whitespace from a sloppy client is tolerated; the key itself is not
    assert auth.authenticate(request(f"  {KEY_A} ")).id == "ci"


@pytest.mark.parametrize(("value", "reason"), [
    (None, "apikey.missing"),
    ("", "apikey.missing"),
    ("wrong", "apikey.unknown"),
    (KEY_A[:-1], "apikey.unknown"),
    (KEY_A.upper(), "apikey.unknown"),
    (hash_key(KEY_A), "apikey.unknown"),  # the digest itself is not a key
    ("x" * 513, "apikey.too_large"),
    ("\udcff", "apikey.unknown"),
])
def test_bad_keys_are_refused(value: str | None, reason: str) -> None:
    auth = ApiKeyAuth({"ci": hash_key(KEY_A)})
    rejection = reject(auth, request(value))
    assert (rejection.status, rejection.audit, rejection.reason) == (401, "auth.failure", reason)
    assert rejection.public_message == "Unauthorized"


def test_scheme_in_authorization_header() -> None:
    auth = ApiKeyAuth({"ci": hash_key(KEY_A)}, header="Authorization", scheme="ApiKey")
    assert auth.authenticate(request(f"apikey {KEY_A}", "authorization")).id == "ci"
    assert reject(auth, request(f"Bearer {KEY_A}", "authorization")).reason == "apikey.scheme"


def test_every_key_is_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    """No early exit: each configured digest is compared with compare_digest."""
    calls: list[bytes] = []
    real = apikey.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append(b)
        return real(a, b)

    monkeypatch.setattr(apikey.hmac, "compare_digest", spy)
    auth = ApiKeyAuth({"a": hash_key(KEY_A), "b": hash_key(KEY_B), "c": hash_key("other")})
    assert auth.authenticate(request(KEY_A)).id == "a"
    assert len(calls) == 3


def test_key_file_with_roles_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_text(f"# service keys\n\nci:{hash_key(KEY_A)}\nops:{hash_key(KEY_B).upper()}:"
                    "admin, ops\n")
    auth = ApiKeyAuth(file=str(path))
    assert auth.authenticate(request(KEY_B)).roles == {"admin", "ops"}
    assert auth.authenticate(request(KEY_A)).id == "ci"


def test_keys_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_KEYS", f"ci:{hash_key(KEY_A)};ops:{hash_key(KEY_B)}:admin")
    auth = ApiKeyAuth(env="API_KEYS")
    assert auth.authenticate(request(KEY_B)).roles == {"admin"}
    monkeypatch.delenv("API_KEYS")
    with pytest.raises(ValueError, match="not set"):
        ApiKeyAuth(env="API_KEYS")


@pytest.mark.parametrize(("keys", "message"), [
    ({}, "at least one"),
    ({"ci": KEY_A}, "SHA-256 hex digest"),
    ({"ci": "g" * 64}, "SHA-256 hex digest"),
    ({"ci": hash_key(KEY_A), "ci2": hash_key(KEY_A)}, "two names"),
    ({"a:b": hash_key(KEY_A)}, "bad key name"),
])
def test_bad_configuration(keys: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        ApiKeyAuth(keys)
    assert KEY_A not in str(caught.value)  # a pasted plaintext key is never echoed


def test_roles_for_unknown_names_and_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not exist"):
        ApiKeyAuth({"ci": hash_key(KEY_A)}, roles={"cj": ["admin"]})
    path = tmp_path / "keys"
    path.write_text(f"ci:{hash_key(KEY_B)}\n")
    with pytest.raises(ValueError, match="twice"):
        ApiKeyAuth({"ci": hash_key(KEY_A)}, file=str(path))
    path.write_text("ci\n")
    with pytest.raises(ValueError, match="entry 1"):
        ApiKeyAuth(file=str(path))
    with pytest.raises(ValueError, match="cannot read"):
        ApiKeyAuth(file=str(tmp_path / "missing"))


def test_cli_prints_a_key_and_its_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert apikey.main(["billing"]) == 0
    out = capsys.readouterr().out.splitlines()
    key = out[0].rsplit(" ", 1)[1]
    assert out[1] == f"config entry: billing:{hash_key(key)}"
    assert apikey.main([]) == 2
