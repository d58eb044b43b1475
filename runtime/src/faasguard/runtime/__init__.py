"""faasguard's run-time guard for serverless handlers (standard library only).

    from faasguard.runtime import guard, JWTAuth, Sandbox

`guard` is imported with the package (it is the entry point, and the module shares its
name: importing the function here keeps `faasguard.runtime.guard` the function even
after `faasguard.runtime.guard` the module is imported elsewhere). Every other name is
loaded on first use, so a handler that needs only `guard` pays for nothing else and an
optional backend (PyJWT, boto3, redis, jsonschema, pydantic) is imported only by the
part that uses it.
"""

from __future__ import annotations

from faasguard.runtime.guard import guard

__all__ = [
    "ApiKeyAuth", "DynamoDBStore", "GatewayAuth", "GuardError", "JWTAuth", "JsonFormatter",
    "MemoryStore", "Principal", "RateLimit", "RedactingFilter", "RedisStore", "Rejection",
    "Request", "SQLiteStore", "Sandbox", "SandboxViolation", "TokenAuth", "compile_schema", "guard",
    "issue_token", "redact",
]

# name -> submodule that defines it
_WHERE = {
    "ApiKeyAuth": "auth.apikey",
    "GatewayAuth": "auth.gateway",
    "JWTAuth": "auth.jwt",
    "TokenAuth": "tokens",
    "issue_token": "tokens",
    "RateLimit": "ratelimit",
    "MemoryStore": "stores.memory",
    "SQLiteStore": "stores.sqlite",
    "DynamoDBStore": "stores.dynamodb",
    "RedisStore": "stores.redis",
    "Sandbox": "sandbox",
    "SandboxViolation": "sandbox",
    "RedactingFilter": "logs",
    "JsonFormatter": "logs",
    "redact": "logs",
    "compile_schema": "validation",
    "Principal": "core",
    "Rejection": "core",
    "GuardError": "core",
    "Request": "core",
}


def __getattr__(name: str) -> object:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{where}"), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
