"""`faasguard tokens issue | list | revoke | create-table`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from servers import aws_test_env, moto_endpoint

from faasguard.cli import main
from faasguard.runtime.core import HTTP, Rejection, Request
from faasguard.runtime.tokens import TokenAuth, split_token

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:{tmp_path / 'tokens.db'}"


def bearer(token: str) -> Request:
    return Request(HTTP, {}, headers={"authorization": f"Bearer {token}"})


def test_issue_prints_the_token_once_and_alone(capsys: pytest.CaptureFixture[str],
                                               url: str) -> None:
    code, out, err = run(capsys, "tokens", "issue", "--principal", "alice", "--roles",
                         "admin,ops", "--roles", "audit", "--scopes", "orders:read",
                         "--max-invocations", "100", "--expires", "7d", "--store", url)
    assert code == 0
    token = out.strip()
    token_id = split_token(token)
    assert token_id is not None and out == token + "\n"
    assert f"issued token {token_id} for alice" in err and "invocations: 100" in err
    assert "roles: admin, audit, ops" in err and token not in err
    principal = TokenAuth(url).authenticate(bearer(token))
    assert principal.id == "alice" and principal.roles == {"admin", "audit", "ops"}
    assert principal.claims["remaining"] == 99


def test_issue_json(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, _ = run(capsys, "tokens", "issue", "--principal", "ci", "--expires", "never",
                       "--format", "json", "--store", url)
    assert code == 0
    issued = json.loads(out)
    assert split_token(issued["token"]) == issued["id"]
    assert issued["expires"] is None and issued["remaining"] is None
    assert issued["status"] == "active" and "token_hash" not in issued


def test_default_expiry_is_thirty_days(capsys: pytest.CaptureFixture[str], url: str) -> None:
    run(capsys, "tokens", "issue", "--principal", "alice", "--store", url)
    _, out, _ = run(capsys, "tokens", "list", "--format", "json", "--store", url)
    (listed,) = json.loads(out)
    assert listed["expires"] - listed["created"] == 30 * 86400


def test_list_shows_state_never_tokens(capsys: pytest.CaptureFixture[str], url: str) -> None:
    _, first, _ = run(capsys, "tokens", "issue", "--principal", "alice", "--max-invocations",
                      "2", "--store", url)
    _, second, _ = run(capsys, "tokens", "issue", "--principal", "bob", "--store", url)
    TokenAuth(url).authenticate(bearer(first.strip()))
    code, out, _ = run(capsys, "tokens", "list", "--store", url)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "PRINCIPAL", "ROLES", "SCOPES", "REMAINING", "EXPIRES",
                                "LAST", "USED", "STATUS"]
    # issued in the same second, so in either order
    rows = {line.split()[1]: line for line in lines[1:]}
    assert rows["alice"].startswith(str(split_token(first.strip()))) and "1/2" in rows["alice"]
    assert "unlimited" in rows["bob"] and "active" in rows["bob"]
    for token in (first.strip(), second.strip()):
        assert token not in out and token.rsplit("_", 1)[1] not in out
    _, raw, _ = run(capsys, "tokens", "list", "--format", "json", "--store", url)
    assert "token_hash" not in raw and first.strip() not in raw
    assert sorted((t["principal"], t["used"]) for t in json.loads(raw)) == \
        [("alice", 1), ("bob", 0)]


def test_revoke(capsys: pytest.CaptureFixture[str], url: str) -> None:
    _, out, _ = run(capsys, "tokens", "issue", "--principal", "alice", "--store", url)
    token = out.strip()
    token_id = split_token(token)
    assert token_id is not None
    code, out, _ = run(capsys, "tokens", "revoke", token_id, "--store", url)
    assert (code, out) == (0, f"revoked {token_id}\n")
    with pytest.raises(Rejection, match="token revoked"):
        TokenAuth(url).authenticate(bearer(token))
    _, listed, _ = run(capsys, "tokens", "list", "--format", "json", "--store", url)
    assert json.loads(listed)[0]["status"] == "revoked"
    _, active, err = run(capsys, "tokens", "list", "--active", "--store", url)
    assert active == "" and "no tokens" in err


def test_revoke_refuses_unknown_ids_and_whole_tokens(capsys: pytest.CaptureFixture[str],
                                                     url: str) -> None:
    _, out, _ = run(capsys, "tokens", "issue", "--principal", "alice", "--store", url)
    code, _, err = run(capsys, "tokens", "revoke", "ffffffffffffffff", "--store", url)
    assert code == 2 and "no such token" in err and "ffffffffffffffff" in err
    code, _, err = run(capsys, "tokens", "revoke", out.strip(), "--store", url)
    assert code == 2 and "not the token" in err and out.strip() not in err
    code, _, err = run(capsys, "tokens", "revoke", "abc", "--store", url)
    assert code == 2 and "is not a token id" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--expires", "7"], "is not a duration"),
    (["--expires", "0d"], "more than 0"),
    (["--expires", "11000d"], "at most 10 years"),
    (["--max-invocations", "0"], "at least 1"),
    (["--roles", "a b"], "not a valid name"),
])
def test_issue_rejects_bad_arguments(capsys: pytest.CaptureFixture[str], url: str,
                                     args: list[str], message: str) -> None:
    code, out, err = run(capsys, "tokens", "issue", "--principal", "alice", *args,
                         "--store", url)
    assert code == 2 and out == "" and message in err
    _, listed, _ = run(capsys, "tokens", "list", "--format", "json", "--store", url)
    assert json.loads(listed) == []


def test_bad_store_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "tokens", "list", "--store", "ftp://x")
    assert code == 2 and "--store" in err and "unknown store 'ftp'" in err


def test_default_store_from_environment(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAASGUARD_TOKEN_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    run(capsys, "tokens", "issue", "--principal", "alice")
    assert (tmp_path / "data" / "faasguard" / "tokens.db").is_file()
    monkeypatch.setenv("FAASGUARD_TOKEN_STORE", f"sqlite:{tmp_path / 'env.db'}")
    run(capsys, "tokens", "issue", "--principal", "bob")
    _, out, _ = run(capsys, "tokens", "list", "--format", "json")
    assert [t["principal"] for t in json.loads(out)] == ["bob"]


def test_create_table_and_use_dynamodb(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = moto_endpoint()
    aws_test_env(monkeypatch)
    store = f"dynamodb:faasguard-cli?region=us-east-1&endpoint={endpoint}"
    code, out, _ = run(capsys, "tokens", "create-table", "--store", store)
    assert code == 0 and "created DynamoDB table faasguard-cli" in out
    code, out, _ = run(capsys, "tokens", "create-table", "--store", store)
    assert code == 0 and "already exists" in out
    _, token, _ = run(capsys, "tokens", "issue", "--principal", "alice", "--max-invocations",
                      "1", "--store", store)
    assert TokenAuth(store).authenticate(bearer(token.strip())).id == "alice"
    _, listed, _ = run(capsys, "tokens", "list", "--format", "json", "--store", store)
    assert [(t["principal"], t["remaining"]) for t in json.loads(listed)] == [("alice", 0)]


def test_create_table_is_for_dynamodb_only(capsys: pytest.CaptureFixture[str],
                                           url: str) -> None:
    code, _, err = run(capsys, "tokens", "create-table", "--store", url)
    assert code == 2 and "DynamoDB" in err


def test_tokens_help_imports_no_runtime() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for argv in (["--help"], ["tokens", "--help"], ["tokens", "issue", "--help"]):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "faasguard", *argv],
                              capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0
        imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
        assert not {"json", "sqlite3", "faasguard.runtime", "faasguard.runtime.tokens_cli",
                    "datetime"} & imported
