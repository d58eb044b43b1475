"""The README's `faasguard.runtime` example, as written, in a fresh interpreter (the
sandbox's audit hook is process-wide): every part at once, on an API Gateway HTTP event,
with an RS256 key set in a file (issue 4, end to end)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HANDLER = '''
import json, logging, subprocess, sys, time
audit = []
class Capture(logging.Handler):
    def emit(self, record): audit.append(json.loads(record.getMessage()))
logging.getLogger("faasguard.audit").addHandler(Capture())

from faasguard.runtime import guard, JWTAuth, Sandbox

ORDER_SCHEMA = {"type": "object", "required": ["item", "qty"], "additionalProperties": False,
                "properties": {"item": {"type": "string", "maxLength": 64},
                               "qty": {"type": "integer", "minimum": 1, "maximum": 100}}}

@guard(
    schema=ORDER_SCHEMA,
    auth=JWTAuth(jwks="jwks.json", audience="orders", issuer="https://login.example.com/",
                 roles_claim="roles"),
    roles={"admin"},
    sandbox=Sandbox(network=["*.amazonaws.com:443"], subprocess=False, tmp="read-write",
                    handler_source=False, mode="block"),
    rate_limit="20/minute per principal",
    time_budget=0.8,
)
def handler(event, context):
    order = event["parsed_body"]
    if order["item"] == "shell":
        subprocess.run(["/bin/true"])
    if order["item"] == "slow":
        time.sleep(5)
    return {"statusCode": 201, "body": json.dumps({"by": event["principal"].id, **order})}

class Context:
    aws_request_id = "req-1"
    function_name = "orders"
    def __init__(self): self.deadline = time.monotonic() + 1.0
    def get_remaining_time_in_millis(self): return int((self.deadline - time.monotonic()) * 1000)

results = []
for case in json.load(sys.stdin):
    event = {"version": "2.0", "routeKey": "POST /orders", "rawPath": "/orders",
             "headers": {"content-type": "application/json", **case["headers"]},
             "body": json.dumps(case["body"]), "isBase64Encoded": False,
             "requestContext": {"requestId": case["name"], "http": {
                 "method": "POST", "path": "/orders", "sourceIp": "203.0.113.9"}}}
    response = handler(event, Context())
    results.append({"name": case["name"], "status": response["statusCode"],
                    "body": json.loads(response["body"])})
print(json.dumps({"results": results, "audit": [e["type"] for e in audit]}))
'''


def _keys(tmp: Path) -> tuple[object, object]:
    jwt = pytest.importorskip("jwt")
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    (tmp / "jwks.json").write_text(json.dumps({"keys": [{**public, "kid": "k1", "alg": "RS256",
                                                         "use": "sig"}]}))
    return jwt, key


def test_readme_example_end_to_end(tmp_path: Path) -> None:
    jwt, key = _keys(tmp_path)

    def bearer(roles: list[str]) -> dict[str, str]:
        claims = {"sub": "alice", "aud": "orders", "iss": "https://login.example.com/",
                  "exp": int(time.time()) + 300, "roles": roles}
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        return {"authorization": f"Bearer {token}"}

    admin = bearer(["admin"])
    cases = [
        {"name": "ok", "headers": admin, "body": {"item": "book", "qty": 2}},
        {"name": "no-token", "headers": {}, "body": {"item": "book", "qty": 2}},
        {"name": "reader", "headers": bearer(["reader"]), "body": {"item": "book", "qty": 2}},
        {"name": "invalid", "headers": admin, "body": {"item": "book", "qty": 0, "x": 1}},
        {"name": "sandboxed", "headers": admin, "body": {"item": "shell", "qty": 1}},
        {"name": "slow", "headers": admin, "body": {"item": "slow", "qty": 1}},
    ] + [{"name": f"burst-{i}", "headers": admin, "body": {"item": "b", "qty": 1}}
         for i in range(20)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "runtime" / "src")}
    done = subprocess.run([sys.executable, "-c", HANDLER], input=json.dumps(cases),
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    status = {r["name"]: r["status"] for r in out["results"]}
    assert status["ok"] == 201
    assert out["results"][0]["body"] == {"by": "alice", "item": "book", "qty": 2}
    assert (status["no-token"], status["reader"], status["invalid"]) == (401, 403, 400)
    assert status["sandboxed"] == 500
    assert status["slow"] == 504
    # 20 per minute per principal: the calls above that reached the limiter used some
    bursts = [status[f"burst-{i}"] for i in range(20)]
    assert 429 in bursts and bursts.index(429) == bursts.count(201)
    # no refusal says why to the caller; each carries a correlation id
    for result in out["results"]:
        if result["status"] != 201:
            assert set(result["body"]) == {"message", "correlation_id"}
    assert {"auth.success", "auth.failure", "authz.denied", "validation.rejected",
            "sandbox.violation", "timeout", "rate.limited"} <= set(out["audit"])
