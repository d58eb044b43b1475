"""authorize: roles any-of, scopes all-of, per handler or per route, fail closed."""

from __future__ import annotations

import pytest

from faasguard.runtime.auth.authz import Requirements, authorize
from faasguard.runtime.core import HTTP, Principal, Rejection, Request


def caller(roles: set[str] = frozenset(), scopes: set[str] = frozenset()) -> Principal:  # type: ignore[assignment]
    return Principal("u-1", "jwt", frozenset(roles), frozenset(scopes))


def on(route: str = "GET /orders/{id}") -> Request:
    return Request(HTTP, {}, route=route)


def denied(principal: Principal | None, req: Request, roles: object = None,
           scopes: object = None) -> Rejection:
    with pytest.raises(Rejection) as caught:
        authorize(principal, req, roles, scopes)  # type: ignore[arg-type]
    return caught.value


def test_nothing_required_lets_anyone_through() -> None:
    authorize(None, on())
    authorize(caller(), on(), None, None)


def test_roles_are_any_of() -> None:
    authorize(caller({"ops"}), on(), {"admin", "ops"})
    rejection = denied(caller({"viewer"}), on(), {"admin", "ops"})
    assert (rejection.status, rejection.audit, rejection.reason) == (403, "authz.denied",
                                                                     "authz.role")
    assert rejection.detail["any_of"] == ["admin", "ops"]
    assert rejection.principal is not None and rejection.principal.id == "u-1"
    assert rejection.public_message == "Forbidden"


def test_scopes_are_all_of() -> None:
    authorize(caller(scopes={"read", "write", "x"}), on(), None, {"read", "write"})
    rejection = denied(caller(scopes={"read"}), on(), None, {"read", "write"})
    assert rejection.reason == "authz.scope"
    assert rejection.detail["missing"] == ["write"]


def test_roles_and_scopes_together_need_both() -> None:
    authorize(caller({"admin"}, {"write"}), on(), {"admin"}, {"write"})
    assert denied(caller({"admin"}), on(), {"admin"}, {"write"}).reason == "authz.scope"
    assert denied(caller(scopes={"write"}), on(), {"admin"}, {"write"}).reason == "authz.role"


def test_no_principal_is_401() -> None:
    rejection = denied(None, on(), {"admin"})
    assert (rejection.status, rejection.audit, rejection.reason) == (401, "auth.failure",
                                                                     "authz.no_principal")
    assert denied(None, on(), None, {"read"}).status == 401


def test_a_single_role_string_is_one_role_not_letters() -> None:
    authorize(caller({"admin"}), on(), "admin")
    assert denied(caller({"a"}), on(), "admin").reason == "authz.role"


PER_ROUTE = {
    "GET /orders/{id}": {"reader", "admin"},
    "delete /orders/{id}": {"admin"},
    "ANY /reports/{proxy+}": {"analyst"},
    "/health": set(),
    "*": {"admin"},
}


@pytest.mark.parametrize(("route", "roles", "allowed"), [
    ("GET /orders/{id}", {"reader"}, True),
    ("DELETE /orders/{id}", {"reader"}, False),
    ("DELETE /orders/{id}", {"admin"}, True),
    ("POST /reports/{proxy+}", {"analyst"}, True),
    ("GET /reports/{proxy+}", {"reader"}, False),
    ("GET /health", set(), True),
    ("PUT /other", {"reader"}, False),
    ("PUT /other", {"admin"}, True),
    ("", {"admin"}, True),  # no route (function URL): the "*" entry
])
def test_per_route_requirements(route: str, roles: set[str], allowed: bool) -> None:
    if allowed:
        authorize(caller(roles), on(route), PER_ROUTE)
    else:
        assert denied(caller(roles), on(route), PER_ROUTE).reason == "authz.role"


def test_unlisted_route_without_default_fails_closed() -> None:
    table = {"GET /orders/{id}": {"reader"}}
    rejection = denied(caller({"reader", "admin"}), on("POST /orders"), table)
    assert (rejection.status, rejection.reason) == (403, "authz.route_not_listed")
    assert rejection.detail["route"] == "POST /orders"
    scopes = {"GET /orders/{id}": {"orders:read"}}
    assert denied(caller(scopes={"orders:read"}), on("POST /orders"), None, scopes).reason == \
        "authz.route_not_listed"


def test_per_route_scopes() -> None:
    scopes = {"GET /orders/{id}": "orders:read", "*": {"orders:read", "orders:write"}}
    authorize(caller(scopes={"orders:read"}), on(), None, scopes)
    assert denied(caller(scopes={"orders:read"}), on("POST /orders"), None, scopes).reason == \
        "authz.scope"


def test_compiled_requirements_are_reusable() -> None:
    needs = Requirements({"admin"}, {"write"})
    authorize(caller({"admin"}, {"write"}), on(), needs)
    assert denied(caller({"admin"}), on(), needs).reason == "authz.scope"
    with pytest.raises(TypeError):
        authorize(caller(), on(), needs, {"write"})


@pytest.mark.parametrize("bad", [
    {"GET /x": 5},
    {"": {"admin"}},
    {"GET /x": {"admin", ""}},
    42,
])
def test_bad_requirements_are_configuration_errors(bad: object) -> None:
    with pytest.raises(TypeError):
        Requirements(bad)  # type: ignore[arg-type]
