"""`GatewayAuth`: the caller as an API Gateway authorizer already established it.

Nothing is verified here: the claims are trusted because API Gateway put them in
the event after its own authorizer accepted the request. That is only true when
nobody else can hand the function an event. See "When GatewayAuth is safe" in
docs/runtime/auth.md before using it.

Kinds of authorizer understood:
- `jwt`: REST API Cognito user-pool authorizer (`requestContext.authorizer.claims`)
  and HTTP API JWT authorizer (`requestContext.authorizer.jwt.claims`/`.scopes`).
- `lambda`: REST API Lambda authorizer (`requestContext.authorizer` holds
  `principalId` and the context map) and HTTP API Lambda authorizer
  (`requestContext.authorizer.lambda`).
- `iam`: SigV4 callers of HTTP APIs and function URLs with auth type AWS_IAM
  (`requestContext.authorizer.iam`) and of REST APIs (`requestContext.identity`).
"""

from __future__ import annotations

from ..core import FUNCTION_URL, HTTP, REST, Principal, Rejection
from .claims import claim_path, gateway_list

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

KINDS = ("jwt", "lambda", "iam")
_SHAPES = frozenset({REST, HTTP, FUNCTION_URL})


class GatewayAuth:
    """Build the Principal from an API Gateway authorizer's output.

    `kinds` limits which authorizer outputs are accepted. `issuer`/`audience`, when
    given, are compared with the JWT claims again (useful when one API has several
    authorizers). `accounts` limits IAM callers to these AWS account ids.
    """

    method = "gateway"

    def __init__(self, *, kinds: Iterable[str] = KINDS, id_claim: str | None = None,
                 roles_claim: str | tuple[str, ...] | None = None,
                 scopes_claim: str | tuple[str, ...] = ("scope", "scp"),
                 issuer: str | Iterable[str] | None = None,
                 audience: str | Iterable[str] | None = None,
                 accounts: Iterable[str] | None = None) -> None:
        chosen = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        unknown = set(chosen) - set(KINDS)
        if unknown or not chosen:
            raise ValueError(f"kinds must be some of {KINDS}, got {sorted(unknown) or chosen}")
        self.kinds = frozenset(chosen)
        self.id_claim = id_claim
        self.roles_claim = roles_claim
        self.scopes_claim = (scopes_claim,) if isinstance(scopes_claim, str) else scopes_claim
        self.issuers = _names(issuer)
        self.audiences = _names(audience)
        self.accounts = _names(accounts)

    def authenticate(self, request: object) -> Principal:
        shape = getattr(request, "shape", None)
        if shape not in _SHAPES:
            raise _reject("gateway.shape", shape=shape)
        context = _request_context(request)
        authorizer = context.get("authorizer")
        if not isinstance(authorizer, dict):
            authorizer = getattr(request, "authorizer", None) or {}
        if not isinstance(authorizer, dict):
            authorizer = {}
        if "jwt" in self.kinds:
            found = _jwt_claims(authorizer)
            if found is not None:
                return self._from_jwt(*found)
        if "iam" in self.kinds:
            iam = authorizer.get("iam")
            if not isinstance(iam, dict) and shape == REST and not authorizer:
                iam = context.get("identity")
                if isinstance(iam, dict) and not iam.get("userArn"):
                    iam = None
            if isinstance(iam, dict):
                return self._from_iam(iam)
        if "lambda" in self.kinds:
            context_map = authorizer.get("lambda")
            if isinstance(context_map, dict):
                return self._from_lambda(context_map, authorizer.get("principalId"))
            if shape == REST and "principalId" in authorizer:
                rest = {k: v for k, v in authorizer.items() if k != "integrationLatency"}
                return self._from_lambda(rest, authorizer.get("principalId"))
        raise _reject("gateway.no_authorizer")

    def _from_jwt(self, claims: dict[str, object], scopes_value: object) -> Principal:
        if self.issuers is not None and not _member(claims.get("iss"), self.issuers):
            raise _reject("gateway.issuer", kind="jwt")
        if self.audiences is not None:
            audience = claims.get("aud", claims.get("client_id"))
            if gateway_list(audience).isdisjoint(self.audiences):
                raise _reject("gateway.audience", kind="jwt")
        subject = claims.get(self.id_claim or "sub")
        if not isinstance(subject, str) or not subject:
            raise _reject("gateway.no_id", kind="jwt")
        scopes = gateway_list(scopes_value) if scopes_value else frozenset()
        if not scopes:
            for name in self.scopes_claim:
                value = claim_path(claims, name)
                if value is not None:
                    scopes = gateway_list(value)
                    break
        return Principal(subject, "gateway", self._roles(claims), scopes,
                         {"kind": "jwt", **claims})

    def _from_lambda(self, context: dict[str, object], principal_id: object) -> Principal:
        ident = context.get(self.id_claim) if self.id_claim else principal_id
        if ident is None and not self.id_claim:
            ident = context.get("principalId", context.get("sub"))
        if isinstance(ident, int | float) and not isinstance(ident, bool):
            ident = str(ident)
        if not isinstance(ident, str) or not ident:
            raise _reject("gateway.no_id", kind="lambda")
        scopes: frozenset[str] = frozenset()
        for name in self.scopes_claim:
            value = claim_path(context, name)
            if value is not None:
                scopes = gateway_list(value)
                break
        return Principal(ident, "gateway", self._roles(context), scopes,
                         {"kind": "lambda", **context})

    def _from_iam(self, iam: dict[str, object]) -> Principal:
        arn = iam.get("userArn")
        if not isinstance(arn, str) or not arn:
            raise _reject("gateway.no_id", kind="iam")
        if self.accounts is not None and not _member(iam.get("accountId"), self.accounts):
            raise _reject("gateway.account", kind="iam")
        claims = {key: value for key, value in iam.items() if key != "accessKey"}
        return Principal(arn, "gateway", frozenset(), frozenset(), {"kind": "iam", **claims})

    def _roles(self, claims: dict[str, object]) -> frozenset[str]:
        if self.roles_claim is None:
            return frozenset()
        return gateway_list(claim_path(claims, self.roles_claim))


def _request_context(request: object) -> dict[str, object]:
    event = getattr(request, "event", None)
    context = event.get("requestContext") if isinstance(event, dict) else None
    return context if isinstance(context, dict) else {}


def _jwt_claims(authorizer: dict[str, object]) -> tuple[dict[str, object], object] | None:
    """(claims, scopes) from a JWT/Cognito authorizer, or None."""
    jwt = authorizer.get("jwt")
    if isinstance(jwt, dict) and isinstance(jwt.get("claims"), dict):
        return jwt["claims"], jwt.get("scopes")
    claims = authorizer.get("claims")
    if isinstance(claims, dict):
        return claims, authorizer.get("scopes")
    return None


def _member(value: object, names: frozenset[str]) -> bool:
    return isinstance(value, str) and value in names


def _reject(reason: str, **detail: object) -> Rejection:
    return Rejection(401, "auth.failure", reason, detail={"method": "gateway", **detail})


def _names(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset((value,)) if isinstance(value, str) else frozenset(value)
