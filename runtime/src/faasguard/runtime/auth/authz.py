"""`authorize`: roles and scopes per handler or per route.

Roles are any-of (the caller needs one of them); scopes are all-of (the caller needs
every one). Either may be a set for the whole handler or a mapping from route to set:
`{"GET /orders/{id}": {"reader"}, "DELETE /orders/{id}": {"admin"}, "*": {"admin"}}`.
A route is looked up as written (`METHOD /path` as the API declares it), then as
`ANY /path`, then `/path`, then `*`. A route found nowhere is refused (fail closed);
map a route to an empty set to require only an authenticated caller.
"""

from __future__ import annotations

from ..core import Principal, Rejection

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    Names = str | Iterable[str]
    Spec = Names | Mapping[str, Names | None] | None


class Requirements:
    """Roles and scopes normalised once (at decoration time); `check` per call."""

    __slots__ = ("roles", "scopes")

    def __init__(self, roles: Spec = None, scopes: Spec = None) -> None:
        self.roles = _compile(roles, "roles")
        self.scopes = _compile(scopes, "scopes")

    @property
    def empty(self) -> bool:
        return self.roles is None and self.scopes is None

    def check(self, principal: Principal | None, request: object) -> None:
        if self.empty:
            return
        if principal is None:
            raise Rejection(401, "auth.failure", "authz.no_principal",
                            detail={"route": _route(request)})
        route = _route(request)
        if self.roles is not None:
            needed = _lookup(self.roles, route)
            if needed is None:
                raise _deny("authz.route_not_listed", principal, route, "roles")
            if needed and needed.isdisjoint(principal.roles):
                raise _deny("authz.role", principal, route, "roles", needed)
        if self.scopes is not None:
            needed = _lookup(self.scopes, route)
            if needed is None:
                raise _deny("authz.route_not_listed", principal, route, "scopes")
            if not needed <= principal.scopes:
                raise _deny("authz.scope", principal, route, "scopes",
                            needed - principal.scopes)


def authorize(principal: Principal | None, request: object,
              roles: Spec | Requirements = None, scopes: Spec = None) -> None:
    """Raise Rejection(403, "authz.denied") unless `principal` has the roles (any
    of) and scopes (all of) required for the request's route; 401 with no principal.
    `roles` may be a ready `Requirements` (then `scopes` must be None)."""
    if isinstance(roles, Requirements):
        if scopes is not None:
            raise TypeError("pass scopes inside the Requirements")
        roles.check(principal, request)
    else:
        Requirements(roles, scopes).check(principal, request)


def _compile(spec: Spec, what: str) -> dict[str, frozenset[str]] | None:
    """None (no requirement) or route -> names; a plain set becomes route `*`."""
    if spec is None:
        return None
    items = getattr(spec, "items", None)
    if items is not None:
        table: dict[str, frozenset[str]] = {}
        for route, names in items():
            if not isinstance(route, str) or not route.strip():
                raise TypeError(f"{what}: a route must be a non-empty string")
            table[_normal_route(route)] = _names(names, what)
        return table
    return {"*": _names(spec, what)}


def _names(value: object, what: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset((value,))  # one name, not its characters
    if isinstance(value, list | tuple | set | frozenset):
        if not all(isinstance(name, str) and name for name in value):
            raise TypeError(f"{what}: names must be non-empty strings")
        return frozenset(value)
    raise TypeError(f"{what}: expected a string, a set of strings or a route mapping, "
                    f"got {type(value).__name__}")


def _normal_route(route: str) -> str:
    method, sep, path = route.strip().partition(" ")
    if not sep:
        return method  # "*" or a bare path
    return f"{method.upper()} {path.strip()}"


def _lookup(table: dict[str, frozenset[str]], route: str) -> frozenset[str] | None:
    if route:
        found = table.get(route)
        if found is not None:
            return found
        _, sep, path = route.partition(" ")
        if sep:
            found = table.get(f"ANY {path}")
            if found is None:
                found = table.get(path)
            if found is not None:
                return found
    return table.get("*")


def _route(request: object) -> str:
    route = getattr(request, "route", "")
    return _normal_route(route) if isinstance(route, str) and route else ""


def _deny(reason: str, principal: Principal, route: str, what: str,
          missing: frozenset[str] = frozenset()) -> Rejection:
    detail: dict[str, object] = {"route": route, "requirement": what}
    if missing:
        detail["missing" if what == "scopes" else "any_of"] = sorted(missing)
    return Rejection(403, "authz.denied", reason, principal=principal, detail=detail)
