from __future__ import annotations

import contextlib
import copy
import json
import logging
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import samples
from samples import AuditLog, FakeContext

import faasguard.runtime
from faasguard.runtime import GuardError, Principal, Rejection, guard
from faasguard.runtime.core import Request

SECRET_TEXT = "db password=hunter2 for 4111 1111 1111 1111"


# --- small fakes for the parts other modules provide --------------------------------


class FakeAuth:
    def __init__(self, token: str = "good", principal_id: str = "u1",
                 roles: frozenset[str] = frozenset()) -> None:
        self.token = token
        self.principal = Principal(principal_id, "fake", roles=roles)
        self.seen: list[Request] = []

    def authenticate(self, request: Request) -> Principal:
        self.seen.append(request)
        if request.header("authorization") == f"Bearer {self.token}":
            return self.principal
        raise Rejection(401, "auth.failure", f"unknown credential {request.header('authorization')}",
                        headers={"www-authenticate": "Bearer"}, detail={"kid": "k1"})


class BrokenAuth:
    def authenticate(self, request: Request) -> Principal:
        raise RuntimeError("token store unreachable")


class FakeLimit:
    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.calls: list[tuple[Request, Principal | None]] = []

    def check(self, request: Request, principal: Principal | None) -> None:
        self.calls.append((request, principal))
        if len(self.calls) > self.allowed:
            raise Rejection(429, "rate.limited", f"over {self.allowed}/minute",
                            principal=principal, headers={"retry-after": "60"})


class FakeSandbox:
    def __init__(self) -> None:
        self.log: list[str] = []

    @contextlib.contextmanager
    def activate(self, request: Request) -> Iterator[None]:
        self.log.append(f"enter {request.shape}")
        try:
            yield
        finally:
            self.log.append("exit")


class SandboxViolation(Exception):
    """Named like the sandbox's exception: the guard recognises it by name."""


def ok_handler(event: object, context: object) -> dict[str, object]:
    return {"statusCode": 200, "body": "fine"}


@pytest.fixture
def audit() -> Iterator[AuditLog]:
    with AuditLog() as log:
        yield log


def reply(response: object) -> dict[str, object]:
    assert isinstance(response, dict)
    body = json.loads(str(response["body"]))
    assert set(body) == {"message", "correlation_id"}
    return body


# --- plain guard ----------------------------------------------------------------------


def test_public_name_is_the_decorator_even_after_the_module_is_imported() -> None:
    assert callable(guard) and guard.__module__ == "faasguard.runtime.guard"
    assert faasguard.runtime.guard is guard  # not the module of the same name
    # `import faasguard.runtime.guard as m` would give the function too: use sys.modules
    assert sys.modules["faasguard.runtime.guard"].guard is guard


def test_result_passes_through_and_event_is_not_touched() -> None:
    event = samples.http({"a": 1})
    before = copy.deepcopy(event)
    seen: list[object] = []

    @guard
    def handler(e: object, context: object) -> object:
        seen.append(e)
        return {"statusCode": 201, "body": "made"}

    assert handler(event, FakeContext()) == {"statusCode": 201, "body": "made"}
    assert seen[0] is event  # nothing to add: the very same event
    assert event == before
    assert handler.__name__ == "handler" and handler.__wrapped__ is not None


def test_guard_with_parentheses_and_without_context() -> None:
    handler = guard()(ok_handler)
    assert handler(samples.sqs())["statusCode"] == 200


@pytest.mark.parametrize("builder", sorted(samples.HTTP_BUILDERS))
def test_exception_becomes_generic_http_500(builder: str, audit: AuditLog,
                                            caplog: pytest.LogCaptureFixture) -> None:
    @guard
    def handler(event: object, context: object) -> object:
        raise ValueError(SECRET_TEXT)

    with caplog.at_level(logging.ERROR, logger="faasguard.runtime"):
        response = handler(samples.HTTP_BUILDERS[builder]({"a": 1}), FakeContext(request_id="r-9"))
    assert response["statusCode"] == 500
    assert reply(response) == {"message": "Internal error", "correlation_id": "r-9"}
    assert response.get("headers", {}).get("x-correlation-id", "r-9") == "r-9"
    assert "hunter2" not in json.dumps(response) and "ValueError" not in json.dumps(response)
    event = audit.one("error")
    assert event["status"] == 500 and event["correlation_id"] == "r-9"
    assert event["detail"]["exception"] == "ValueError"
    assert "hunter2" not in json.dumps(event) and "4111" not in json.dumps(event)
    # the traceback is in the log, with the correlation id, redacted
    record = caplog.records[-1]
    assert record.correlation_id == "r-9"
    assert "r-9" in record.getMessage()
    assert record.exc_text and "ValueError" in record.exc_text and "hunter2" not in record.exc_text


def test_alb_error_shape_has_status_description() -> None:
    handler = guard(lambda e, c: 1 / 0)
    single = handler(samples.alb(), FakeContext())
    assert single["statusDescription"] == "500 Internal Server Error"
    assert single["headers"]["content-type"] == "application/json"
    multi = handler(samples.alb(multi=True), FakeContext())
    assert multi["multiValueHeaders"]["x-correlation-id"] == ["ctx-req-1"]
    assert "headers" not in multi


@pytest.mark.parametrize("builder", sorted(samples.OTHER_BUILDERS))
def test_non_http_failures_raise_guard_error(builder: str, audit: AuditLog) -> None:
    @guard
    def handler(event: object, context: object) -> object:
        raise KeyError(SECRET_TEXT)

    with pytest.raises(GuardError) as info:
        handler(samples.OTHER_BUILDERS[builder](), FakeContext(request_id="r-3"))
    assert info.value.status == 500 and info.value.correlation_id == "r-3"
    assert "hunter2" not in str(info.value)
    assert info.value.__suppress_context__  # the traceback shows no handler frames
    assert audit.one("error")["correlation_id"] == "r-3"


def test_correlation_id_is_random_without_any_request_id() -> None:
    handler = guard(lambda e, c: 1 / 0)
    with pytest.raises(GuardError) as first:
        handler({"custom": 1})
    with pytest.raises(GuardError) as second:
        handler({"custom": 1})
    assert len(first.value.correlation_id) == 32
    assert first.value.correlation_id != second.value.correlation_id


def test_handler_rejection_and_guard_error_keep_their_status(audit: AuditLog) -> None:
    @guard
    def forbidden(event: object, context: object) -> object:
        raise Rejection(403, "authz.denied", "not the owner of order 7")

    response = forbidden(samples.http(), FakeContext())
    assert response["statusCode"] == 403 and reply(response)["message"] == "Forbidden"
    assert audit.one("authz.denied")["reason"] == "not the owner of order 7"

    @guard
    def busy(event: object, context: object) -> object:
        raise GuardError(503, "cid-1")

    assert busy(samples.http(), None)["statusCode"] == 503
    with pytest.raises(GuardError):
        busy(samples.sqs(), None)


def test_interrupts_are_not_swallowed() -> None:
    @guard
    def handler(event: object, context: object) -> object:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        handler(samples.http())


# --- authentication and authorization ------------------------------------------------


def test_auth_accepts_and_passes_principal(audit: AuditLog) -> None:
    auth = FakeAuth()
    seen: list[dict[str, object]] = []
    handler = guard(auth=auth)(lambda e, c: seen.append(e) or {"statusCode": 200})
    event = samples.http(headers={"authorization": "Bearer good"})
    assert handler(event, FakeContext())["statusCode"] == 200
    assert seen[0]["principal"] is auth.principal
    assert "principal" not in event  # the caller's event is left alone
    success = audit.one("auth.success")
    assert success["principal"]["id"] == "u1" and success["source_ip"] == "198.51.100.4"


def test_auth_refusal_is_401_with_audit_and_headers(audit: AuditLog) -> None:
    handler = guard(auth=FakeAuth())(ok_handler)
    response = handler(samples.rest(headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"}),
                       FakeContext())
    assert response["statusCode"] == 401
    assert response["headers"]["www-authenticate"] == "Bearer"
    failure = audit.one("auth.failure")
    assert failure["source_ip"] == "203.0.113.9"
    assert failure["route"] == "POST /orders/{id}"
    assert failure["status"] == 401 and failure["detail"]["kid"] == "k1"
    assert "eyJ" not in json.dumps(failure)  # the token in the reason is redacted
    assert "auth.success" not in audit.types()


def test_any_of_several_authenticators() -> None:
    first, second = FakeAuth("one", "a"), FakeAuth("two", "b")
    seen: list[dict[str, object]] = []
    handler = guard(auth=[first, second])(lambda e, c: seen.append(e) or "ok")
    assert handler(samples.http(headers={"authorization": "Bearer two"})) == "ok"
    assert seen[0]["principal"].id == "b"
    assert len(first.seen) == 1
    response = handler(samples.http(headers={"authorization": "Bearer three"}))
    assert response["statusCode"] == 401


def test_broken_authenticator_is_an_error_not_a_login_failure(audit: AuditLog) -> None:
    handler = guard(auth=[FakeAuth(), BrokenAuth()])(ok_handler)
    response = handler(samples.http(headers={"authorization": "Bearer nope"}), FakeContext())
    assert response["statusCode"] == 500
    assert audit.one("error")["detail"]["exception"] == "RuntimeError"
    # one that accepts first still wins
    assert handler(samples.http(headers={"authorization": "Bearer good"}))["statusCode"] == 200


def test_audit_success_can_be_turned_off(audit: AuditLog) -> None:
    handler = guard(auth=FakeAuth(), audit_success=False)(ok_handler)
    handler(samples.http(headers={"authorization": "Bearer good"}))
    assert audit.events == []


def test_roles_use_the_authz_requirements(audit: AuditLog) -> None:
    admin = guard(auth=FakeAuth(roles=frozenset({"admin"})), roles={"admin"})(ok_handler)
    reader = guard(auth=FakeAuth(roles=frozenset({"reader"})), roles={"admin"})(ok_handler)
    event = samples.http(headers={"authorization": "Bearer good"})
    assert admin(event)["statusCode"] == 200
    assert reader(event)["statusCode"] == 403
    assert audit.one("authz.denied")["principal"]["id"] == "u1"


# --- rate limit, sandbox --------------------------------------------------------------


def test_rate_limit_object(audit: AuditLog) -> None:
    limit = FakeLimit(allowed=2)
    handler = guard(auth=FakeAuth(), rate_limit=limit)(ok_handler)
    event = samples.http(headers={"authorization": "Bearer good"})
    assert [handler(event)["statusCode"] for _ in range(3)] == [200, 200, 429]
    assert limit.calls[0][1] is not None and limit.calls[0][1].id == "u1"
    response = handler(event)
    assert response["headers"]["retry-after"] == "60"
    assert len([t for t in audit.types() if t == "rate.limited"]) == 2


def test_rate_limit_without_auth_gets_no_principal() -> None:
    limit = FakeLimit(allowed=0)
    handler = guard(rate_limit=limit)(ok_handler)
    with pytest.raises(GuardError) as info:
        handler(samples.sqs())
    assert info.value.status == 429
    assert limit.calls[0][1] is None


def test_rate_limit_spec_string_builds_a_rate_limit() -> None:
    pytest.importorskip("faasguard.runtime.ratelimit", reason="ratelimit module not written yet")
    handler = guard(rate_limit="2/minute per ip")(ok_handler)
    assert handler.__wrapped__ is ok_handler


def test_sandbox_wraps_only_the_handler() -> None:
    box = FakeSandbox()

    @guard(sandbox=box)
    def handler(event: object, context: object) -> object:
        box.log.append("handler")
        return "done"

    assert handler(samples.http()) == "done"
    assert box.log == ["enter apigw-http", "handler", "exit"]


def test_sandbox_exits_when_the_handler_fails() -> None:
    box = FakeSandbox()
    handler = guard(sandbox=box)(lambda e, c: 1 / 0)
    assert handler(samples.http())["statusCode"] == 500
    assert box.log == ["enter apigw-http", "exit"]


def test_sandbox_not_entered_for_refused_calls() -> None:
    box = FakeSandbox()
    handler = guard(sandbox=box, auth=FakeAuth())(ok_handler)
    assert handler(samples.http())["statusCode"] == 401
    assert box.log == []


def test_sandbox_violation_escaping_the_handler_is_an_error(audit: AuditLog) -> None:
    # the sandbox writes "sandbox.violation" itself when it refuses; the guard reports
    # the failure that follows, once, as "error"
    @guard
    def handler(event: object, context: object) -> object:
        raise SandboxViolation("connect to 203.0.113.5:25 refused")

    assert handler(samples.http())["statusCode"] == 500
    assert audit.one("error")["detail"]["exception"] == "SandboxViolation"
    assert "sandbox.violation" not in audit.types()


# --- validation -----------------------------------------------------------------------

ORDER = {"type": "object", "required": ["item", "qty"], "additionalProperties": False,
         "properties": {"item": {"type": "string", "maxLength": 20},
                        "qty": {"type": "integer", "minimum": 1}}}


def test_schema_valid_body_reaches_handler_as_parsed_body() -> None:
    seen: list[dict[str, object]] = []
    handler = guard(schema=ORDER)(lambda e, c: seen.append(e) or "ok")
    event = samples.http({"item": "pen", "qty": 2})
    assert handler(event) == "ok"
    assert seen[0]["parsed_body"] == {"item": "pen", "qty": 2}
    assert "parsed_body" not in event


@pytest.mark.parametrize("body", ['{"item": "pen"}', '{"item": "pen", "qty": 0}',
                                  '{"item": "pen", "qty": 1, "admin": true}', '[]', '{"item":',
                                  "", "null"])
def test_schema_invalid_body_is_400(body: str, audit: AuditLog) -> None:
    called: list[object] = []
    handler = guard(schema=ORDER)(lambda e, c: called.append(e))
    response = handler(samples.rest(body if body else None), FakeContext())
    assert response["statusCode"] == 400
    assert reply(response)["message"] == "Bad request"
    assert called == []
    rejected = audit.one("validation.rejected")
    assert rejected["detail"]["path"].startswith("$")


def test_schema_on_sqs_records() -> None:
    seen: list[dict[str, object]] = []
    handler = guard(schema=ORDER)(lambda e, c: seen.append(e))
    handler(samples.sqs({"item": "a", "qty": 1}, {"item": "b", "qty": 2}))
    assert seen[0]["parsed_body"] == [{"item": "a", "qty": 1}, {"item": "b", "qty": 2}]
    with pytest.raises(GuardError) as info:
        handler(samples.sns({"item": "a", "qty": 1}, {"item": "b"}))
    assert info.value.status == 400


def test_schema_on_whole_event() -> None:
    handler = guard(schema={"type": "object", "required": ["detail-type"]})(lambda e, c: "ok")
    assert handler(samples.schedule()) == "ok"
    with pytest.raises(GuardError):
        handler({"other": 1})


def test_body_too_large_is_413() -> None:
    handler = guard(max_body=10)(ok_handler)
    assert handler(samples.http("x" * 11))["statusCode"] == 413
    assert handler(samples.http("x" * 10))["statusCode"] == 200


def test_depth_limit() -> None:
    handler = guard(schema={"type": "object"}, max_depth=3)(ok_handler)
    assert handler(samples.http({"a": {"b": {}}}))["statusCode"] == 200
    assert handler(samples.http({"a": {"b": {"c": {}}}}))["statusCode"] == 400


# --- time budget ----------------------------------------------------------------------


def busy_handler(event: object, context: object) -> object:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # catches all it can, still stopped
            time.sleep(0.005)
    return "finished"


def test_time_budget_on_main_thread(audit: AuditLog) -> None:
    handler = guard(time_budget=0.5)(busy_handler)
    start = time.monotonic()
    response = handler(samples.http(), FakeContext(remaining_ms=200))
    assert time.monotonic() - start < 1.0
    assert response["statusCode"] == 504
    assert reply(response)["message"] == "Request timed out"
    timeout = audit.one("timeout")
    assert timeout["detail"]["budget_ms"] == 100.0
    assert timeout["duration_ms"] >= 90


def test_time_budget_off_main_thread_answers_in_time() -> None:
    handler = guard(time_budget=0.5)(busy_handler)
    out: list[object] = []
    worker = threading.Thread(target=_capture, args=(handler, out))
    start = time.monotonic()
    worker.start()
    worker.join(3)
    assert time.monotonic() - start < 1.5
    assert isinstance(out[0], GuardError) and out[0].status == 504


def _capture(handler: object, out: list[object]) -> None:
    try:
        out.append(handler(samples.sqs(), FakeContext(remaining_ms=200)))  # type: ignore[operator]
    except GuardError as exc:
        out.append(exc)


def test_time_budget_leaves_fast_handlers_alone() -> None:
    handler = guard(time_budget=0.9)(ok_handler)
    assert handler(samples.http(), FakeContext())["statusCode"] == 200
    assert handler(samples.http(), None)["statusCode"] == 200  # no context: no limit


# --- decoration-time checks -----------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"auth": object()}, TypeError),
    ({"auth": []}, ValueError),
    ({"roles": {"admin"}}, ValueError),
    ({"rate_limit": 5}, TypeError),
    ({"sandbox": object()}, TypeError),
    ({"validate": "headers"}, ValueError),
    ({"max_body": 0}, ValueError),
    ({"max_depth": True}, ValueError),
    ({"time_budget": 1.5}, ValueError),
    ({"schema": "not a schema"}, ValueError),
    ({"schema": {"type": "strin"}}, ValueError),
])
def test_bad_configuration_fails_at_decoration(kwargs: dict[str, object],
                                               error: type[Exception]) -> None:
    with pytest.raises(error):
        guard(**kwargs)  # type: ignore[arg-type]


def test_wrapping_a_non_callable_fails() -> None:
    with pytest.raises(TypeError):
        guard()(42)  # type: ignore[arg-type]


def test_redaction_filter_is_installed_on_root_handlers() -> None:
    from faasguard.runtime.logs import RedactingFilter

    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        guard(redact_logs=False)(ok_handler)
        assert not any(isinstance(f, RedactingFilter) for f in handler.filters)
        guard()(ok_handler)
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
        guard()(ok_handler)
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        root.removeHandler(handler)


# --- integration with the real parts ------------------------------------------------


def test_real_jwt_auth_and_roles(audit: AuditLog) -> None:
    jwt = pytest.importorskip("jwt")
    from faasguard.runtime import JWTAuth

    secret = "s" * 32
    auth = JWTAuth(secret=secret, algorithms=["HS256"], audience="orders",
                   issuer="https://issuer.example/", roles_claim="roles")
    handler = guard(auth=auth, roles={"admin"})(lambda e, c: e["principal"].id)

    def token(**claims: object) -> str:
        base = {"sub": "u-42", "aud": "orders", "iss": "https://issuer.example/",
                "exp": int(time.time()) + 60, "roles": ["admin"]}
        return str(jwt.encode({**base, **claims}, secret, algorithm="HS256"))

    assert handler(samples.http(headers={"authorization": f"Bearer {token()}"})) == "u-42"
    assert audit.one("auth.success")["principal"]["method"] == "jwt"
    expired = handler(samples.http(headers={"authorization": f"Bearer {token(exp=1)}"}))
    assert expired["statusCode"] == 401
    reader = handler(samples.http(headers={"authorization": f"Bearer {token(roles=['r'])}"}))
    assert reader["statusCode"] == 403
    forged = token()[:-4] + "AAAA"
    assert handler(samples.http(headers={"authorization": f"Bearer {forged}"}))["statusCode"] == 401
    none_alg = jwt.encode({"sub": "x"}, None, algorithm="none")
    assert handler(samples.http(headers={"authorization": f"Bearer {none_alg}"}))["statusCode"] == 401
    assert {"auth.failure", "authz.denied"} <= set(audit.types())
    assert all(token()[:20] not in json.dumps(e) for e in audit.events)


def test_real_token_auth_counts_down(audit: AuditLog) -> None:
    from faasguard.runtime import MemoryStore, TokenAuth, issue_token

    store = MemoryStore()
    token, _ = issue_token(store, "svc", expires_in=60, max_invocations=2)
    handler = guard(auth=TokenAuth(store))(ok_handler)
    event = samples.rest(headers={"Authorization": f"Bearer {token}"})
    assert [handler(event)["statusCode"] for _ in range(3)] == [200, 200, 401]
    assert audit.types().count("auth.success") == 2
    assert token not in json.dumps(audit.events)


def test_real_api_key_with_any_of() -> None:
    from faasguard.runtime import ApiKeyAuth
    from faasguard.runtime.auth.apikey import hash_key

    keys = ApiKeyAuth({"partner": hash_key("k-123456")})
    handler = guard(auth=[FakeAuth(), keys])(lambda e, c: e["principal"].id)
    assert handler(samples.http(headers={"x-api-key": "k-123456"})) == "partner"
    assert handler(samples.http(headers={"x-api-key": "wrong"}))["statusCode"] == 401


def test_real_rate_limit_spec(audit: AuditLog) -> None:
    pytest.importorskip("faasguard.runtime.ratelimit")
    handler = guard(rate_limit="2/minute per ip")(ok_handler)
    statuses = [handler(samples.http())["statusCode"] for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert audit.one("rate.limited")["detail"]["bucket"] == "ip"


def test_real_sandbox_blocks_a_child_process() -> None:
    """In a fresh interpreter: the sandbox's audit hook is process-wide and permanent."""
    pytest.importorskip("faasguard.runtime.sandbox")
    import os
    import subprocess
    from pathlib import Path

    code = """
import json, logging, subprocess, sys
lines = []
class H(logging.Handler):
    def emit(self, record): lines.append(json.loads(record.getMessage()))
logging.getLogger("faasguard.audit").addHandler(H())
from faasguard.runtime import guard, Sandbox

@guard(sandbox=Sandbox(subprocess=False, mode="block"))
def handler(event, context):
    subprocess.run(["/bin/true"])
    return "ran"

event = {"version": "2.0", "routeKey": "GET /x", "headers": {},
         "requestContext": {"requestId": "r-1", "http": {"method": "GET", "path": "/x"}}}
response = handler(event, None)
print(json.dumps({"status": response["statusCode"], "body": response["body"],
                  "types": [l["type"] for l in lines],
                  "cids": sorted({l["correlation_id"] for l in lines})}))
"""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root / "runtime" / "src"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 500
    assert "true" not in result["body"]
    assert result["types"] == ["sandbox.violation", "error"]
    assert result["cids"] == ["r-1"]  # both events carry the caller's correlation id


def test_rejection_with_an_unknown_audit_type_is_still_audited(audit: AuditLog) -> None:
    @guard
    def handler(event: object, context: object) -> object:
        raise Rejection(400, "custom.thing", "bad input")

    assert handler(samples.http())["statusCode"] == 400
    event = audit.one("error")
    assert event["detail"]["rejection"] == "custom.thing" and event["status"] == 400


# --- the package's public surface -----------------------------------------------------


def test_every_public_name_resolves() -> None:
    for name in faasguard.runtime.__all__:
        assert getattr(faasguard.runtime, name) is not None, name
    assert set(faasguard.runtime.__all__) <= set(dir(faasguard.runtime))
    with pytest.raises(AttributeError):
        faasguard.runtime.NoSuchThing  # noqa: B018


def test_importing_the_guard_loads_nothing_else() -> None:
    """In a bare interpreter (-I -S): only the three guard modules, no optional package
    and none of the standard modules the hard constraints rule out."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (f"import sys; sys.path.insert(0, {str(root / 'runtime' / 'src')!r}); "
            "before = set(sys.modules); from faasguard.runtime import guard; "
            "print(' '.join(sorted(set(sys.modules) - before)))")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ), check=True)
    loaded = set(done.stdout.split())
    ours = {m for m in loaded if m.startswith("faasguard")}
    assert ours == {"faasguard", "faasguard.runtime", "faasguard.runtime.core",
                    "faasguard.runtime.events", "faasguard.runtime.guard"}, ours
    # `os` (and what it needs) is loaded at start-up by any interpreter with `site`
    startup = {"os", "os.path", "posixpath", "genericpath", "stat", "_stat", "_collections_abc",
               "__future__"}
    assert loaded - ours <= startup, loaded - ours


class KindLimit(FakeLimit):
    def __init__(self, allowed: int, kind: str) -> None:
        super().__init__(allowed)
        self.kind = kind


def test_limits_per_ip_count_failed_logins_too() -> None:
    per_ip, per_principal = KindLimit(2, "ip"), KindLimit(100, "principal")
    handler = guard(auth=FakeAuth(), rate_limit=[per_ip, per_principal])(ok_handler)
    bad = samples.http(headers={"authorization": "Bearer guess"})
    assert [handler(bad)["statusCode"] for _ in range(3)] == [401, 401, 429]
    assert all(principal is None for _, principal in per_ip.calls)
    assert per_principal.calls == []  # never reached without a principal
    good = guard(auth=FakeAuth(), rate_limit=[KindLimit(5, "function"), per_principal])(ok_handler)
    assert good(samples.http(headers={"authorization": "Bearer good"}))["statusCode"] == 200
    assert per_principal.calls[0][1] is not None


def test_guide_examples_compile_and_the_redact_example_holds() -> None:
    import re
    from pathlib import Path

    from faasguard.runtime import redact

    guide = Path(__file__).resolve().parents[2] / "docs" / "runtime" / "guide.md"
    blocks = re.findall(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 3
    for block in blocks:
        compile(block, str(guide), "exec")
    assert redact({"user": "bob", "password": "hunter2", "note": "mail bob@example.com"}) == \
        {"user": "bob", "password": "[REDACTED]", "note": "mail [REDACTED:email]"}
