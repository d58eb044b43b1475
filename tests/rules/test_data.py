"""Data protection rules (B1, B2, B4) against model objects built by hand."""

from __future__ import annotations

from typing import Any

import pytest

from faasguard.config import Config, ConfigError, parse_config
from faasguard.model import (
    Api,
    App,
    Bucket,
    Function,
    Key,
    Location,
    LogGroup,
    Policy,
    Queue,
    Ref,
    Resource,
    Secret,
    Statement,
    Table,
    Topic,
    Unresolved,
)
from faasguard.model.values import Interpolated
from faasguard.rules import Hit, Rule
from faasguard.rules import data as rules
from faasguard.rules.registry import Context

FILE = "template.yaml"
UNRESOLVED = Unresolved("!ImportValue Shared", "import")


def loc(line: int) -> Location:
    return Location(FILE, line)


def app_of(*resources: Resource, functions: tuple[Function, ...] = (),
           apis: tuple[Api, ...] = ()) -> App:
    return App(name="stack", source=Location(FILE), format="cloudformation",
               functions=functions, resources={r.id: r for r in resources},
               apis={a.id: a for a in apis})


def run(rule: Rule, app: App, config: Config | None = None) -> list[Hit]:
    return list(rule(app, Context(config=config or Config(), root=".")))


def ids(hits: list[Hit]) -> list[str]:
    return [h.subject.id for h in hits]


def bucket(rid: str = "Data", **fields: Any) -> Bucket:
    fields.setdefault("loc", loc(10))
    return Bucket(id=rid, type="AWS::S3::Bucket", **fields)


def stmt(effect: str = "Allow", line: int = 40, **fields: Any) -> Statement:
    return Statement(effect=effect, loc=loc(line), **fields)


def with_policy(*statements: Statement, **fields: Any) -> Bucket:
    return bucket(policy=Policy("DataPolicy", loc(30), statements=statements), **fields)


EVERYONE = {"*": ("*",)}
TLS_DENY = stmt("Deny", principals=EVERYONE, actions=("s3:*",),
                resources=(Ref("Data", "Arn"), Interpolated("${Data.Arn}/*", (Ref("Data", "Arn"),))),
                conditions={"Bool": {"aws:SecureTransport": "false"}})
ALL_FLAGS = {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
             "RestrictPublicBuckets": True}


# --- B1 ----------------------------------------------------------------------------------


def test_bucket_without_encryption_is_reported_low_with_the_s3_default_named() -> None:
    hits = run(rules.bucket_encryption_unset, app_of(bucket(), bucket("Kms", encryption="aws:kms"),
                                                     bucket("Sse", encryption="AES256")))
    assert ids(hits) == ["Data"]
    assert "SSE-S3" in hits[0].message and "January 2023" in hits[0].message
    assert hits[0].location == loc(10)
    assert rules.bucket_encryption_unset.severity.value == "low"


def test_bucket_with_unresolved_encryption_or_generated_is_silent() -> None:
    app = app_of(bucket(encryption=UNRESOLVED),
                 bucket("ServerlessDeploymentBucket", generated=True))
    assert run(rules.bucket_encryption_unset, app) == []


def test_require_kms_reports_sse_s3_and_the_default_but_only_when_configured() -> None:
    app = app_of(bucket("Plain", encryption="AES256", lines={"encryption": 14}),
                 bucket("Unset"), bucket("Kms", encryption="aws:kms"),
                 bucket("Dsse", encryption="aws:kms:dsse"), bucket("Odd", encryption=UNRESOLVED))
    assert run(rules.bucket_not_kms, app) == []
    hits = run(rules.bucket_not_kms, app, Config(require_kms=True))
    assert ids(hits) == ["Plain", "Unset"]
    assert hits[0].location == loc(14)


@pytest.mark.parametrize(("sse", "key", "expected"), [
    (None, None, "AWS owned key"),
    (False, None, "AWS owned key"),
    (True, None, "aws/dynamodb"),
    (True, "alias/aws/dynamodb", "aws/dynamodb"),
    (True, "arn:aws:kms:eu-west-1:111122223333:alias/aws/dynamodb", "aws/dynamodb"),
])
def test_table_without_customer_key(sse: bool | None, key: Any, expected: str) -> None:
    table = Table(id="Orders", loc=loc(5), sse_enabled=sse, kms_key=key)
    hits = run(rules.table_without_customer_key, app_of(table))
    assert len(hits) == 1 and expected in hits[0].message


@pytest.mark.parametrize("key", [Ref("DataKey"), Ref("DataKey", "Arn"), UNRESOLVED,
                                 "alias/orders", "1234abcd-12ab-34cd-56ef-1234567890ab"])
def test_table_with_a_customer_or_unknown_key_is_silent(key: Any) -> None:
    table = Table(id="Orders", loc=loc(5), sse_enabled=True, kms_key=key)
    assert run(rules.table_without_customer_key, app_of(table)) == []


def test_table_with_unresolved_sse_flag_is_silent() -> None:
    table = Table(id="Orders", loc=loc(5), sse_enabled=UNRESOLVED)  # type: ignore[arg-type]
    assert run(rules.table_without_customer_key, app_of(table)) == []


def test_queue_encryption_off_and_unset_are_separate_rules() -> None:
    app = app_of(
        Queue(id="Off", loc=loc(1), sqs_managed_sse=False, lines={"sqs_managed_sse": 3}),
        Queue(id="Unset", loc=loc(5)),
        Queue(id="Managed", loc=loc(9), sqs_managed_sse=True),
        Queue(id="Kms", loc=loc(12), kms_key="alias/aws/sqs"),
        Queue(id="OffButKms", loc=loc(15), sqs_managed_sse=False, kms_key=Ref("Key")),
        Queue(id="Unknown", loc=loc(18), sqs_managed_sse=UNRESOLVED),  # type: ignore[arg-type]
    )
    off = run(rules.queue_encryption_off, app)
    assert ids(off) == ["Off"] and off[0].location == loc(3)
    unset = run(rules.queue_encryption_unset, app)
    assert ids(unset) == ["Unset"]
    assert "late 2022" in unset[0].message
    assert rules.queue_encryption_off.severity.value == "medium"
    assert rules.queue_encryption_unset.severity.value == "low"


def test_topic_log_group_and_secret_keys() -> None:
    app = app_of(
        Topic(id="Events", loc=loc(1)), Topic(id="Sealed", loc=loc(2), kms_key="alias/aws/sns"),
        LogGroup(id="Logs", loc=loc(3)), LogGroup(id="KeyedLogs", loc=loc(4), kms_key=Ref("K")),
        LogGroup(id="FrameworkLogs", loc=loc(5), generated=True),
        Secret(id="Default", loc=loc(6)),
        Secret(id="Named", loc=loc(7), kms_key="alias/aws/secretsmanager",
               lines={"kms_key": 8}),
        Secret(id="Custom", loc=loc(9), kms_key=Ref("SecretsKey", "Arn")),
        Secret(id="Imported", loc=loc(10), kms_key=UNRESOLVED),
    )
    assert ids(run(rules.topic_unencrypted, app)) == ["Events"]
    # framework-made log groups count too: the Framework never sets a key on them
    assert ids(run(rules.log_group_without_key, app)) == ["Logs", "FrameworkLogs"]
    secrets = run(rules.secret_without_customer_key, app)
    assert ids(secrets) == ["Default", "Named"]
    assert secrets[1].location == loc(8)


@pytest.mark.parametrize(("fields", "reported"), [
    ({}, True),
    ({"rotation": False}, True),
    ({"key_spec": "SYMMETRIC_DEFAULT"}, True),
    ({"origin": "AWS_KMS"}, True),
    ({"rotation": True}, False),
    ({"rotation": UNRESOLVED}, False),
    ({"key_spec": "RSA_2048"}, False),
    ({"key_spec": "ECC_NIST_P256"}, False),
    ({"key_spec": "HMAC_256"}, False),
    ({"key_spec": UNRESOLVED}, False),
    ({"origin": "EXTERNAL"}, False),
    ({"origin": UNRESOLVED}, False),
])
def test_key_rotation(fields: dict[str, Any], reported: bool) -> None:
    key = Key(id="DataKey", loc=loc(1), **fields)
    assert bool(run(rules.key_rotation_off, app_of(key))) is reported


# --- B4 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("acl", "rule"), [
    ("PublicRead", rules.bucket_public_read),
    ("AuthenticatedRead", rules.bucket_public_read),
    ("public-read", rules.bucket_public_read),
    ("PublicReadWrite", rules.bucket_public_write),
])
def test_public_canned_acls(acl: str, rule: Rule) -> None:
    hits = run(rule, app_of(bucket(acl=acl, lines={"acl": 12})))
    assert len(hits) == 1 and hits[0].location == loc(12) and acl in hits[0].message


def test_private_acls_and_acls_the_block_ignores_are_silent() -> None:
    app = app_of(bucket("A", acl="Private"), bucket("B", acl="LogDeliveryWrite"),
                 bucket("C", acl="PublicRead", public_access_block={"IgnorePublicAcls": True}),
                 bucket("D", acl=UNRESOLVED))
    assert run(rules.bucket_public_read, app) == []
    assert run(rules.bucket_public_write, app) == []


def test_public_read_policy_points_at_the_statement() -> None:
    read = stmt(principals=EVERYONE, actions=("s3:GetObject",),
                resources=(Interpolated("${Data.Arn}/*", (Ref("Data", "Arn"),)),), line=44)
    hits = run(rules.bucket_public_read, app_of(with_policy(read)))
    assert len(hits) == 1 and hits[0].location == loc(44)
    assert hits[0].subject.id == "Data" and "s3:GetObject" in hits[0].message
    assert run(rules.bucket_public_write, app_of(with_policy(read))) == []


@pytest.mark.parametrize("actions", [("s3:*",), ("*",), ("s3:Put*",), ("s3:PutObject",)])
def test_public_write_policy_is_reported_once_by_the_write_rule(actions: tuple[str, ...]) -> None:
    app = app_of(with_policy(stmt(principals={"AWS": ("*",)}, actions=actions)))
    assert len(run(rules.bucket_public_write, app)) == 1
    assert run(rules.bucket_public_read, app) == []


def test_not_action_allow_to_everyone_is_public_write() -> None:
    app = app_of(with_policy(stmt(principals=EVERYONE, not_actions=("s3:DeleteBucket",))))
    hits = run(rules.bucket_public_write, app)
    assert len(hits) == 1 and "every action but s3:DeleteBucket" in hits[0].message


@pytest.mark.parametrize("conditions", [
    {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    {"ArnEquals": {"aws:SourceArn": Ref("Distribution")}},
])
def test_allow_narrowed_to_fixed_callers_is_not_public(conditions: dict[str, Any]) -> None:
    app = app_of(with_policy(stmt(principals=EVERYONE, actions=("s3:GetObject",),
                                  conditions=conditions)))
    assert run(rules.bucket_public_read, app) == []


@pytest.mark.parametrize("conditions", [
    {"StringLike": {"aws:Referer": "https://example.com/*"}},
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    {"StringLike": {"aws:PrincipalOrgID": "*"}},
    {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}},
    {"Bool": {"aws:SecureTransport": "true"}},
])
def test_conditions_that_do_not_fix_the_caller_stay_public(conditions: dict[str, Any]) -> None:
    app = app_of(with_policy(stmt(principals=EVERYONE, actions=("s3:GetObject",),
                                  conditions=conditions)))
    assert len(run(rules.bucket_public_read, app)) == 1


def test_unresolved_condition_or_principal_is_silent() -> None:
    app = app_of(
        with_policy(stmt(principals=EVERYONE, actions=("s3:GetObject",),
                         conditions={"StringEquals": {"aws:SourceVpce": UNRESOLVED}})),
        bucket("Other", policy=Policy("P", loc(50), statements=(
            stmt(principals={"?": (UNRESOLVED,)}, actions=("s3:GetObject",)),))))
    assert run(rules.bucket_public_read, app) == []


def test_deny_unless_from_vpc_fences_an_allow_to_everyone() -> None:
    allow = stmt(principals=EVERYONE, actions=("s3:GetObject",))
    fence = stmt("Deny", principals=EVERYONE, actions=("s3:*",),
                 conditions={"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
    tls = stmt("Deny", principals=EVERYONE, actions=("s3:*",),
               conditions={"Bool": {"aws:SecureTransport": "false"}})
    assert run(rules.bucket_public_read, app_of(with_policy(allow, fence))) == []
    assert len(run(rules.bucket_public_read, app_of(with_policy(allow, tls)))) == 1


def test_public_policy_neutralised_by_the_bucket_block_is_silent() -> None:
    allow = stmt(principals=EVERYONE, actions=("s3:GetObject",))
    blocked = with_policy(allow, public_access_block={"RestrictPublicBuckets": "true"})
    assert run(rules.bucket_public_read, app_of(blocked)) == []
    # a block that keeps the policy flags off does not help
    open_block = with_policy(allow, public_access_block={"BlockPublicAcls": True})
    assert len(run(rules.bucket_public_read, app_of(open_block))) == 1


def test_specific_principals_are_not_public() -> None:
    app = app_of(with_policy(
        stmt(principals={"Service": ("cloudfront.amazonaws.com",)}, actions=("s3:GetObject",)),
        stmt(principals={"AWS": ("arn:aws:iam::111122223333:root",)}, actions=("s3:*",))))
    assert run(rules.bucket_public_read, app) == []
    assert run(rules.bucket_public_write, app) == []


def test_public_access_block_weakened_and_missing() -> None:
    app = app_of(
        bucket("Full", public_access_block=ALL_FLAGS),
        bucket("Strings", public_access_block={k: "true" for k in ALL_FLAGS}),
        bucket("Partial", public_access_block={"BlockPublicAcls": True, "IgnorePublicAcls": True},
               lines={"public_access_block": 22}),
        bucket("Off", public_access_block={**ALL_FLAGS, "BlockPublicPolicy": False}),
        bucket("Unknown", public_access_block={**ALL_FLAGS, "BlockPublicPolicy": UNRESOLVED}),
        bucket("Missing"),
        bucket("ServerlessDeploymentBucket", generated=True),
    )
    weakened = run(rules.bucket_block_weakened, app)
    assert ids(weakened) == ["Partial", "Off"]
    assert "BlockPublicPolicy, RestrictPublicBuckets" in weakened[0].message
    assert weakened[0].location == loc(22)
    assert ids(run(rules.bucket_block_missing, app)) == ["Missing"]
    assert rules.bucket_block_weakened.severity.rank > rules.bucket_block_missing.severity.rank


def test_versioning_off_or_suspended() -> None:
    app = app_of(bucket("None"), bucket("Suspended", versioning=False),
                 bucket("On", versioning=True),
                 bucket("Unknown", versioning=UNRESOLVED))  # type: ignore[arg-type]
    hits = run(rules.bucket_versioning_off, app)
    assert ids(hits) == ["None", "Suspended"] and "suspends" in hits[1].message


def test_pitr() -> None:
    app = app_of(Table(id="Orders", loc=loc(1)),
                 Table(id="Off", loc=loc(2), pitr=False, lines={"pitr": 3}),
                 Table(id="On", loc=loc(4), pitr=True),
                 Table(id="Simple", loc=loc(5), type="AWS::Serverless::SimpleTable"),
                 Table(id="Unknown", loc=loc(6), pitr=UNRESOLVED))  # type: ignore[arg-type]
    hits = run(rules.table_without_pitr, app)
    assert ids(hits) == ["Orders", "Off", "Simple"]
    assert hits[1].location == loc(3)
    assert "SimpleTable" in hits[2].message


# --- B2 ----------------------------------------------------------------------------------


def test_tls_only_policy_with_refs_satisfies_the_rule() -> None:
    assert run(rules.bucket_not_tls_only, app_of(with_policy(TLS_DENY))) == []


def test_tls_only_with_literal_arns_and_wildcards() -> None:
    literal = stmt("Deny", principals={"AWS": ("*",)}, actions=("*",),
                   resources=("arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"),
                   conditions={"Bool": {"aws:SecureTransport": False}})
    prefix = stmt("Deny", principals=EVERYONE, actions=("s3:*",),
                  resources=("arn:aws:s3:::acme-data*",),
                  conditions={"BoolIfExists": {"aws:SecureTransport": ["false"]}})
    sub = stmt("Deny", principals=EVERYONE, actions=("s3:*",),
               resources=(Interpolated("arn:${AWS::Partition}:s3:::${Data}", (Ref("Data"),)),
                          Interpolated("arn:${AWS::Partition}:s3:::${Data}/*", (Ref("Data"),))),
               conditions={"Bool": {"aws:SecureTransport": "false"}})
    for deny in (literal, prefix, sub):
        assert run(rules.bucket_not_tls_only,
                   app_of(with_policy(deny, name="acme-data"))) == [], deny


def test_missing_or_partial_tls_policies_are_reported() -> None:
    objects_only = stmt("Deny", principals=EVERYONE, actions=("s3:*",),
                        resources=(Interpolated("${Data.Arn}/*", (Ref("Data", "Arn"),)),),
                        conditions={"Bool": {"aws:SecureTransport": "false"}})
    get_only = stmt("Deny", principals=EVERYONE, actions=("s3:GetObject",),
                    resources=(Ref("GetOnly", "Arn"),
                               Interpolated("${GetOnly.Arn}/*", (Ref("GetOnly", "Arn"),))),
                    conditions={"Bool": {"aws:SecureTransport": "false"}})
    other_bucket = stmt("Deny", principals=EVERYONE, actions=("s3:*",),
                        resources=(Ref("Logs", "Arn"), "arn:aws:s3:::logs/*"),
                        conditions={"Bool": {"aws:SecureTransport": "false"}})
    app = app_of(bucket("None"), with_policy(objects_only),
                 bucket("GetOnly", policy=Policy("P", loc(1), statements=(get_only,))),
                 bucket("Other", policy=Policy("P", loc(2), statements=(other_bucket,))))
    hits = run(rules.bucket_not_tls_only, app)
    assert sorted(ids(hits)) == ["Data", "GetOnly", "None", "Other"]
    assert "no bucket policy" in next(h for h in hits if h.subject.id == "None").message


def test_tls_policy_that_cannot_be_read_is_silent() -> None:
    unresolved_resource = stmt("Deny", principals=EVERYONE, actions=("s3:*",),
                               resources=(UNRESOLVED,),
                               conditions={"Bool": {"aws:SecureTransport": "false"}})
    app = app_of(with_policy(unresolved_resource),
                 bucket("Opaque", policy=Policy("P", loc(3), statements=())))
    assert run(rules.bucket_not_tls_only, app) == []


@pytest.mark.parametrize(("policy", "reported"), [
    ("TLS_1_0", True), ("tls_1_0", True), ("TLS-1-0", True), ("TLS_1_2", False),
    ("SecurityPolicy_TLS13_1_3_2025_09", False), ("SecurityPolicy_TLS13_1_2_2021_06", False),
    ("SecurityPolicy_TLS12_1_0_2019_01", True), ("SecurityPolicy_TLS13_2025_EDGE", False),
])
def test_api_domain_tls(policy: str, reported: bool) -> None:
    api = Api(id="Api", loc=loc(1), min_tls=policy, lines={"min_tls": 7})
    hits = run(rules.api_domain_old_tls, app_of(apis=(api,)))
    assert bool(hits) is reported
    if hits:
        assert hits[0].location == loc(7) and hits[0].subject.kind == "api"


def test_api_without_custom_domain_is_silent() -> None:
    assert run(rules.api_domain_old_tls, app_of(apis=(Api(id="Api", loc=loc(1)),))) == []


def fn_with(env: dict[str, Any]) -> Function:
    return Function(id="Orders", name="orders", loc=Location("serverless.yml", 20),
                    environment=env,
                    env_lines={name: 30 + i for i, name in enumerate(env)})


def test_plain_http_env_vars_point_at_their_line_without_credentials() -> None:
    fn = fn_with({"TABLE": "orders", "PAYMENTS_URL": "http://svc:s3cret@payments.example.com/v1",
                  "INTERNAL": Interpolated("http://${Alb.DNSName}/api", (Ref("Alb", "DNSName"),)),
                  "HTTPS": "https://api.example.com"})
    hits = run(rules.env_plain_http, app_of(functions=(fn,)))
    assert [h.detail for h in hits] == ["PAYMENTS_URL", "INTERNAL"]
    assert hits[0].location == Location("serverless.yml", 31)
    assert "payments.example.com" in hits[0].message and "s3cret" not in hits[0].message
    assert hits[0].subject.kind == "function" and hits[0].subject.function == "Orders"


@pytest.mark.parametrize("value", [
    "http://localhost:2773/secretsmanager/get", "http://127.0.0.1:9001",
    "http://169.254.169.254/latest/meta-data", "http://169.254.170.2/v2/credentials",
    "http://[::1]:8080", "http://host.docker.internal:4566",
    "http://www.w3.org/2001/XMLSchema", "http://json-schema.org/draft-07/schema#",
    "https://example.com/?next=http", UNRESOLVED, 8080,
])
def test_local_and_identifier_urls_are_not_reported(value: Any) -> None:
    fn = fn_with({"SETTING": value})
    assert run(rules.env_plain_http, app_of(functions=(fn,))) == []


def test_proxy_variables_are_not_reported() -> None:
    fn = fn_with({"HTTPS_PROXY": "http://proxy.corp.example:3128",
                  "http_proxy": "http://proxy.corp.example:3128"})
    assert run(rules.env_plain_http, app_of(functions=(fn,))) == []


def test_every_rule_documents_itself_and_cites_data_controls() -> None:
    module_rules = [v for v in vars(rules).values() if isinstance(v, Rule)]
    assert len(module_rules) >= 12
    for r in module_rules:
        assert set(r.controls) & {"B1", "B2", "B3", "B4"}, r.id
        assert r.id.startswith(("FG-ENC-", "FG-STO-")) and r.id != "FG-ENC-001"


def test_blocks_written_in_a_form_the_loader_could_not_read_are_silent() -> None:
    # A field left None although the source wrote it (its line is known): an unresolved
    # block, not a missing one.
    app = app_of(
        bucket("Enc", lines={"encryption": 12}),
        bucket("Ver", encryption="AES256", versioning=None, lines={"versioning": 13},
               public_access_block=None),
        Queue(id="Q", loc=loc(20), lines={"sqs_managed_sse": 21}),
        Table(id="T", loc=loc(30), lines={"sse_enabled": 31, "pitr": 32}),
    )
    assert run(rules.bucket_encryption_unset, app) == []
    assert ids(run(rules.bucket_versioning_off, app)) == ["Enc"]
    assert run(rules.queue_encryption_unset, app) == []
    assert run(rules.table_without_customer_key, app) == []
    assert run(rules.table_without_pitr, app) == []


def test_a_key_line_shared_with_its_block_does_not_hide_a_missing_key() -> None:
    # The loader gives kms_key the line of SSESpecification, which sets no key here.
    table = Table(id="T", loc=loc(30), sse_enabled=True, lines={"sse_enabled": 31,
                                                                "kms_key": 31})
    hits = run(rules.table_without_customer_key, app_of(table))
    assert len(hits) == 1 and hits[0].location == loc(31)


def test_project_policy_turns_require_kms_on_and_rejects_non_booleans() -> None:
    assert parse_config({"encryption": {"require_kms": True}}).require_kms is True
    assert parse_config({}).require_kms is False
    with pytest.raises(ConfigError, match="require_kms"):
        parse_config({"encryption": {"require_kms": "yes"}})
