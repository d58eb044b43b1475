"""Reading roles and scopes out of claims (shared by JWTAuth and GatewayAuth)."""

from __future__ import annotations


def claim_path(claims: dict[str, object], name: str | tuple[str, ...] | None) -> object:
    """The value of a claim by name or path.

    A string is first looked up as one claim name (names like `cognito:groups` or
    `https://example.com/roles` are common), then as a dotted path
    (`realm_access.roles`). A tuple is always a path.
    """
    if name is None:
        return None
    if isinstance(name, str):
        if name in claims:
            return claims[name]
        if "." not in name:
            return None
        path: tuple[str, ...] = tuple(name.split("."))
    else:
        path = name
    value: object = claims
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def string_set(value: object) -> frozenset[str]:
    """Names from a claim: a list of strings, or one space-separated string (the
    OAuth `scope` form). Anything else, and non-string items, count as nothing."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(item for item in value if isinstance(item, str) and item)
    return frozenset()


def gateway_list(value: object) -> frozenset[str]:
    """Names from a claim API Gateway flattened to a string: REST APIs join a list
    with commas (`a,b`), HTTP APIs print it in brackets (`[a b]`)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        return frozenset(text.replace(",", " ").split())
    return string_set(value)
