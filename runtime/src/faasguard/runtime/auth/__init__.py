"""Authentication and authorization for the guard.

Authenticators share one method, `authenticate(request) -> Principal`, and raise
`Rejection(401, "auth.failure", reason)` on failure. Names are loaded on first use
so that importing this package costs nothing: `JWTAuth` pulls in PyJWT only when
one is built.
"""

from __future__ import annotations

__all__ = ["ApiKeyAuth", "GatewayAuth", "JWTAuth", "RemoteKeySet", "Requirements",
           "StaticKeySet", "authorize", "hash_key", "new_key"]

_WHERE = {
    "ApiKeyAuth": "apikey", "hash_key": "apikey", "new_key": "apikey",
    "GatewayAuth": "gateway",
    "JWTAuth": "jwt",
    "RemoteKeySet": "jwks", "StaticKeySet": "jwks",
    "Requirements": "authz", "authorize": "authz",
}


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
