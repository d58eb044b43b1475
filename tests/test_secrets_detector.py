"""The secret detector against a table of realistic fake values.

Fake credentials are built at import time from a seeded generator, prefix apart from
body, so this file holds no string that secret scanners (or people) could take for a
live key.
"""

from __future__ import annotations

import base64
import json
import random
import string

import pytest

from faasguard.model import Ref, Unresolved
from faasguard.secrets import (
    Confidence,
    detect,
    detect_pairs,
    iter_leaves,
    looks_random,
    mask,
    scan_text,
    secret_name_kind,
)

_rng = random.Random(20240601)
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B32 = string.ascii_uppercase + "234567"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


def fake(alphabet: str, n: int, prefix: str = "") -> str:
    """A random body of ``n`` characters after ``prefix``; with a digit and a letter
    when the alphabet has both, as real keys of these lengths do."""
    mixed = any(c.isdigit() for c in alphabet) and any(c.isalpha() for c in alphabet)
    while True:
        body = "".join(_rng.choice(alphabet) for _ in range(n))
        if not mixed or n < 8 or (any(c.isdigit() for c in body)
                                   and any(c.isalpha() for c in body)):
            return prefix + body


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


JWT = ".".join((b64url({"alg": "HS256", "typ": "JWT"}),
                b64url({"sub": "user-8812", "iat": 1717200000, "scope": "orders:write"}),
                fake(URLSAFE, 43)))
PEM = "-----BEGIN " + "RSA PRIVATE KEY-----\n" + fake(B64, 64) + "\n-----END RSA PRIVATE KEY-----"
OPENSSH = "-----BEGIN " + "OPENSSH PRIVATE KEY-----\\n" + fake(B64, 70)
GIT_SHA = fake(HEX, 40)
UUID = "3f2b8c1e-9a4d-4e7f-b2c6-1d8e9f0a3b5c"

# (name, value, kind, minimum confidence)
POSITIVES: list[tuple[str | None, object, str, Confidence]] = [
    ("AWS_ACCESS_KEY_ID", fake(B32, 16, "AK" + "IA"), "aws-access-key-id", Confidence.HIGH),
    ("TEMP_KEY", fake(B32, 16, "AS" + "IA"), "aws-access-key-id", Confidence.HIGH),
    ("AWS_SECRET_ACCESS_KEY", fake(B64, 40), "aws-secret-access-key", Confidence.HIGH),
    ("aws_secret_key", fake(ALNUM, 40), "aws-secret-access-key", Confidence.HIGH),
    ("GH_TOKEN", fake(ALNUM, 36, "gh" + "p_"), "github-token", Confidence.HIGH),
    # what `faasguard tokens issue` prints (faasguard.runtime.tokens)
    ("ORDERS_API_TOKEN", "fg" + "t_" + fake(HEX, 16) + "_" + fake(URLSAFE, 43), "faasguard-token",
     Confidence.HIGH),
    ("OAUTH", fake(ALNUM, 36, "gh" + "o_"), "github-token", Confidence.HIGH),
    ("APP_INSTALL", fake(ALNUM, 36, "gh" + "s_"), "github-token", Confidence.HIGH),
    ("CI_PAT", "github" + "_pat_" + fake(ALNUM, 22) + "_" + fake(ALNUM, 59), "github-token",
     Confidence.HIGH),
    ("SLACK_BOT", "xo" + "xb-" + fake(string.digits, 12) + "-" + fake(string.digits, 13) + "-"
     + fake(ALNUM, 24), "slack-token", Confidence.HIGH),
    ("SLACK_USER", "xo" + "xp-" + fake(string.digits, 11) + "-" + fake(string.digits, 12) + "-"
     + fake(HEX, 32), "slack-token", Confidence.HIGH),
    ("ALERTS_HOOK", "https://hooks.slack.com/services/T" + fake(B32[:26], 8) + "/B"
     + fake(B32[:26], 10) + "/" + fake(ALNUM, 24), "slack-webhook", Confidence.HIGH),
    ("PAYMENTS", fake(ALNUM, 24, "sk" + "_live_"), "stripe-secret-key", Confidence.HIGH),
    ("STRIPE_RESTRICTED", fake(ALNUM, 32, "rk" + "_live_"), "stripe-secret-key",
     Confidence.HIGH),
    ("MAPS", fake(URLSAFE, 35, "AI" + "za"), "google-api-key", Confidence.HIGH),
    ("MAILER", "SG." + fake(URLSAFE, 22) + "." + fake(URLSAFE, 43), "sendgrid-api-key",
     Confidence.HIGH),
    ("NPM_AUTH", fake(ALNUM, 36, "np" + "m_"), "npm-token", Confidence.HIGH),
    ("LLM", "sk-" + fake(ALNUM, 20) + "T3Blbk" + "FJ" + fake(ALNUM, 20), "openai-api-key",
     Confidence.HIGH),
    ("LLM_PROJECT", "sk-proj-" + fake(URLSAFE, 40) + "T3Blbk" + "FJ" + fake(URLSAFE, 40),
     "openai-api-key", Confidence.HIGH),
    ("CLAUDE", "sk-ant-" + "api03-" + fake(URLSAFE, 93), "anthropic-api-key", Confidence.HIGH),
    ("SMS", "S" + "K" + fake(HEX, 32), "twilio-api-key", Confidence.MEDIUM),
    ("SESSION", JWT, "jwt", Confidence.HIGH),
    ("SIGNING", PEM, "private-key", Confidence.HIGH),
    ("DEPLOY", OPENSSH, "private-key", Confidence.HIGH),
    ("DATABASE_URL", "postgres://orders:Vq7-mK2pLr9x@orders-db.internal:5432/orders",
     "url-with-password", Confidence.HIGH),
    ("REDIS_URL", "redis://:Zt8kP4wQn2@cache.internal:6379/0", "url-with-password",
     Confidence.HIGH),
    ("MONGO", "mongodb+srv://app:n0t-s0-s3cret@cluster0.ab1cd.mongodb.net/shop",
     "url-with-password", Confidence.HIGH),
    ("SQLSERVER", "Server=db.internal;Database=shop;User Id=app;Password=Kx9!vQ2#mR;",
     "connection-string-password", Confidence.HIGH),
    ("JDBC", "jdbc:mysql://db.internal:3306/shop?user=app&password=Kx9vQ2mRt",
     "connection-string-password", Confidence.HIGH),
    ("DB_PASSWORD", "Tr1cky-Passw0rd", "password", Confidence.MEDIUM),
    ("DB_PASS", "kafka-bridge-42", "password", Confidence.MEDIUM),
    ("dbPassword", "orders2024!", "password", Confidence.MEDIUM),
    ("MasterUserPassword", "Adm1nAdm1n", "password", Confidence.MEDIUM),
    ("SMTP_PWD", "mail-relay-pw", "password", Confidence.MEDIUM),
    ("ADMIN_PASSWORD", "changeme", "default-password", Confidence.MEDIUM),
    ("RABBIT_PASSWORD", "guest", "default-password", Confidence.MEDIUM),
    ("KEYSTORE_PASS", "changeit", "default-password", Confidence.MEDIUM),
    ("DB_PASSWORD", 123456, "default-password", Confidence.MEDIUM),
    ("SESSION_SECRET", "keyboard cat", "default-secret", Confidence.MEDIUM),
    ("JWT_SECRET", fake(ALNUM, 32), "secret", Confidence.HIGH),
    ("CLIENT_SECRET", fake(URLSAFE, 40), "secret", Confidence.HIGH),
    ("PAYMENT_API_TOKEN", fake(ALNUM, 28), "token", Confidence.HIGH),
    ("GITHUB_TOKEN", fake(HEX, 40), "token", Confidence.HIGH),
    ("TWILIO_AUTH_TOKEN", fake(HEX, 32), "token", Confidence.HIGH),
    ("x-api-key", fake(ALNUM, 30), "api-key", Confidence.HIGH),
    ("apiKey", "partner-portal-key-7", "api-key", Confidence.MEDIUM),
    ("HEROKU_API_KEY", UUID, "api-key", Confidence.MEDIUM),
    ("SECRET_KEY_BASE", fake(HEX, 128), "secret-key", Confidence.HIGH),
    ("ENCRYPTION_KEY", fake(B64, 43) + "=", "secret-key", Confidence.HIGH),
    ("DB_CREDENTIALS", "reporting:R3p0rts!", "credentials", Confidence.MEDIUM),
    ("WEBHOOK_URL", "https://partner.example.net/hooks/in?token=" + fake(ALNUM, 32), "token",
     Confidence.HIGH),
    ("APP_CONFIG", json.dumps({"region": "eu-west-1", "apiToken": fake(ALNUM, 30)}), "token",
     Confidence.HIGH),
    ("SIGNED_URL", "https://b.s3.amazonaws.com/k?X-Amz-Security-Token=" + fake(ALNUM, 60),
     "token", Confidence.HIGH),
]

NEGATIVES: list[tuple[str | None, object]] = [
    ("DB_PASSWORD_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-a1B2c3"),
    ("DB_PASSWORD", "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password"),
    ("DB_PASSWORD", "{{resolve:secretsmanager:prod/db:SecretString:password}}"),
    ("API_TOKEN", "{{resolve:ssm-secure:/shop/api-token:3}}"),
    ("STRIPE_KEY", "${ssm:/shop/prod/stripe-key}"),
    ("SLACK_TOKEN", "${env:SLACK_TOKEN}"),
    ("DB_PASSWORD", "${self:custom.dbPassword}"),
    ("DB_PASSWORD", Unresolved("${ssm:/shop/db-password}", "remote lookup")),
    ("DB_PASSWORD", Ref("DbPassword")),
    ("GIT_SHA", GIT_SHA),
    ("COMMIT", GIT_SHA[:8]),
    ("CODE_SHA256", fake(HEX, 64)),
    ("ASSET_HASH", fake(HEX, 32)),
    ("BUILD_CHECKSUM", fake(HEX, 40)),
    ("PASSWORD_HASH", fake(HEX, 64)),
    ("TENANT_ID", UUID),
    ("REQUEST_NAMESPACE", UUID),
    ("EVENT_ID", "01HZX3K9V8Q2M4N6P7R8S9T0VW"),
    ("ORDERS_API", "https://api.example.com/v1/orders"),
    ("TOKEN_URL", "https://auth.shop.example.com/oauth2/token"),
    ("DATABASE_URL", "postgres://orders@orders-db.internal:5432/orders"),
    ("DATABASE_URL", "postgres://orders:${DB_PASSWORD}@orders-db.internal:5432/orders"),
    ("DATABASE_URL", "postgres://orders:{{resolve:secretsmanager:db}}@db.internal/orders"),
    ("DB_PASSWORD_PARAM", "/shop/prod/db-password"),
    ("SECRET_PATH", "/shop/prod/DB_PASSWORD"),
    ("TEMPLATE_FILE", "./templates/receipt.html"),
    ("PASSWORD_MIN_LENGTH", 12),
    ("TOKEN_TTL", "3600"),
    ("MAX_TOKENS", 4096),
    ("SECRET_ROTATION_DAYS", "30"),
    ("USE_PASSWORD_AUTH", True),
    ("API_KEY_REQUIRED", "true"),
    ("API_KEY_HEADER", "x-api-key"),
    ("SECRET_NAME", "shop/prod/stripe"),
    ("KMS_KEY_ID", "alias/shop-env"),
    ("PUBLIC_KEY", fake(B64, 44)),
    ("STRIPE_PUBLISHABLE_KEY", fake(ALNUM, 24, "pk" + "_live_")),
    ("API_KEY", "your-api-key-here"),
    ("API_KEY", "<api-key>"),
    ("DB_PASSWORD", "xxxxxxxx"),
    ("DB_PASSWORD", "REPLACE_ME"),
    ("ACCESS_KEY", "AKIAIOSFODNN7" + "EXAMPLE"),
    ("DB_PASSWORD", ""),
    ("DB_PASSWORD", "none"),
    ("PASSWORD", "abc"),
    ("LOG_LEVEL", "debug"),
    ("TABLE_NAME", "orders-table-prod-eu-west-1"),
    ("HANDLER", "ProcessOrdersFunctionHandler"),
    ("SUPPORT_EMAIL", "help@shop.example.com"),
    ("RELEASE", "v2.14.3"),
    ("LAUNCH_DATE", "2024-06-01"),
    ("FEATURE_FLAGS_B64", base64.b64encode(b'{"checkout_v2": true, "beta": false}').decode()),
    ("CACHE_BUSTER", fake(ALNUM, 32)),  # random under an ordinary name: LOW only
    ("PASSWORD_HINT", "the name of your first pet"),
    ("TOKENIZER", "cl100k_base"),
    (None, "a plain sentence with words"),
]


@pytest.mark.parametrize(("name", "value", "kind", "confidence"), POSITIVES,
                         ids=[f"{p[0]}-{p[2]}" for p in POSITIVES])
def test_positive(name: str | None, value: object, kind: str, confidence: Confidence) -> None:
    found = detect_pairs([(name, value)]).get(name) if name else detect(name, value)
    assert found is not None, (name, value)
    assert found.kind == kind
    assert found.confidence >= confidence
    text = str(value)
    assert text not in found.masked and text not in found.reason


@pytest.mark.parametrize(("name", "value"), NEGATIVES,
                         ids=[f"{n[0]}-{i}" for i, n in enumerate(NEGATIVES)])
def test_negative(name: str | None, value: object) -> None:
    found = detect(name, value)
    assert found is None or found.confidence < Confidence.MEDIUM, found


def test_table_size() -> None:
    assert len(POSITIVES) >= 40 and len(NEGATIVES) >= 40


def test_random_value_under_ordinary_name_is_only_a_hint() -> None:
    found = detect("CACHE_BUSTER", fake(ALNUM, 32))
    assert found is not None and found.kind == "high-entropy-string"
    assert found.confidence is Confidence.LOW


def test_aws_secret_key_is_recognised_next_to_its_key_id() -> None:
    secret = fake(B64, 40)
    found = detect_pairs([("KEY_A", fake(B32, 16, "AK" + "IA")), ("KEY_B", secret)])
    assert found["KEY_A"].kind == "aws-access-key-id"
    assert found["KEY_B"].kind == "aws-secret-access-key"
    assert detect("KEY_B", secret).confidence is Confidence.LOW  # alone it is just random


def test_equal_secrets_have_equal_fingerprints_and_different_ones_do_not() -> None:
    one, two = detect("A_TOKEN", "value-1-abcdef"), detect("B_TOKEN", "value-1-abcdef")
    other = detect("C_TOKEN", "value-2-abcdef")
    assert one and two and other
    assert one.fingerprint == two.fingerprint != other.fingerprint
    assert "value-1" not in repr(one)


def test_private_keys_differ_by_body_not_header() -> None:
    a = detect("KEY", "-----BEGIN " + "PRIVATE KEY-----\n" + fake(B64, 64))
    b = detect("KEY", "-----BEGIN " + "PRIVATE KEY-----\n" + fake(B64, 64))
    assert a and b and a.fingerprint != b.fingerprint


@pytest.mark.parametrize(("value", "expected"), [
    ("AKIA" + "Q7ZK3M5N2P4R6T8V", "AKIA****(20 chars)"),
    ("hunter22", "hu****(8 chars)"),
    ("abcdef", "a****(6 chars)"),
    ("abc", "****(3 chars)"),
    ("", "****(0 chars)"),
])
def test_mask_shows_at_most_four_characters(value: str, expected: str) -> None:
    assert mask(value) == expected


def test_url_password_is_masked_alone() -> None:
    found = detect("DATABASE_URL", "postgres://orders:Vq7-mK2pLr9x@db.internal:5432/orders")
    assert found is not None
    assert found.masked == mask("Vq7-mK2pLr9x")
    assert found.span == (18, 30)


@pytest.mark.parametrize(("name", "kind"), [
    ("DB_PASSWORD", "password"), ("dbPassword", "password"), ("DB_PASS", "password"),
    ("MasterUserPassword", "password"), ("GITHUB_TOKEN", "token"), ("OAuthToken", "token"),
    ("STRIPE_SECRET_KEY", "secret-key"), ("APIKey", "api-key"), ("x-api-key", "api-key"),
    ("SSH_PRIVATE_KEY", "private-key"), ("DB_CREDENTIALS", "credentials"),
    ("NEXTAUTH_SECRET", "secret"), ("SECRET_KEY_BASE", "secret-key"),
    ("SECRET_ARN", None), ("DB_PASSWORD_SSM_PATH", None), ("TOKEN_TTL", None),
    ("PASSWORD_MIN_LENGTH", None), ("MAX_TOKENS", None), ("PUBLIC_KEY", None),
    ("PARTITION_KEY", None), ("KMS_KEY_ID", None), ("BYPASS_CACHE", None),
    ("TOKENIZER", None), ("SECRETS_MANAGER_ENDPOINT", None), ("PASSWORD_HASH", None),
])
def test_secret_names(name: str, kind: str | None) -> None:
    assert secret_name_kind(name) == kind


def test_entropy_separates_keys_from_words() -> None:
    assert looks_random(fake(ALNUM, 40))
    assert looks_random(fake(HEX, 32))
    for word in ("correcthorsebatterystaple", "ProcessOrdersFunctionHandler",
                 "my-service-production-bucket-2024", "orders-table-prod-eu-west-1"):
        assert not looks_random(word)


def test_scan_text_finds_formats_and_assignments_with_spans() -> None:
    key = fake(ALNUM, 36, "gh" + "p_")
    line = f'client = Github("{key}")  # DB_PASSWORD=Tr1cky-Passw0rd'
    found = scan_text(line)
    assert [d.kind for d in found] == ["github-token", "password"]
    assert line[found[0].span[0]:found[0].span[1]] == key
    assert line[found[1].span[0]:found[1].span[1]] == "Tr1cky-Passw0rd"


def test_scan_text_in_code_ignores_unquoted_right_hand_sides() -> None:
    assert scan_text('password = os.environ["DB_PASSWORD"]', quoted_only=True) == []
    assert scan_text("db_password = load_password()", quoted_only=True) == []
    found = scan_text('db_password = "Tr1cky-Passw0rd"', quoted_only=True)
    assert [d.kind for d in found] == ["password"]


@pytest.mark.parametrize("line", [
    'DB_PASSWORD: ${ssm:/shop/db-password}',
    'password: "{{resolve:secretsmanager:db}}"',
    'commit_sha = "' + GIT_SHA + '"',
    'TENANT_ID=' + UUID,
    'token_url: https://auth.example.com/token',
    'password = getpass()',
])
def test_scan_text_negatives(line: str) -> None:
    assert scan_text(line, quoted_only=line.startswith("password =")) == []


def test_iter_leaves_names_values_by_their_name_field() -> None:
    props = {"Environment": {"EnvironmentVariables": [
        {"Name": "NPM_TOKEN", "Type": "PLAINTEXT", "Value": "abc"}]},
        "SecretString": json.dumps({"username": "app", "password": "p"})}
    leaves = {(leaf.name, leaf.value) for leaf in iter_leaves(props)}
    assert ("NPM_TOKEN", "abc") in leaves
    assert ("password", "p") in leaves


def test_iter_leaves_survives_deep_nesting() -> None:
    data: dict[str, object] = {"password": "Tr1cky-Passw0rd"}
    for _ in range(20_000):
        data = {"level": data}
    assert [leaf.name for leaf in iter_leaves(data)] == ["password"]
