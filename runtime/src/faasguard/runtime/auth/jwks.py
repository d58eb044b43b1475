"""Verification keys for `JWTAuth`: parsed once, indexed by `kid`, refreshed with care.

A key source is either static (a JWKS file, one JWK, a PEM public key or certificate,
an HMAC secret) or remote (a JWKS at an https URL). Remote sets are cached for `ttl`
seconds; a token naming an unknown `kid` may trigger one early refresh, but never
more often than `min_refresh_interval`, so a flood of made-up `kid`s cannot make us
fetch on every call. When a refresh fails the last good set keeps serving for up to
`max_stale` seconds past its expiry.

PyJWT and cryptography are imported here, when a source is built (cold start), never
per call. urllib.request only when a remote source is built.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from urllib.request import OpenerDirector

log = logging.getLogger("faasguard.runtime.auth")

# JWS algorithm -> (JWK key type, accepted curves or None). Anything not listed here,
# `none` above all, can never be configured.
ALGORITHMS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "RS256": ("RSA", None), "RS384": ("RSA", None), "RS512": ("RSA", None),
    "PS256": ("RSA", None), "PS384": ("RSA", None), "PS512": ("RSA", None),
    "ES256": ("EC", ("P-256",)), "ES384": ("EC", ("P-384",)), "ES512": ("EC", ("P-521",)),
    "EdDSA": ("OKP", ("Ed25519", "Ed448")),
    "HS256": ("oct", None), "HS384": ("oct", None), "HS512": ("oct", None),
}
HMAC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})
# RFC 7518 3.2: an HMAC key at least as long as the hash output.
HMAC_MIN_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
MIN_RSA_BITS = 2048
_EC_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_DEFAULT_ALG = {"RSA": "RS256", "P-256": "ES256", "P-384": "ES384", "P-521": "ES512",
                "Ed25519": "EdDSA", "Ed448": "EdDSA"}
# Members that only a private (or symmetric) JWK has: such a key never belongs in a
# verification set, and publishing one is a leak we refuse to build on.
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
MAX_FILE_BYTES = 1 << 20
MAX_KID_CHARS = 256


class KeySetError(ValueError):
    """A key source is unusable: bad configuration, unreadable file, no usable key."""


class KeySetUnavailable(Exception):
    """A remote key set could not be fetched and no usable cached copy is left."""


class Key:
    """One verification key: its JWK type/curve/`alg` (to match the token's `alg`
    against) and the parsed key object PyJWT verifies with."""

    __slots__ = ("alg", "curve", "kid", "kty", "obj")

    def __init__(self, kty: str, obj: object, *, kid: str | None = None,
                 curve: str | None = None, alg: str | None = None) -> None:
        self.kty = kty
        self.obj = obj
        self.kid = kid
        self.curve = curve
        self.alg = alg

    def accepts(self, alg: str) -> bool:
        """Whether a token signed with `alg` may be verified with this key: the key
        type and curve must fit the algorithm (the defence against algorithm
        confusion) and a key that names its `alg` is used with that one only."""
        spec = ALGORITHMS.get(alg)
        if spec is None:
            return False
        kty, curves = spec
        if kty != self.kty or (curves is not None and self.curve not in curves):
            return False
        return self.alg is None or self.alg == alg

    def __repr__(self) -> str:
        return f"Key({self.kty!r}, kid={self.kid!r}, alg={self.alg!r})"


class KeyIndex:
    """An immutable key set with a `kid` lookup built once."""

    __slots__ = ("by_kid", "keys")

    def __init__(self, keys: tuple[Key, ...]) -> None:
        self.keys = keys
        by_kid: dict[str, list[Key]] = {}
        for key in keys:
            if key.kid is not None:
                by_kid.setdefault(key.kid, []).append(key)
        self.by_kid = {kid: tuple(found) for kid, found in by_kid.items()}


class StaticKeySet:
    """Keys fixed at construction (file, JWK, PEM, secret)."""

    def __init__(self, keys: tuple[Key, ...]) -> None:
        if not keys:
            raise KeySetError("no usable verification key")
        self._index = KeyIndex(keys)

    def index(self) -> KeyIndex:
        return self._index

    def refresh(self) -> bool:
        return False


class RemoteKeySet:
    """A JWKS fetched from an https URL, cached, refreshed on expiry or (rate limited)
    on an unknown `kid`.

    Nothing is fetched at construction: network at import time would stall the
    function's init phase. The first token pays for the first fetch.
    """

    def __init__(self, url: str, *, ttl: float = 300.0, min_refresh_interval: float = 30.0,
                 max_stale: float = 3600.0, timeout: float = 3.0,
                 max_bytes: int = 256 * 1024,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if ttl <= 0 or min_refresh_interval < 0 or max_stale < 0 or timeout <= 0:
            raise KeySetError("ttl and timeout must be > 0; intervals must be >= 0")
        if max_bytes <= 0:
            raise KeySetError("max_bytes must be > 0")
        self.url = url
        self.ttl = ttl
        self.min_refresh_interval = min_refresh_interval
        self.max_stale = max_stale
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._clock = clock
        self._opener = _opener_for(url)
        self._lock = threading.Lock()
        self._index: KeyIndex | None = None
        self._fetched_at = 0.0
        self._next_attempt = float("-inf")
        self.fetches = 0
        """How many fetches were attempted (tests and metrics)."""

    def index(self) -> KeyIndex:
        now = self._clock()
        current = self._index
        if current is not None and now < self._fetched_at + self.ttl:
            return current
        self._try_fetch()
        now = self._clock()
        current = self._index
        if current is None:
            raise KeySetUnavailable(f"no key set from {self.url}")
        if now > self._fetched_at + self.ttl + self.max_stale:
            raise KeySetUnavailable(f"key set from {self.url} is stale beyond max_stale")
        return current

    def refresh(self) -> bool:
        """Fetch again early (an unknown `kid`), unless a fetch happened within
        `min_refresh_interval`. True when a new set was loaded."""
        return self._try_fetch()

    def _try_fetch(self) -> bool:
        with self._lock:
            now = self._clock()
            if now < self._next_attempt:
                return False
            self._next_attempt = now + self.min_refresh_interval
            self.fetches += 1
            try:
                keys = self._fetch()
            except (OSError, ValueError) as exc:
                # OSError covers URLError/HTTPError/timeouts; ValueError bad JSON/keys.
                log.warning("JWKS fetch from %s failed: %s", self.url, exc)
                return False
            self._index = KeyIndex(keys)
            self._fetched_at = self._clock()
            return True

    def _fetch(self) -> tuple[Key, ...]:
        from urllib.request import Request

        request = Request(self.url, headers={"Accept": "application/json",
                                             "User-Agent": "faasguard-runtime"})
        with self._opener.open(request, timeout=self.timeout) as response:
            if response.status != 200:
                raise KeySetError(f"HTTP {response.status}")
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > self.max_bytes:
                raise KeySetError(f"JWKS larger than {self.max_bytes} bytes")
            data = response.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise KeySetError(f"JWKS larger than {self.max_bytes} bytes")
        return keys_from_jwks(_json(data, self.url), self.url)


def _opener_for(url: str) -> OpenerDirector:
    """An opener for https only (plain http only to a loopback address, for local
    tests), whose redirects may not leave https."""
    from urllib.parse import urlsplit
    from urllib.request import HTTPRedirectHandler, ProxyHandler, build_opener

    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1", "localhost")
    if parts.scheme != "https" and not loopback:
        raise KeySetError("a JWKS URL must be https:// (plain http only for a loopback "
                          "address)")
    if not parts.hostname:
        raise KeySetError("the JWKS URL has no host")

    class HttpsOnlyRedirect(HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            if urlsplit(newurl).scheme != parts.scheme or (
                    loopback and urlsplit(newurl).hostname != parts.hostname):
                raise KeySetError(f"JWKS redirect to {newurl!r} refused")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    handlers: list[object] = [HttpsOnlyRedirect()]
    if loopback:
        handlers.append(ProxyHandler({}))  # a proxy must not see loopback traffic
    return build_opener(*handlers)  # type: ignore[arg-type]


# --- parsing ----------------------------------------------------------------------

def import_jwt() -> object:
    """PyJWT with cryptography, or an error that names the extra to install."""
    try:
        import jwt
        from jwt.algorithms import has_crypto
    except ImportError as exc:
        raise ImportError("JWTAuth needs PyJWT: pip install 'faasguard-runtime[jwt]'") from exc
    if not has_crypto:
        raise ImportError("JWTAuth needs PyJWT with cryptography for RS/ES/EdDSA: "
                          "pip install 'faasguard-runtime[jwt]'")
    return jwt


def key_from_jwk(jwk: object) -> Key:
    """One public JWK -> Key. Raises KeySetError naming what is wrong (never the
    key material)."""
    if not isinstance(jwk, dict):
        raise KeySetError("a JWK must be a JSON object")
    kty = jwk.get("kty")
    if kty == "oct":
        raise KeySetError("symmetric (oct) keys are not accepted in a key set; pass "
                          "secret= with HS256/HS384/HS512 instead")
    if kty not in ("RSA", "EC", "OKP"):
        raise KeySetError(f"unsupported key type {kty!r}")
    if any(member in jwk for member in _PRIVATE_MEMBERS):
        raise KeySetError("private key material in a verification key set")
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise KeySetError(f"key use {use!r} is not 'sig'")
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        raise KeySetError("key_ops does not include 'verify'")
    kid = jwk.get("kid")
    if kid is not None and (not isinstance(kid, str) or len(kid) > MAX_KID_CHARS):
        raise KeySetError("kid must be a short string")
    curve = jwk.get("crv") if kty != "RSA" else None
    if kty != "RSA" and curve not in ("P-256", "P-384", "P-521", "Ed25519", "Ed448"):
        raise KeySetError(f"unsupported curve {curve!r}")
    alg = jwk.get("alg")
    if alg is not None:
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise KeySetError(f"unsupported key algorithm {alg!r}")
        key = Key(str(kty), None, kid=kid, curve=curve, alg=alg)
        if not key.accepts(alg):
            raise KeySetError(f"key algorithm {alg} does not fit a {kty} {curve or ''} key")
    jwt = import_jwt()
    try:
        parsed = jwt.PyJWK(jwk, alg or _DEFAULT_ALG[curve or "RSA"])  # type: ignore[attr-defined]
    except Exception as exc:  # PyJWK raises several unrelated types on bad input
        raise KeySetError(f"unreadable {kty} key: {type(exc).__name__}") from None
    obj = parsed.key
    _check_strength(obj)
    return Key(str(kty), obj, kid=kid, curve=curve, alg=alg)


def key_from_object(obj: object, kid: str | None = None) -> Key:
    """A cryptography public key object -> Key."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    if isinstance(obj, rsa.RSAPublicKey):
        key = Key("RSA", obj, kid=kid)
    elif isinstance(obj, ec.EllipticCurvePublicKey):
        curve = _EC_CURVES.get(obj.curve.name)
        if curve is None:
            raise KeySetError(f"unsupported curve {obj.curve.name}")
        key = Key("EC", obj, kid=kid, curve=curve)
    elif isinstance(obj, ed25519.Ed25519PublicKey):
        key = Key("OKP", obj, kid=kid, curve="Ed25519")
    elif isinstance(obj, ed448.Ed448PublicKey):
        key = Key("OKP", obj, kid=kid, curve="Ed448")
    else:
        raise KeySetError(f"not a supported public key: {type(obj).__name__} (private "
                          "keys are refused)")
    _check_strength(obj)
    return key


def key_from_pem(pem: str | bytes, kid: str | None = None) -> Key:
    """A PEM public key or X.509 certificate -> Key. Private keys are refused."""
    import_jwt()
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    data = pem.encode() if isinstance(pem, str) else pem
    if b"PRIVATE KEY" in data:
        raise KeySetError("a private key was given where a public key belongs")
    try:
        if b"BEGIN CERTIFICATE" in data:
            obj: object = x509.load_pem_x509_certificate(data).public_key()
        else:
            obj = load_pem_public_key(data)
    except ValueError as exc:
        raise KeySetError(f"unreadable PEM: {exc}") from None
    return key_from_object(obj, kid)


def _check_strength(obj: object) -> None:
    size = getattr(obj, "key_size", None)
    from cryptography.hazmat.primitives.asymmetric import rsa

    if isinstance(obj, rsa.RSAPublicKey) and isinstance(size, int) and size < MIN_RSA_BITS:
        raise KeySetError(f"RSA key of {size} bits; at least {MIN_RSA_BITS} required")


def keys_from_jwks(doc: object, origin: str) -> tuple[Key, ...]:
    """A JWKS document -> its usable keys. A key we cannot use (encryption key, weak,
    private, unknown type) is skipped with a warning; a set with none left is an
    error."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise KeySetError(f"{origin}: not a JWKS (an object with a 'keys' list)")
    keys = []
    for position, jwk in enumerate(doc["keys"]):
        try:
            keys.append(key_from_jwk(jwk))
        except KeySetError as exc:
            log.warning("%s: key #%d skipped: %s", origin, position, exc)
    if not keys:
        raise KeySetError(f"{origin}: no usable signing key")
    return tuple(keys)


def _json(data: bytes, origin: str) -> object:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeySetError(f"{origin}: not JSON ({exc})") from None


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise KeySetError(f"cannot read key file {path!r}: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise KeySetError(f"key file {path!r} is larger than {MAX_FILE_BYTES} bytes")
    return data


def _from_document(data: bytes, origin: str) -> tuple[Key, ...]:
    if data.lstrip().startswith(b"-----BEGIN"):
        return (key_from_pem(data),)
    doc = _json(data, origin)
    if isinstance(doc, dict) and "keys" in doc:
        return keys_from_jwks(doc, origin)
    return (key_from_jwk(doc),)


def load_key_source(source: object, *, ttl: float = 300.0, min_refresh_interval: float = 30.0,
                    max_stale: float = 3600.0, timeout: float = 3.0,
                    ) -> StaticKeySet | RemoteKeySet:
    """Whatever `JWTAuth(jwks=...)` was given -> a key source.

    Accepted: an https URL; a path to a JWKS/JWK/PEM file (relative to the working
    directory, which is the package root in Lambda); PEM text; a JWKS or JWK dict;
    a cryptography public key; or a ready StaticKeySet/RemoteKeySet.
    """
    if isinstance(source, StaticKeySet | RemoteKeySet):
        return source
    if isinstance(source, dict):
        if "keys" in source:
            return StaticKeySet(keys_from_jwks(source, "jwks"))
        return StaticKeySet((key_from_jwk(source),))
    if isinstance(source, bytes):
        return StaticKeySet(_from_document(source, "jwks"))
    if isinstance(source, str):
        if source.startswith(("https://", "http://")):
            return RemoteKeySet(source, ttl=ttl, min_refresh_interval=min_refresh_interval,
                                max_stale=max_stale, timeout=timeout)
        if source.lstrip().startswith("-----BEGIN"):
            return StaticKeySet((key_from_pem(source),))
        return StaticKeySet(_from_document(_read_file(source), source))
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
        return StaticKeySet(_from_document(_read_file(str(path)), str(path)))
    import_jwt()
    return StaticKeySet((key_from_object(source),))


def secret_key_set(secret: str | bytes, algorithms: Iterable[str]) -> StaticKeySet:
    """An HMAC secret as a one-key set, long enough for every configured HS algorithm."""
    data = secret.encode() if isinstance(secret, str) else secret
    if not isinstance(data, bytes):
        raise KeySetError("secret must be str or bytes")
    need = max(HMAC_MIN_BYTES[alg] for alg in algorithms)
    if len(data) < need:
        raise KeySetError(f"HMAC secret of {len(data)} bytes; at least {need} required "
                          "for the configured algorithms")
    if b"-----BEGIN" in data or data.lstrip().startswith(b"{"):
        raise KeySetError("the secret looks like a public key or JWK: asymmetric keys go "
                          "in jwks=, never in secret=")
    return StaticKeySet((Key("oct", data),))
