"""`JWTAuth`: bearer JWTs verified with PyJWT against an allow-list of algorithms.

Order of checks, each failing closed with 401 and a reason code (see
docs/runtime/auth.md): header and scheme, size bound, token shape, `alg` allow-list
(`none` never), `crit` refused, key chosen by `kid` and required to fit the `alg`
(type, curve, the JWK's own `alg`: the defence against algorithm confusion), then
PyJWT verifies the signature and exp/nbf/iat with leeway, then iss/aud/sub and
any expected claim values.

PyJWT and cryptography are imported when a `JWTAuth` is built (cold start); a call
only parses the header and verifies.
"""

from __future__ import annotations

import base64
import binascii
import json

from ..core import Principal, Rejection
from .claims import claim_path, string_set

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from .jwks import Key, KeyIndex, RemoteKeySet, StaticKeySet

DEFAULT_ALGORITHMS = ("RS256", "ES256", "EdDSA")
MAX_TOKEN_BYTES = 8192
_MAX_HEADER_CHARS = 2048
_DETAIL_CHARS = 64


class JWTAuth:
    """Authenticate a request by the JWT in a header (`Authorization: Bearer ...`).

    `audience` and `issuer` have no default on purpose: a token from the right issuer
    but minted for another service must not get in. Pass None to skip a check
    knowingly.
    """

    method = "jwt"

    def __init__(self, *, jwks: object = None, secret: str | bytes | None = None,
                 audience: str | Iterable[str] | None,
                 issuer: str | Iterable[str] | None,
                 algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
                 leeway: float = 30, header: str = "authorization",
                 scheme: str | None = "Bearer",
                 roles_claim: str | tuple[str, ...] | None = None,
                 scopes_claim: str | tuple[str, ...] = ("scope", "scp"),
                 required_claims: Iterable[str] = ("exp",),
                 audience_claim: str = "aud",
                 expected_claims: Mapping[str, object] | None = None,
                 token_types: Iterable[str] | None = None,
                 max_token_bytes: int = MAX_TOKEN_BYTES,
                 cache_ttl: float = 300, min_refresh_interval: float = 30,
                 max_stale: float = 3600, fetch_timeout: float = 3.0) -> None:
        from .jwks import ALGORITHMS, HMAC_ALGORITHMS, import_jwt, load_key_source, secret_key_set

        if isinstance(algorithms, str):
            algorithms = (algorithms,)
        allowed = tuple(dict.fromkeys(algorithms))
        if not allowed:
            raise ValueError("algorithms must name at least one algorithm")
        for alg in allowed:
            if alg.lower() == "none":
                raise ValueError("the 'none' algorithm can never be allowed")
            if alg not in ALGORITHMS:
                raise ValueError(f"unsupported algorithm {alg!r}; choose from "
                                 f"{', '.join(ALGORITHMS)}")
        hmac_algs = [alg for alg in allowed if alg in HMAC_ALGORITHMS]
        if hmac_algs and len(hmac_algs) != len(allowed):
            raise ValueError("HS* algorithms cannot be mixed with asymmetric ones: a "
                             "public key must never be usable as an HMAC secret")
        if hmac_algs:
            if secret is None or jwks is not None:
                raise ValueError("HS* algorithms need secret= (and no jwks=)")
        elif secret is not None:
            raise ValueError("secret= is only for HS256/HS384/HS512 algorithms")
        elif jwks is None:
            raise ValueError("jwks= is required: a JWKS URL or file, a JWK, or a PEM key")
        if leeway < 0 or leeway > 600:
            raise ValueError("leeway must be between 0 and 600 seconds")
        if max_token_bytes <= 0:
            raise ValueError("max_token_bytes must be positive")

        jwt = import_jwt()
        self._jwt = jwt
        self._source: StaticKeySet | RemoteKeySet = (
            secret_key_set(secret, hmac_algs) if secret is not None else
            load_key_source(jwks, ttl=cache_ttl, min_refresh_interval=min_refresh_interval,
                            max_stale=max_stale, timeout=fetch_timeout))
        self.algorithms = frozenset(allowed)
        self.leeway = leeway
        self.header = header.lower()
        self.scheme = scheme.lower() if scheme else None
        self.roles_claim = roles_claim
        self.scopes_claim = (scopes_claim,) if isinstance(scopes_claim, str) else scopes_claim
        self.audience_claim = audience_claim
        self.audiences = _names(audience)
        self.issuers = _names(issuer)
        self.expected_claims = dict(expected_claims or {})
        self.token_types = (frozenset(_typ(t) for t in token_types)
                            if token_types is not None else None)
        self.max_token_bytes = max_token_bytes
        required = dict.fromkeys(required_claims)
        required["sub"] = None
        if self.issuers is not None:
            required["iss"] = None
        if self.audiences is not None:
            required[audience_claim] = None
        # iss/aud are checked below (several values, custom audience claim); PyJWT
        # checks the signature, exp/nbf/iat (with leeway) and required claims.
        self._decoder = jwt.PyJWT(options={  # type: ignore[attr-defined]
            "verify_signature": True, "verify_exp": True, "verify_nbf": True,
            "verify_iat": True, "verify_aud": False, "verify_iss": False,
            "require": list(required)})
        exc = jwt.exceptions  # type: ignore[attr-defined]
        # Most specific first: InvalidSignatureError is a DecodeError.
        self._errors: tuple[tuple[type[BaseException], str], ...] = (
            (exc.ExpiredSignatureError, "jwt.expired"),
            (exc.ImmatureSignatureError, "jwt.not_yet_valid"),
            (exc.InvalidIssuedAtError, "jwt.iat"),
            # PyJWT >= 2.10 checks that `sub` is a string
            (getattr(exc, "InvalidSubjectError", exc.InvalidIssuedAtError), "jwt.subject"),
            (exc.MissingRequiredClaimError, "jwt.claim_missing"),
            (exc.InvalidSignatureError, "jwt.signature"),
            (exc.InvalidAlgorithmError, "jwt.alg_not_allowed"),
            (exc.DecodeError, "jwt.malformed"),
            (exc.PyJWTError, "jwt.invalid"),
            (ValueError, "jwt.invalid"),
            (TypeError, "jwt.invalid"),
        )

    # -- per call ----------------------------------------------------------------

    def authenticate(self, request: object) -> Principal:
        headers = getattr(request, "headers", None)
        raw = headers.get(self.header) if isinstance(headers, dict) else None
        if not raw or not isinstance(raw, str):
            raise _reject("jwt.missing", bearer=self.scheme == "bearer")
        if len(raw) > self.max_token_bytes:
            raise _reject("jwt.too_large", size=len(raw))
        token = self._token(raw)
        header = _header(token)
        alg = header.get("alg")
        if not isinstance(alg, str):
            raise _reject("jwt.malformed", why="alg")
        if alg.lower() == "none":
            raise _reject("jwt.alg_none")
        if alg not in self.algorithms:
            raise _reject("jwt.alg_not_allowed", alg=alg)
        if "crit" in header:
            raise _reject("jwt.crit_unsupported", alg=alg)
        if self.token_types is not None:
            typ = header.get("typ")
            if not isinstance(typ, str) or _typ(typ) not in self.token_types:
                raise _reject("jwt.type", alg=alg, typ=typ)
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise _reject("jwt.malformed", why="kid")
        key = self._key(kid, alg)
        try:
            claims = self._decoder.decode(token, key.obj, algorithms=[alg], leeway=self.leeway)
        except Exception as exc:
            raise self._translate(exc, alg, kid) from None
        return self._principal(claims, alg, kid)

    def _token(self, raw: str) -> str:
        if self.scheme is None:
            return raw.strip()
        scheme, _, token = raw.strip().partition(" ")
        if scheme.lower() != self.scheme or not token.strip():
            raise _reject("jwt.scheme")
        return token.strip()

    def _key(self, kid: str | None, alg: str) -> Key:
        from .jwks import KeySetUnavailable

        try:
            index = self._source.index()
            found = _candidates(index, kid)
            if kid is not None and not found and self._source.refresh():
                index = self._source.index()
                found = _candidates(index, kid)
        except KeySetUnavailable:
            raise Rejection(503, "auth.failure", "jwks.unavailable",
                            detail={"method": "jwt"}) from None
        if not found:
            if kid is None:
                raise _reject("jwt.kid_missing", alg=alg)
            raise _reject("jwt.kid_unknown", alg=alg, kid=kid)
        fitting = [key for key in found if key.accepts(alg)]
        if not fitting:
            raise _reject("jwt.alg_key_mismatch", alg=alg, kid=kid)
        if len(fitting) > 1:
            raise _reject("jwt.kid_ambiguous", alg=alg, kid=kid)
        return fitting[0]

    def _translate(self, exc: Exception, alg: str, kid: str | None) -> Rejection:
        for kind, reason in self._errors:
            if isinstance(exc, kind):
                claim = getattr(exc, "claim", None)
                if claim is not None:
                    return _reject(reason, alg=alg, kid=kid, claim=claim)
                return _reject(reason, alg=alg, kid=kid)
        return _reject("jwt.invalid", alg=alg, kid=kid)

    def _principal(self, claims: dict[str, object], alg: str, kid: str | None) -> Principal:
        issuer = claims.get("iss")
        if self.issuers is not None and (not isinstance(issuer, str)
                                         or issuer not in self.issuers):
            raise _reject("jwt.issuer", alg=alg, kid=kid)
        if self.audiences is not None:
            audience = claims.get(self.audience_claim)
            given = {audience} if isinstance(audience, str) else string_set(audience)
            if given.isdisjoint(self.audiences):
                raise _reject("jwt.audience", alg=alg, kid=kid)
        for name, value in self.expected_claims.items():
            if claims.get(name) != value:
                raise _reject("jwt.claim_value", alg=alg, kid=kid, claim=name)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise _reject("jwt.subject", alg=alg, kid=kid)
        roles = string_set(claim_path(claims, self.roles_claim)) if self.roles_claim else frozenset()
        scopes: frozenset[str] = frozenset()
        for name in self.scopes_claim:
            value = claim_path(claims, name)
            if value is not None:
                scopes = string_set(value)
                break
        return Principal(subject, "jwt", roles, scopes, claims)


def _candidates(index: KeyIndex, kid: str | None) -> tuple[Key, ...]:
    """Keys a token may be checked against. With a `kid`: the keys carrying it (or
    the only key of a one-key set that has no kid). Without: the only key of a
    one-key set; a larger set is ambiguous and refused."""
    if kid is not None:
        found = index.by_kid.get(kid, ())
        if not found and len(index.keys) == 1 and index.keys[0].kid is None:
            return index.keys
        return found
    return index.keys if len(index.keys) == 1 else ()


def _header(token: str) -> dict[str, object]:
    """The JOSE header of a compact JWS, or a 401. Only what is needed to choose the
    key; PyJWT parses and checks the whole token again when verifying."""
    if not token.isascii():
        raise _reject("jwt.malformed", why="non-ascii")
    parts = token.split(".")
    if len(parts) != 3:
        raise _reject("jwt.malformed", why=f"{len(parts)} parts")
    head = parts[0]
    if not head or len(head) > _MAX_HEADER_CHARS:
        raise _reject("jwt.malformed", why="header size")
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), altchars=b"-_",
                                   validate=True)
        header = json.loads(decoded)
    except (binascii.Error, ValueError):
        raise _reject("jwt.malformed", why="header encoding") from None
    if not isinstance(header, dict):
        raise _reject("jwt.malformed", why="header type")
    return header


def _reject(reason: str, *, bearer: bool = True, **detail: object) -> Rejection:
    fields: dict[str, object] = {"method": "jwt"}
    for name, value in detail.items():
        if value is not None:
            # attacker-chosen values (kid, alg, typ) are truncated before logging
            fields[name] = value[:_DETAIL_CHARS] if isinstance(value, str) else value
    challenge = 'Bearer error="invalid_token"' if reason != "jwt.missing" else "Bearer"
    headers = {"WWW-Authenticate": challenge} if bearer else {}
    return Rejection(401, "auth.failure", reason, headers=headers, detail=fields)


def _names(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    names = frozenset((value,)) if isinstance(value, str) else frozenset(value)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise ValueError("audience/issuer must be a non-empty string or strings (or None)")
    return names


def _typ(value: str) -> str:
    """RFC 7515 4.1.9: `typ` compares case-insensitively, `application/` optional."""
    value = value.lower()
    return value[12:] if value.startswith("application/") else value
