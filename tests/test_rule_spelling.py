"""Rule messages spell the fix in the format the app is written in: Terraform arguments
and resource types for Terraform, serverless.yml keys (or CloudFormation under
``resources:``) for the Serverless Framework, SAM's properties for SAM.

Most cases scan the rule's own bad fixture, whose tf/ and serverless.yml variants are
the apps; a few build a small app by hand where no fixture of that format reports."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from faasguard.config import Config
from faasguard.model import (
    Api,
    App,
    Bucket,
    Function,
    Location,
    Parameter,
    Permission,
    Ref,
)
from faasguard.rules import Rule, all_rules
from faasguard.rules import api as api_rules
from faasguard.rules import data as data_rules
from faasguard.rules import monitoring as monitoring_rules
from faasguard.rules import scaling as scaling_rules
from faasguard.rules import secrets as secrets_rules
from faasguard.rules.registry import Context
from faasguard.rules.spelling import (
    SETTINGS,
    assign,
    local_address,
    reference,
    spell,
    through_extensions,
)

from conftest import FIXTURES, ROOT
from rulecheck import run_rule

RULES = {rule.id: rule for rule in all_rules()}

# rule -> (a spelling some Terraform message must contain, a CloudFormation spelling no
# Terraform message may contain)
TERRAFORM: dict[str, tuple[str, str]] = {
    "FG-CFG-001": ('set runtime = "nodejs24.x"', "Runtime:"),
    "FG-CFG-002": ('set runtime = "nodejs24.x"', "Runtime:"),
    "FG-CFG-005": ("set code_signing_config_arn to an aws_lambda_code_signing_config with "
                   'policies { untrusted_artifact_on_deployment = "Enforce" }',
                   "CodeSigningConfigArn"),
    "FG-CFG-006": ("set timeout to the longest run", "Timeout"),
    "FG-CFG-007": ("set timeout to 29 or less", "Timeout"),
    "FG-CFG-010": ('does not set region in its provider "aws" block', "provider.region"),
    "FG-SCL-001": ("set reserved_concurrent_executions to", "ReservedConcurrentExecutions"),
    "FG-SCL-002": ("set default_route_settings with throttling_rate_limit = 100",
                   "DefaultRouteSettings"),
    "FG-SCL-003": ("associate an aws_wafv2_web_acl_association", "AWS::WAFv2"),
    "FG-SCL-004": ("dead_letter_config { target_arn = <SQS queue ARN> }, or an "
                   "aws_lambda_function_event_invoke_config", "DeadLetterConfig"),
    "FG-SCL-005": ("set redrive_policy = jsonencode({ deadLetterTargetArn", "RedrivePolicy"),
    "FG-SCL-006": ("has reserved_concurrent_executions = 0", "ReservedConcurrentExecutions"),
    "FG-LOG-001": ("retention_in_days = 90", "RetentionInDays"),
    "FG-LOG-002": ('set tracing_config { mode = "Active" }', "TracingConfig"),
    "FG-LOG-003": ("set access_log_settings on the aws_api_gateway_stage with a "
                   "destination_arn log group", "AccessLogSetting"),
    "FG-LOG-004": ("set xray_tracing_enabled = true on the aws_api_gateway_stage",
                   "TracingEnabled"),
    "FG-LOG-005": ("set access_log_settings on the aws_api_gateway_stage", "AccessLogSetting"),
    "FG-ENC-001": ("customer managed KMS key (kms_key_arn)", "KmsKeyArn"),
    "FG-ENC-002": ("declare aws_s3_bucket_server_side_encryption_configuration",
                   "BucketEncryption"),
    "FG-ENC-003": ("set sse_algorithm aws:kms", "SSEAlgorithm"),
    "FG-ENC-004": ("set server_side_encryption with enabled = true and kms_key_arn",
                   "SSESpecification"),
    "FG-ENC-005": ("sets no kms_master_key_id", "SqsManagedSseEnabled"),
    "FG-ENC-006": ("set sqs_managed_sse_enabled = true or kms_master_key_id", "KmsMasterKeyId"),
    "FG-ENC-007": ("set kms_master_key_id to a KMS key", "KmsMasterKeyId"),
    "FG-ENC-008": ("set kms_key_id to a customer key", "KmsKeyId"),
    "FG-ENC-009": ("set kms_key_id to a customer key", "KmsKeyId"),
    "FG-ENC-010": ("set enable_key_rotation = true", "EnableKeyRotation"),
    "FG-ENC-012": ('set security_policy = "TLS_1_2"', "SecurityPolicy"),
    "FG-STO-001": ("remove acl (or aws_s3_bucket_acl)", "AccessControl"),
    "FG-STO-002": ("BucketOwnerEnforced in aws_s3_bucket_ownership_controls", "AccessControl"),
    "FG-STO-003": ("leaves block_public_policy off", "BlockPublicPolicy"),
    "FG-STO-004": ("declares no aws_s3_bucket_public_access_block",
                   "PublicAccessBlockConfiguration"),
    "FG-STO-005": ('set aws_s3_bucket_versioning with versioning_configuration '
                   '{ status = "Enabled" }', "VersioningConfiguration"),
    "FG-STO-006": ("set point_in_time_recovery { enabled = true }",
                   "PointInTimeRecoveryEnabled"),
    "FG-API-004": ('with authorization_type NONE: anyone on the internet can invoke it; use '
                   'authorization_type = "AWS_IAM"', "AuthType"),
    "FG-API-005": ("with no source_arn, source_account or principal_org_id", "SourceArn"),
    "FG-API-006": ("set source_arn and source_account", "SourceArn"),
    "FG-SEC-002": ("use an aws_secretsmanager_secret_version data source", "{{resolve:"),
    "FG-SEC-004": ("does not set sensitive = true, so its value shows in plan and apply",
                   "NoEcho"),
    "FG-IAM-002": ("on `aws_s3_bucket.data.arn`", "!GetAtt"),
    "FG-IAM-004": ("scope Resource (resources in an aws_iam_policy_document) to", "!GetAtt"),
    "FG-IAM-010": ("with Action (actions in an aws_iam_policy_document)", "!GetAtt"),
    "FG-IAM-011": ("with Resource (resources in an aws_iam_policy_document)", "!GetAtt"),
}

# rule -> (a spelling some serverless.yml message must contain, a spelling of another
# format no serverless.yml message may contain); resources the service writes under
# `resources:` are CloudFormation, so their CloudFormation spelling is the right one
SERVERLESS: dict[str, tuple[str, str]] = {
    "FG-CFG-001": ("set runtime: python3.14", "Runtime:"),
    "FG-CFG-002": ("set runtime: nodejs24.x", "Runtime:"),
    "FG-CFG-005": ("set CodeSigningConfigArn on the function (through resources.extensions)",
                   "code_signing_config_arn"),
    "FG-CFG-006": ("set timeout to the longest run", "Timeout"),
    "FG-CFG-007": ("set timeout to 29 or less", "Timeout"),
    "FG-CFG-010": ("does not set provider.region", 'provider "aws"'),
    "FG-SCL-001": ("set reservedConcurrency to", "ReservedConcurrentExecutions"),
    "FG-SCL-002": ("set custom.apiGatewayThrottling", "MethodSettings"),
    "FG-SCL-003": ("associate an AWS::WAFv2::WebACLAssociation", "aws_wafv2"),
    "FG-SCL-004": ("set destinations: onFailure:", "DeadLetterConfig"),
    "FG-SCL-005": ("set RedrivePolicy with deadLetterTargetArn", "redrive_policy"),
    "FG-SCL-006": ("has reservedConcurrency: 0", "ReservedConcurrentExecutions"),
    "FG-LOG-001": ("set provider.logRetentionInDays: 90", "retention_in_days"),
    "FG-LOG-002": ("set provider.tracing.lambda: true", "TracingConfig"),
    "FG-LOG-003": ("set provider.logs.restApi: true", "AccessLogSetting"),
    "FG-LOG-004": ("set provider.tracing.apiGateway: true", "TracingEnabled"),
    "FG-LOG-005": ("set provider.logs.restApi: true", "AccessLogSetting"),
    "FG-ENC-001": ("customer managed KMS key (kmsKeyArn)", "KmsKeyArn"),
    "FG-ENC-002": ("declare BucketEncryption", "aws_s3_bucket_server"),
    "FG-ENC-003": ("set SSEAlgorithm aws:kms", "sse_algorithm"),
    "FG-ENC-004": ("set SSESpecification with SSEEnabled: true and KMSMasterKeyId",
                   "server_side_encryption"),
    "FG-ENC-005": ("set SqsManagedSseEnabled: true", "sqs_managed_sse_enabled"),
    "FG-ENC-006": ("set SqsManagedSseEnabled: true or KmsMasterKeyId", "kms_master_key_id"),
    "FG-ENC-007": ("set KmsMasterKeyId to a KMS key", "kms_master_key_id"),
    "FG-ENC-008": ("set KmsKeyId through resources.extensions to a customer key", "kms_key_id"),
    "FG-ENC-009": ("set KmsKeyId to a customer key", "kms_key_id"),
    "FG-ENC-010": ("set EnableKeyRotation: true", "enable_key_rotation"),
    "FG-ENC-012": ("custom.customDomain.securityPolicy: tls_1_2", "security_policy ="),
    "FG-STO-003": ("leaves BlockPublicAcls", "block_public_acls"),
    "FG-STO-004": ("declares no PublicAccessBlockConfiguration", "aws_s3_bucket_public"),
    "FG-STO-005": ("set VersioningConfiguration Status: Enabled", "aws_s3_bucket_versioning"),
    "FG-STO-006": ("set PointInTimeRecoveryEnabled: true", "point_in_time_recovery"),
    "FG-API-004": ("with no authorizer: anyone on the internet can invoke it; use "
                   "url.authorizer: aws_iam", "AuthType"),
    "FG-API-005": ("with no SourceArn, SourceAccount or PrincipalOrgID", "source_arn"),
    "FG-SEC-002": ("use a {{resolve:secretsmanager:...}} dynamic reference", "aws_secrets"),
    "FG-IAM-004": ("scope Resource to the ARNs", "aws_iam_policy_document"),
    "FG-IAM-010": ("list the allowed actions with Action", "aws_iam_policy_document"),
    "FG-IAM-011": ("name the resources with Resource", "aws_iam_policy_document"),
}


@cache
def _messages(rule_id: str) -> dict[str, tuple[str, ...]]:
    """Messages of the rule on its bad fixture, by the format of the file reported."""
    result = run_rule(FIXTURES / "rules" / rule_id / "bad", RULES[rule_id])
    found: dict[str, list[str]] = {"terraform": [], "serverless": []}
    for finding in result.findings:
        if finding.rule_id != rule_id:
            continue
        name = Path(finding.location.file).name
        if name.endswith(".tf"):
            found["terraform"].append(finding.message)
        elif name == "serverless.yml":
            found["serverless"].append(finding.message)
    return {kind: tuple(messages) for kind, messages in found.items()}


def _check(rule_id: str, kind: str, wanted: str, foreign: str) -> None:
    messages = _messages(rule_id)[kind]
    assert messages, f"{rule_id} reports nothing in its {kind} fixture"
    assert any(wanted in m for m in messages), (wanted, messages)
    assert not [m for m in messages if foreign in m], (foreign, messages)


@pytest.mark.parametrize(("rule_id", "wanted", "foreign"),
                         [(r, *v) for r, v in TERRAFORM.items()], ids=list(TERRAFORM))
def test_terraform_messages_use_terraform_spelling(rule_id: str, wanted: str,
                                                   foreign: str) -> None:
    _check(rule_id, "terraform", wanted, foreign)


@pytest.mark.parametrize(("rule_id", "wanted", "foreign"),
                         [(r, *v) for r, v in SERVERLESS.items()], ids=list(SERVERLESS))
def test_serverless_messages_use_serverless_spelling(rule_id: str, wanted: str,
                                                     foreign: str) -> None:
    _check(rule_id, "serverless", wanted, foreign)


def test_other_formats_keep_their_spelling() -> None:
    """SAM's own function properties for SAM; CloudFormation for plain templates."""
    sam = "\n".join(_rule_on("FG-LOG-002", "template.yaml"))
    assert "set Tracing: Active (TracingConfig: {Mode: Active} on an AWS::Lambda::Function)" \
        in sam
    sam = "\n".join(_rule_on("FG-SCL-004", "template.yaml"))
    assert "DeadLetterQueue: {Type: SQS" in sam
    cfn = "\n".join(_rule_on("FG-API-005", "cfn/template.yaml"))
    assert "no SourceArn, SourceAccount or PrincipalOrgID" in cfn


def _rule_on(rule_id: str, file: str) -> list[str]:
    result = run_rule(FIXTURES / "rules" / rule_id / "bad", RULES[rule_id])
    return [f.message for f in result.findings
            if f.rule_id == rule_id and f.location.file == file]


# --- apps built by hand: formats a rule's fixtures do not report in ------------------------

HERE = Location("serverless.yml", 3)


def _app(fmt: str, **fields: Any) -> App:
    return App(name="shop", source=HERE, format=fmt, **fields)


def _run(rule: Rule, app: App) -> list[str]:
    return [hit.message for hit in rule(app, Context(config=Config(), root="."))]


def test_terraform_rest_api_throttling() -> None:
    rest = Api(id="aws_api_gateway_rest_api.shop", loc=HERE, kind="rest")
    [message] = _run(scaling_rules.api_without_throttling,
                     _app("terraform", apis={rest.id: rest}))
    assert 'set an aws_api_gateway_method_settings with method_path "*/*" and ' \
        "throttling_rate_limit = 100" in message
    assert "MethodSettings" not in message


def test_terraform_function_log_group_in_a_module_names_the_local_address() -> None:
    fn = Function(id="module.api.aws_lambda_function.handler", loc=HERE, name="api")
    [message] = _run(monitoring_rules.log_group_without_retention,
                     _app("terraform", functions=(fn,)))
    assert 'add an aws_cloudwatch_log_group named ' \
        '"/aws/lambda/${aws_lambda_function.handler.function_name}" with ' \
        "retention_in_days = 90" in message


def test_serverless_bucket_acl_is_cloudformation() -> None:
    bucket = Bucket(id="Site", loc=HERE, type="AWS::S3::Bucket", acl="PublicRead")
    [message] = _run(data_rules.bucket_public_read, _app("serverless", resources={"Site": bucket}))
    assert "remove AccessControl and keep ACLs disabled (BucketOwnerEnforced)" in message


def test_serverless_service_permission_is_cloudformation() -> None:
    perm = Permission(id="UploadsInvoke", loc=HERE, function="resize",
                      principal="s3.amazonaws.com")
    [message] = _run(api_rules.unscoped_service_permission,
                     _app("serverless", permissions=(perm,)))
    assert message.endswith("set SourceArn and SourceAccount.")


@pytest.mark.parametrize(("fmt", "start", "fix"), [
    ("serverless", "Parameter DbPassword", "does not set NoEcho: true, so its value shows in "
     "the console and in describe-stacks output"),
    ("terraform", "Variable DbPassword", "does not set sensitive = true"),
])
def test_parameter_spelling(fmt: str, start: str, fix: str) -> None:
    params = {"DbPassword": Parameter(id="DbPassword", loc=HERE, type="String")}
    [message] = _run(secrets_rules.parameter_without_noecho,
                     _app(fmt, parameter_specs=params))
    assert message.startswith(start) and fix in message


def test_terraform_variable_default() -> None:
    assert any(m.startswith("Variable admin_password has a password as its default,")
               for m in _messages("FG-SEC-002")["terraform"])


# --- the table and its helpers -------------------------------------------------------------


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_every_setting_has_all_three_spellings(setting: str) -> None:
    spelling = SETTINGS[setting]
    for fmt in ("cloudformation", "serverless", "terraform"):
        text = getattr(spelling, fmt)
        assert isinstance(text, str) and text.strip() == text and text, (setting, fmt)
    assert spelling.sam is None or spelling.sam.strip()


RULE_SOURCES = sorted(p for p in (ROOT / "src" / "faasguard" / "rules").glob("*.py")
                      if p.name != "spelling.py")


def test_rules_name_only_settings_in_the_table_and_use_them_all() -> None:
    text = "\n".join(p.read_text() for p in RULE_SOURCES)
    named = set(re.findall(r"(?:spell|assign)\(app, [\"'](\w+)[\"']", text))
    assert named and named <= set(SETTINGS), named - set(SETTINGS)
    quoted = set(re.findall(r"[\"'](\w+)[\"']", text))
    assert set(SETTINGS) <= quoted, set(SETTINGS) - quoted


def test_cdk_and_unknown_formats_read_cloudformation() -> None:
    for fmt in ("cdk", "cloudformation", "sam"):
        assert spell(_app(fmt), "reserved_concurrency") == "ReservedConcurrentExecutions"
    assert spell(_app("sam"), "tracing").startswith("Tracing: Active")
    assert spell(_app("cdk"), "tracing") == "TracingConfig: {Mode: Active}"


def test_resources_a_service_writes_are_cloudformation() -> None:
    own = Bucket(id="Uploads", loc=HERE)
    made = Bucket(id="ServerlessDeploymentBucket", loc=HERE, generated=True)
    sls = _app("serverless")
    assert spell(sls, "log_retention", node=own) == "RetentionInDays"
    assert spell(sls, "log_retention", node=made) == "provider.logRetentionInDays"
    assert through_extensions(sls, made) == " through resources.extensions"
    assert through_extensions(sls, own) == ""
    assert through_extensions(_app("terraform"), made) == ""


def test_assign_writes_yaml_or_hcl() -> None:
    assert assign(_app("terraform"), "runtime", "python3.13") == 'runtime = "python3.13"'
    assert assign(_app("serverless"), "runtime", "python3.13") == "runtime: python3.13"
    assert assign(_app("terraform"), "reserved_concurrency", 0) == \
        "reserved_concurrent_executions = 0"
    assert assign(_app("cloudformation"), "log_retention", 90) == "RetentionInDays: 90"
    assert assign(_app("sam"), "log_retention", True) == "RetentionInDays: true"


def test_reference_in_the_apps_syntax() -> None:
    ref, plain = Ref("aws_dynamodb_table.orders", "arn"), Ref("aws_sqs_queue.jobs")
    assert reference(_app("terraform"), ref) == "aws_dynamodb_table.orders.arn"
    assert reference(_app("terraform"), plain) == "aws_sqs_queue.jobs"
    assert reference(_app("cloudformation"), Ref("Orders", "Arn")) == "!GetAtt Orders.Arn"
    assert reference(_app("serverless"), Ref("Jobs")) == "!Ref Jobs"
    assert reference(_app("terraform"), "arn:aws:s3:::audit/*") == "arn:aws:s3:::audit/*"


@pytest.mark.parametrize(("address", "local"), [
    ("aws_lambda_function.api", "aws_lambda_function.api"),
    ("module.api.aws_lambda_function.handler", "aws_lambda_function.handler"),
    ('module.a["x.y"].module.b[0].aws_lambda_function.f[0]', "aws_lambda_function.f[0]"),
    ("OrdersFunction", "OrdersFunction"),
])
def test_local_address(address: str, local: str) -> None:
    assert local_address(address) == local
