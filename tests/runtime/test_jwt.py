"""JWTAuth: good tokens in, every class of bad token out with its own reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from faasguard.runtime.auth.jwks import KeySetError, RemoteKeySet, import_jwt
from faasguard.runtime.auth.jwt import JWTAuth
from faasguard.runtime.core import REST, Principal, Rejection, Request

ROOT = Path(__file__).resolve().parents[2]
ISS = "https://issuer.example"
AUD = "orders"


# -- keys and tokens -----------------------------------------------------------------

class Keys:
    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.rsa_other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.ed = ed25519.Ed25519PrivateKey.generate()

    def jwk(self, private: object, kid: str, **extra: object) -> dict[str, object]:
        public = private.public_key()  # type: ignore[attr-defined]
        if isinstance(public, rsa.RSAPublicKey):
            data = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(public))
        elif isinstance(public, ec.EllipticCurvePublicKey):
            data = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(public))
        else:
            data = json.loads(pyjwt.algorithms.OKPAlgorithm.to_jwk(public))
        data.update({"kid": kid, "use": "sig", **extra})
        return data

    def jwks(self) -> dict[str, object]:
        return {"keys": [self.jwk(self.rsa, "rsa1", alg="RS256"),
                         self.jwk(self.ec, "ec1"),
                         self.jwk(self.ed, "ed1")]}


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def claims(**changes: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {"sub": "user-1", "iss": ISS, "aud": AUD, "iat": now,
                               "exp": now + 300}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(private: object, alg: str, kid: str | None, body: dict[str, object] | None = None,
         **header: object) -> str:
    headers = dict(header)
    if kid is not None:
        headers["kid"] = kid
    # PyJWS, not jwt.encode: the tests need claims PyJWT would refuse to encode
    payload = json.dumps(body or claims()).encode()
    return pyjwt.PyJWS().encode(payload, private, algorithm=alg,  # type: ignore[arg-type]
                                headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict[str, object], body: dict[str, object], signature: bytes = b"") -> str:
    return ".".join((b64(json.dumps(header).encode()), b64(json.dumps(body).encode()),
                     b64(signature)))


def request(token: str | None, *, scheme: str = "Bearer", header: str = "authorization") -> Request:
    headers = {} if token is None else {header: f"{scheme} {token}".strip()}
    return Request(REST, {}, headers=headers)


def reject(auth: JWTAuth, req: Request) -> Rejection:
    with pytest.raises(Rejection) as caught:
        auth.authenticate(req)
    return caught.value


@pytest.fixture
def auth(keys: Keys) -> JWTAuth:
    return JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS,
                   roles_claim="cognito:groups")


# -- accepted ------------------------------------------------------------------------

@pytest.mark.parametrize(("which", "alg", "kid"), [
    ("rsa", "RS256", "rsa1"), ("ec", "ES256", "ec1"), ("ed", "EdDSA", "ed1")])
def test_good_tokens_give_a_principal(keys: Keys, auth: JWTAuth, which: str, alg: str,
                                      kid: str) -> None:
    body = claims(**{"cognito:groups": ["admin", "ops"], "scope": "orders:read orders:write"})
    principal = auth.authenticate(request(sign(getattr(keys, which), alg, kid, body)))
    assert isinstance(principal, Principal)
    assert principal.id == "user-1"
    assert principal.method == "jwt"
    assert principal.roles == {"admin", "ops"}
    assert principal.scopes == {"orders:read", "orders:write"}
    assert principal.claims["iss"] == ISS


def test_scheme_is_case_insensitive_and_custom_header_without_scheme(keys: Keys) -> None:
    auth = JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS)
    token = sign(keys.rsa, "RS256", "rsa1")
    assert auth.authenticate(request(token, scheme="bearer")).id == "user-1"
    raw = JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS, header="X-Id-Token", scheme=None)
    assert raw.authenticate(request(token, scheme="", header="x-id-token")).id == "user-1"


def test_roles_from_nested_and_namespaced_claims_and_scp_list(keys: Keys) -> None:
    body = claims(realm_access={"roles": ["admin"]}, scp=["a", "b"],
                  **{"https://app.example/roles": ["ns-role"]})
    token = sign(keys.rsa, "RS256", "rsa1", body)
    nested = JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS,
                     roles_claim="realm_access.roles")
    principal = nested.authenticate(request(token))
    assert principal.roles == {"admin"}
    assert principal.scopes == {"a", "b"}
    namespaced = JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS,
                         roles_claim="https://app.example/roles")
    assert namespaced.authenticate(request(token)).roles == {"ns-role"}
    absent = JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS, roles_claim="groups")
    assert absent.authenticate(request(token)).roles == frozenset()


def test_audience_in_a_list_and_one_of_several_issuers(keys: Keys) -> None:
    auth = JWTAuth(jwks=keys.jwks(), audience=["billing", AUD], issuer=["https://x", ISS])
    token = sign(keys.rsa, "RS256", "rsa1", claims(aud=["other", AUD]))
    assert auth.authenticate(request(token)).id == "user-1"


def test_cognito_access_token_audience_from_client_id(keys: Keys) -> None:
    auth = JWTAuth(jwks=keys.jwks(), audience="client-123", issuer=ISS,
                   audience_claim="client_id", expected_claims={"token_use": "access"})
    good = claims(aud=None, client_id="client-123", token_use="access")
    assert auth.authenticate(request(sign(keys.rsa, "RS256", "rsa1", good))).id == "user-1"
    id_token = claims(aud=None, client_id="client-123", token_use="id")
    assert reject(auth, request(sign(keys.rsa, "RS256", "rsa1", id_token))).reason == \
        "jwt.claim_value"
    other = claims(aud=None, client_id="client-999", token_use="access")
    assert reject(auth, request(sign(keys.rsa, "RS256", "rsa1", other))).reason == "jwt.audience"


def test_expiry_within_leeway_is_accepted(keys: Keys, auth: JWTAuth) -> None:
    now = int(time.time())
    token = sign(keys.rsa, "RS256", "rsa1", claims(exp=now - 10, iat=now - 100))
    assert auth.authenticate(request(token)).id == "user-1"
    strict = JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS, leeway=0)
    assert reject(strict, request(token)).reason == "jwt.expired"


# -- refused: algorithm ---------------------------------------------------------------

@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused(auth: JWTAuth, alg: str) -> None:
    token = raw_token({"alg": alg, "typ": "JWT", "kid": "rsa1"}, claims())
    rejection = reject(auth, request(token))
    assert (rejection.status, rejection.audit, rejection.reason) == (401, "auth.failure",
                                                                     "jwt.alg_none")


def test_alg_outside_the_allow_list_is_refused(keys: Keys) -> None:
    auth = JWTAuth(jwks={"keys": [keys.jwk(keys.rsa, "rsa1")]}, audience=AUD, issuer=ISS,
                   algorithms=["RS256"])
    token = sign(keys.rsa, "RS512", "rsa1")  # validly signed, but not an allowed alg
    rejection = reject(auth, request(token))
    assert rejection.reason == "jwt.alg_not_allowed"
    assert rejection.detail["alg"] == "RS512"


def test_hs256_signed_with_the_public_key_is_refused(keys: Keys, auth: JWTAuth) -> None:
    """Algorithm confusion: the attacker signs HS256 with the RSA public key (PEM) as
    the HMAC secret, hoping the verifier feeds that same key to HMAC."""
    pem = keys.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa1"}).encode())
    body = b64(json.dumps(claims()).encode())
    mac = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    token = f"{head}.{body}.{b64(mac)}"
    assert reject(auth, request(token)).reason == "jwt.alg_not_allowed"
    # Even a verifier that lists HS256 next to RS256 cannot be configured.
    with pytest.raises(ValueError, match="mixed"):
        JWTAuth(jwks=pem.decode(), audience=AUD, issuer=ISS, algorithms=["RS256", "HS256"])


def test_key_type_must_fit_the_alg(keys: Keys) -> None:
    auth = JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS,
                   algorithms=["RS256", "PS256", "ES256", "EdDSA"])
    # an EC-signed token that names the RSA key
    token = sign(keys.ec, "ES256", "rsa1")
    assert reject(auth, request(token)).reason == "jwt.alg_key_mismatch"
    # the right RSA key, signed validly with PS256, but the JWK says alg RS256
    token = sign(keys.rsa, "PS256", "rsa1")
    assert reject(auth, request(token)).reason == "jwt.alg_key_mismatch"
    # EdDSA header on the EC key
    token = sign(keys.ed, "EdDSA", "ec1")
    assert reject(auth, request(token)).reason == "jwt.alg_key_mismatch"


def test_ec_curve_must_fit_the_alg(keys: Keys) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    auth = JWTAuth(jwks={"keys": [keys.jwk(p384, "p384")]}, audience=AUD, issuer=ISS,
                   algorithms=["ES256", "ES384"])
    assert auth.authenticate(request(sign(p384, "ES384", "p384"))).id == "user-1"
    head = b64(json.dumps({"alg": "ES256", "kid": "p384"}).encode())
    token = f"{head}.{b64(json.dumps(claims()).encode())}.{b64(b'x' * 64)}"
    assert reject(auth, request(token)).reason == "jwt.alg_key_mismatch"


def test_crit_header_is_refused(keys: Keys, auth: JWTAuth) -> None:
    token = sign(keys.rsa, "RS256", "rsa1", crit=["exp"])
    assert reject(auth, request(token)).reason == "jwt.crit_unsupported"


def test_token_type_checked_when_configured(keys: Keys) -> None:
    auth = JWTAuth(jwks=keys.jwks(), audience=AUD, issuer=ISS, token_types=["at+jwt"])
    assert auth.authenticate(request(sign(keys.rsa, "RS256", "rsa1", typ="application/at+JWT")))
    assert reject(auth, request(sign(keys.rsa, "RS256", "rsa1", typ="JWT"))).reason == "jwt.type"


# -- refused: time and claims ---------------------------------------------------------

@pytest.mark.parametrize(("changes", "reason"), [
    ({"exp": -3600}, "jwt.expired"),
    ({"nbf": 3600}, "jwt.not_yet_valid"),
    ({"iat": 3600}, "jwt.not_yet_valid"),
    ({"iat": "yesterday"}, "jwt.iat"),
    ({"aud": "billing"}, "jwt.audience"),
    ({"aud": ["billing", "shipping"]}, "jwt.audience"),
    ({"iss": "https://evil.example"}, "jwt.issuer"),
    ({"aud": None}, "jwt.claim_missing"),
    ({"iss": None}, "jwt.claim_missing"),
    ({"exp": None}, "jwt.claim_missing"),
    ({"sub": None}, "jwt.claim_missing"),
    ({"sub": ""}, "jwt.subject"),
    ({"sub": 42}, "jwt.subject"),
    ({"iss": ["https://issuer.example"]}, "jwt.issuer"),
    ({"iss": {"a": 1}}, "jwt.issuer"),
    ({"aud": {"orders": 1}}, "jwt.audience"),
])
def test_bad_claims_are_refused(keys: Keys, auth: JWTAuth, changes: dict[str, object],
                                reason: str) -> None:
    now = int(time.time())
    body = claims(**{k: now + v if isinstance(v, int) else v for k, v in changes.items()})
    rejection = reject(auth, request(sign(keys.rsa, "RS256", "rsa1", body)))
    assert rejection.reason == reason
    assert rejection.status == 401


def test_missing_claim_is_named_in_the_detail(keys: Keys, auth: JWTAuth) -> None:
    rejection = reject(auth, request(sign(keys.rsa, "RS256", "rsa1", claims(exp=None))))
    assert rejection.detail["claim"] == "exp"


# -- refused: signature and keys ------------------------------------------------------

def test_forged_signature_is_refused(keys: Keys, auth: JWTAuth) -> None:
    forged = sign(keys.rsa_other, "RS256", "rsa1")  # attacker's key, our kid
    assert reject(auth, request(forged)).reason == "jwt.signature"


def test_tampered_payload_is_refused(keys: Keys, auth: JWTAuth) -> None:
    head, _, signature = sign(keys.rsa, "RS256", "rsa1").split(".")
    body = b64(json.dumps(claims(sub="admin")).encode())
    assert reject(auth, request(f"{head}.{body}.{signature}")).reason == "jwt.signature"


def test_kid_pointing_nowhere_is_refused(keys: Keys, auth: JWTAuth) -> None:
    rejection = reject(auth, request(sign(keys.rsa, "RS256", "nope")))
    assert rejection.reason == "jwt.kid_unknown"
    assert rejection.detail["kid"] == "nope"


def test_missing_kid_with_several_keys_is_refused(keys: Keys, auth: JWTAuth) -> None:
    assert reject(auth, request(sign(keys.rsa, "RS256", None))).reason == "jwt.kid_missing"


def test_missing_kid_with_one_key_is_accepted(keys: Keys) -> None:
    auth = JWTAuth(jwks={"keys": [keys.jwk(keys.rsa, "rsa1")]}, audience=AUD, issuer=ISS)
    assert auth.authenticate(request(sign(keys.rsa, "RS256", None))).id == "user-1"


def test_duplicate_kid_is_ambiguous(keys: Keys) -> None:
    auth = JWTAuth(jwks={"keys": [keys.jwk(keys.rsa, "k"), keys.jwk(keys.rsa_other, "k")]},
                   audience=AUD, issuer=ISS)
    assert reject(auth, request(sign(keys.rsa, "RS256", "k"))).reason == "jwt.kid_ambiguous"


def test_non_string_kid_is_malformed(keys: Keys, auth: JWTAuth) -> None:
    token = raw_token({"alg": "RS256", "kid": 7}, claims(), b"x")
    assert reject(auth, request(token)).reason == "jwt.malformed"


# -- refused: shape -------------------------------------------------------------------

@pytest.mark.parametrize("token", [
    "garbage",
    "a.b",
    "a.b.c",
    "%%%.e30.e30",
    "a.b.c.d.e",
    b64(b"[1, 2]") + ".e30.",
    b64(b"not json") + ".e30.",
    "ëyJ.e30.e30",
    ".e30.e30",
])
def test_garbage_is_malformed(auth: JWTAuth, token: str) -> None:
    assert reject(auth, request(token)).reason == "jwt.malformed"


def test_valid_header_with_garbage_payload_is_malformed(auth: JWTAuth) -> None:
    head = b64(json.dumps({"alg": "RS256", "kid": "rsa1"}).encode())
    assert reject(auth, request(f"{head}.@@@.xyz")).reason == "jwt.malformed"


def test_missing_header_and_wrong_scheme(keys: Keys, auth: JWTAuth) -> None:
    missing = reject(auth, request(None))
    assert missing.reason == "jwt.missing"
    assert missing.headers == {"WWW-Authenticate": "Bearer"}
    token = sign(keys.rsa, "RS256", "rsa1")
    assert reject(auth, request(token, scheme="Basic")).reason == "jwt.scheme"
    assert reject(auth, Request(REST, {}, headers={"authorization": ""})).reason == \
        "jwt.missing"
    assert reject(auth, Request(REST, {}, headers={"authorization": "Bearer"})).reason == \
        "jwt.scheme"


def test_huge_token_is_refused_before_parsing(auth: JWTAuth) -> None:
    rejection = reject(auth, request("a" * 9000))
    assert rejection.reason == "jwt.too_large"
    small = JWTAuth(jwks=auth._source, audience=AUD, issuer=ISS, max_token_bytes=100)
    assert reject(small, request("a" * 101)).reason == "jwt.too_large"


def test_reason_never_reaches_the_caller(keys: Keys, auth: JWTAuth) -> None:
    rejection = reject(auth, request(sign(keys.rsa_other, "RS256", "rsa1")))
    assert rejection.public_message == "Unauthorized"
    assert rejection.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    assert "signature" not in json.dumps(rejection.headers)


def test_attacker_values_are_truncated_in_the_detail(keys: Keys, auth: JWTAuth) -> None:
    rejection = reject(auth, request(sign(keys.rsa, "RS256", "k" * 1000)))
    assert rejection.detail["kid"] == "k" * 64


# -- key sources ----------------------------------------------------------------------

def test_pem_key_and_single_jwk(keys: Keys) -> None:
    pem = keys.ec.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    token = sign(keys.ec, "ES256", "whatever")
    for source in (pem, pem.decode(), keys.ec.public_key(), keys.jwk(keys.ec, "whatever")):
        auth = JWTAuth(jwks=source, audience=AUD, issuer=ISS)
        assert auth.authenticate(request(token)).id == "user-1"
    single = JWTAuth(jwks=keys.jwk(keys.ec, "ec1"), audience=AUD, issuer=ISS)
    assert reject(single, request(token)).reason == "jwt.kid_unknown"


def test_jwks_file_and_pem_file(keys: Keys, tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys.jwks()))
    token = sign(keys.ed, "EdDSA", "ed1")
    for source in (str(path), path):
        assert JWTAuth(jwks=source, audience=AUD, issuer=ISS).authenticate(request(token))
    pem = tmp_path / "key.pem"
    pem.write_bytes(keys.ed.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    assert JWTAuth(jwks=str(pem), audience=AUD, issuer=ISS).authenticate(request(token))


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda k, jwk: jwk.update(d="AAAA"), "private"),
    (lambda k, jwk: jwk.update(use="enc"), "use"),
    (lambda k, jwk: jwk.update(alg="ES256"), "does not fit"),
    (lambda k, jwk: jwk.update(alg="none"), "unsupported key algorithm"),
    (lambda k, jwk: jwk.update(kty="oct"), "symmetric"),
    (lambda k, jwk: jwk.update(key_ops=["encrypt"]), "key_ops"),
])
def test_unusable_single_jwk_is_a_configuration_error(keys: Keys, mutate: object,
                                                      message: str) -> None:
    jwk = keys.jwk(keys.rsa, "rsa1")
    mutate(keys, jwk)  # type: ignore[operator]
    with pytest.raises(KeySetError, match=message):
        JWTAuth(jwks=jwk, audience=AUD, issuer=ISS)


def test_unusable_keys_in_a_set_are_skipped(keys: Keys, caplog: pytest.LogCaptureFixture) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    enc = keys.jwk(keys.rsa_other, "enc1", use="enc")
    jwks = {"keys": [keys.jwk(weak, "weak"), enc, {"kty": "oct", "k": "c2VjcmV0"},
                     keys.jwk(keys.rsa, "rsa1")]}
    auth = JWTAuth(jwks=jwks, audience=AUD, issuer=ISS)
    assert auth.authenticate(request(sign(keys.rsa, "RS256", "rsa1")))
    assert reject(auth, request(sign(weak, "RS256", "weak"))).reason == "jwt.kid_unknown"
    assert "2048" in caplog.text
    with pytest.raises(KeySetError, match="no usable"):
        JWTAuth(jwks={"keys": [enc]}, audience=AUD, issuer=ISS)


def test_private_pem_is_refused(keys: Keys) -> None:
    pem = keys.rsa.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    with pytest.raises(KeySetError, match="private key"):
        JWTAuth(jwks=pem, audience=AUD, issuer=ISS)
    with pytest.raises(KeySetError, match="private"):
        JWTAuth(jwks=keys.rsa, audience=AUD, issuer=ISS)


def test_hmac_secret_mode(keys: Keys) -> None:
    secret = os.urandom(32)
    auth = JWTAuth(secret=secret, algorithms=["HS256"], audience=AUD, issuer=ISS)
    assert auth.authenticate(request(sign(secret, "HS256", None))).id == "user-1"
    assert reject(auth, request(sign(os.urandom(32), "HS256", None))).reason == "jwt.signature"
    assert reject(auth, request(sign(keys.rsa, "RS256", None))).reason == "jwt.alg_not_allowed"


@pytest.mark.parametrize(("options", "message"), [
    ({"algorithms": ["none"]}, "none"),
    ({"algorithms": ["RS256", "none"]}, "none"),
    ({"algorithms": ["XS999"]}, "unsupported"),
    ({"algorithms": []}, "at least one"),
    ({"algorithms": ["HS256"]}, "secret"),
    ({"algorithms": ["HS256"], "secret": "x" * 16, "jwks": None}, "at least 32"),
    ({"algorithms": ["HS512"], "secret": "x" * 48, "jwks": None}, "at least 64"),
    ({"algorithms": ["HS256"], "secret": "-----BEGIN PUBLIC KEY-----" + "x" * 32,
      "jwks": None}, "public key"),
    ({"secret": "x" * 64}, "only for HS"),
    ({"jwks": None}, "jwks= is required"),
    ({"leeway": -1}, "leeway"),
    ({"audience": ""}, "audience"),
])
def test_bad_configuration_is_refused(keys: Keys, options: dict[str, object],
                                      message: str) -> None:
    arguments: dict[str, object] = {"jwks": keys.jwks(), "audience": AUD, "issuer": ISS}
    arguments.update(options)
    with pytest.raises(ValueError, match=message):
        JWTAuth(**arguments)  # type: ignore[arg-type]


def test_audience_and_issuer_must_be_spelled_out(keys: Keys) -> None:
    with pytest.raises(TypeError):
        JWTAuth(jwks=keys.jwks(), issuer=ISS)  # type: ignore[call-arg]
    # explicit None skips the check knowingly
    auth = JWTAuth(jwks=keys.jwks(), audience=None, issuer=None)
    token = sign(keys.rsa, "RS256", "rsa1", claims(aud="anything", iss=None))
    assert auth.authenticate(request(token)).id == "user-1"


def test_missing_pyjwt_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jwt", None)
    with pytest.raises(ImportError, match=r"faasguard-runtime\[jwt\]"):
        import_jwt()


def test_importing_auth_loads_neither_pyjwt_nor_cryptography() -> None:
    code = ("import sys\n"
            "import faasguard.runtime.auth as auth\n"
            "auth.JWTAuth; auth.ApiKeyAuth; auth.GatewayAuth; auth.authorize\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('jwt', 'cryptography', 'urllib', 'threading', 'typing', 'dataclasses'))\n"
            "print(','.join(heavy))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "runtime" / "src")}
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.strip()
    assert out == ""


# -- JWKS over HTTP -------------------------------------------------------------------

class JwksServer:
    """A JWKS endpoint on 127.0.0.1 whose answer, status and size the test controls."""

    def __init__(self) -> None:
        self.document: bytes = b'{"keys": []}'
        self.status = 200
        self.redirect: str | None = None
        self.send_length = True
        self.length: int | None = None
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                if server.redirect and self.path == "/jwks.json":
                    self.send_response(302)
                    self.send_header("Location", server.redirect)
                    self.end_headers()
                    return
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                if server.send_length:
                    self.send_header("Content-Length",
                                     str(server.length or len(server.document)))
                self.end_headers()
                self.wfile.write(server.document)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, document: object) -> None:
        self.document = json.dumps(document).encode()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[JwksServer]:
    running = JwksServer()
    yield running
    running.close()


def remote_auth(url: str, clock: Clock, *, ttl: float = 300, min_refresh_interval: float = 30,
                max_stale: float = 3600) -> tuple[JWTAuth, RemoteKeySet]:
    keyset = RemoteKeySet(url, clock=clock, ttl=ttl, min_refresh_interval=min_refresh_interval,
                          max_stale=max_stale)
    return JWTAuth(jwks=keyset, audience=AUD, issuer=ISS), keyset


def test_jwks_url_is_fetched_lazily_and_cached(keys: Keys, server: JwksServer) -> None:
    server.serve(keys.jwks())
    clock = Clock()
    auth, _ = remote_auth(server.url, clock, ttl=300)
    assert server.hits == 0  # nothing fetched at construction
    token = sign(keys.rsa, "RS256", "rsa1")
    for _ in range(5):
        assert auth.authenticate(request(token)).id == "user-1"
    assert server.hits == 1
    clock.now += 200  # within the TTL: still cached
    assert auth.authenticate(request(token))
    assert server.hits == 1
    clock.now += 101  # past the TTL: fetched again
    assert auth.authenticate(request(token))
    assert server.hits == 2


def test_jwks_url_string_builds_a_remote_set(keys: Keys, server: JwksServer) -> None:
    server.serve(keys.jwks())
    auth = JWTAuth(jwks=server.url, audience=AUD, issuer=ISS)
    assert auth.authenticate(request(sign(keys.ec, "ES256", "ec1"))).id == "user-1"
    assert server.hits == 1


def test_unknown_kid_refresh_is_rate_limited(keys: Keys, server: JwksServer) -> None:
    server.serve(keys.jwks())
    clock = Clock()
    auth, _ = remote_auth(server.url, clock, ttl=300, min_refresh_interval=30)
    assert auth.authenticate(request(sign(keys.rsa, "RS256", "rsa1")))
    assert server.hits == 1
    clock.now += 31
    # a flood of made-up kids costs at most one fetch per interval
    for number in range(50):
        assert reject(auth, request(sign(keys.rsa, "RS256", f"made-up-{number}"))).reason == \
            "jwt.kid_unknown"
    assert server.hits == 2
    clock.now += 31
    assert reject(auth, request(sign(keys.rsa, "RS256", "made-up"))).reason == "jwt.kid_unknown"
    assert server.hits == 3


def test_rotated_key_is_picked_up_on_unknown_kid(keys: Keys, server: JwksServer) -> None:
    server.serve({"keys": [keys.jwk(keys.rsa, "old")]})
    clock = Clock()
    auth, _ = remote_auth(server.url, clock, ttl=3600, min_refresh_interval=30)
    assert auth.authenticate(request(sign(keys.rsa, "RS256", "old")))
    server.serve({"keys": [keys.jwk(keys.rsa, "old"), keys.jwk(keys.rsa_other, "new")]})
    clock.now += 31
    assert auth.authenticate(request(sign(keys.rsa_other, "RS256", "new"))).id == "user-1"
    assert server.hits == 2


def test_stale_keys_serve_while_refresh_fails(keys: Keys, server: JwksServer) -> None:
    server.serve(keys.jwks())
    clock = Clock()
    auth, _ = remote_auth(server.url, clock, ttl=300, max_stale=600,
                          min_refresh_interval=30)
    token = sign(keys.rsa, "RS256", "rsa1")
    assert auth.authenticate(request(token))
    server.status = 500
    clock.now += 400  # expired, refresh fails: the stale set still serves
    assert auth.authenticate(request(token)).id == "user-1"
    assert server.hits == 2
    assert auth.authenticate(request(token))  # and retries are rate limited
    assert server.hits == 2
    clock.now += 600  # beyond max_stale: refuse rather than trust old keys forever
    rejection = reject(auth, request(token))
    assert (rejection.status, rejection.reason) == (503, "jwks.unavailable")
    server.status = 200
    clock.now += 31
    assert auth.authenticate(request(token)).id == "user-1"


def test_unreachable_jwks_is_503_not_a_crash(keys: Keys, server: JwksServer) -> None:
    clock = Clock()
    server.status = 404
    auth, keyset = remote_auth(server.url, clock)
    token = sign(keys.rsa, "RS256", "rsa1")
    rejection = reject(auth, request(token))
    assert (rejection.status, rejection.audit, rejection.reason) == \
        (503, "auth.failure", "jwks.unavailable")
    assert reject(auth, request(token)).status == 503
    assert keyset.fetches == 1  # the failed fetch is not retried on every call


@pytest.mark.parametrize("bad", ["garbage", "too big", "too big, no length", "no keys",
                                 "redirect"])
def test_bad_jwks_answers_are_refused(keys: Keys, server: JwksServer, bad: str,
                                      caplog: pytest.LogCaptureFixture) -> None:
    if bad == "garbage":
        server.document = b"<html>not json</html>"
    elif bad.startswith("too big"):
        server.serve({"keys": [keys.jwk(keys.rsa, "rsa1")], "pad": "x" * 300_000})
        server.send_length = bad == "too big"
        caplog.set_level("WARNING", "faasguard.runtime.auth")
    elif bad == "no keys":
        server.serve({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})
    else:
        server.serve(keys.jwks())
        port = server.httpd.server_address[1]
        server.redirect = f"http://localhost:{port}/elsewhere"
    auth, _ = remote_auth(server.url, Clock())
    assert reject(auth, request(sign(keys.rsa, "RS256", "rsa1"))).reason == "jwks.unavailable"
    if bad.startswith("too big"):
        assert "larger than" in caplog.text


def test_advertised_size_over_the_bound_is_not_read(keys: Keys, server: JwksServer) -> None:
    server.serve(keys.jwks())
    server.length = 10_000_000  # the body is small; the announced length alone refuses it
    auth, _ = remote_auth(server.url, Clock())
    assert reject(auth, request(sign(keys.rsa, "RS256", "rsa1"))).reason == "jwks.unavailable"


def test_redirect_within_the_same_origin_is_followed(keys: Keys, server: JwksServer) -> None:
    server.serve(keys.jwks())
    server.redirect = server.url.replace("/jwks.json", "/moved.json")
    auth, _ = remote_auth(server.url, Clock())
    assert auth.authenticate(request(sign(keys.rsa, "RS256", "rsa1"))).id == "user-1"
    assert server.hits == 2


def test_plain_http_jwks_url_is_refused() -> None:
    with pytest.raises(KeySetError, match="https"):
        RemoteKeySet("http://issuer.example/jwks.json")
    with pytest.raises(KeySetError, match="https"):
        RemoteKeySet("file:///etc/passwd")
