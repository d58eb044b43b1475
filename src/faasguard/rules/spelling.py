"""How the settings rules talk about are written in each app format, so that a finding
tells the fix in the syntax of the file the user edits.

Three spellings per setting:

- CloudFormation, also for CDK apps (what CDK synthesizes is CloudFormation) and for SAM
  where SAM's ``AWS::Serverless::*`` resources use the same property;
- serverless.yml, Framework v3: its own keys (``provider.*``, function keys). Resources a
  service defines under ``resources:`` are CloudFormation, so :func:`spell` answers with
  the CloudFormation spelling for them; a setting the Framework has no key for says
  where the CloudFormation goes (``resources.extensions``);
- Terraform, AWS provider v5: the argument, or the resource type when the setting is a
  resource of its own (``aws_s3_bucket_versioning``).

A spelling is what the user writes: a key, or a key with the value the rule always
suggests. ``{name}`` in a spelling is filled in by :func:`spell` (``function=...``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from faasguard.model import App, Resource

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


@dataclass(frozen=True, slots=True)
class Spelling:
    """One setting as each format writes it."""

    cloudformation: str
    """CloudFormation property (and SAM's, unless ``sam`` says otherwise; and CDK's)."""
    serverless: str
    """serverless.yml key, Framework v3."""
    terraform: str
    """Terraform AWS provider v5 argument or resource type."""
    sam: str | None = None
    """SAM's own property where ``AWS::Serverless::*`` differs; None: as CloudFormation."""

    def of(self, fmt: str) -> str:
        """The spelling for an app format ("serverless", "sam", "cloudformation", "cdk",
        "terraform"); anything CloudFormation-based gets the CloudFormation one."""
        if fmt == "serverless":
            return self.serverless
        if fmt == "terraform":
            return self.terraform
        if fmt == "sam" and self.sam is not None:
            return self.sam
        return self.cloudformation


def _same(cloudformation: str, terraform: str) -> Spelling:
    """A property of a resource a service writes under ``resources:`` in serverless.yml:
    CloudFormation there too."""
    return Spelling(cloudformation, cloudformation, terraform)


_ACCESS_FORMAT = ("a format including $context.requestId, $context.identity.sourceIp and "
                  "$context.status")
_THROTTLE = "ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200"
_TF_THROTTLE = "throttling_rate_limit = 100 and throttling_burst_limit = 200"
_POLICY_DOC = "in an aws_iam_policy_document"

SETTINGS: Mapping[str, Spelling] = MappingProxyType({
    # --- Lambda functions
    "runtime": Spelling("Runtime", "runtime", "runtime"),
    "timeout": Spelling("Timeout", "timeout", "timeout"),
    "reserved_concurrency": Spelling("ReservedConcurrentExecutions", "reservedConcurrency",
                                     "reserved_concurrent_executions"),
    "code_signing": Spelling(
        "CodeSigningConfigArn to an AWS::Lambda::CodeSigningConfig with "
        "UntrustedArtifactOnDeployment: Enforce",
        "CodeSigningConfigArn on the function (through resources.extensions) to an "
        "AWS::Lambda::CodeSigningConfig with UntrustedArtifactOnDeployment: Enforce",
        "code_signing_config_arn to an aws_lambda_code_signing_config with "
        'policies { untrusted_artifact_on_deployment = "Enforce" }'),
    "tracing": Spelling(
        "TracingConfig: {Mode: Active}", "provider.tracing.lambda: true",
        'tracing_config { mode = "Active" }',
        sam="Tracing: Active (TracingConfig: {Mode: Active} on an AWS::Lambda::Function)"),
    "failure_destination": Spelling(
        "DeadLetterConfig: TargetArn: <SQS queue ARN>, or an AWS::Lambda::EventInvokeConfig "
        "with DestinationConfig: OnFailure",
        "destinations: onFailure: <SQS queue or SNS topic ARN> (or onError: <DLQ ARN>)",
        "dead_letter_config { target_arn = <SQS queue ARN> }, or an "
        "aws_lambda_function_event_invoke_config with destination_config "
        "{ on_failure { destination = <ARN> } }",
        sam="DeadLetterQueue: {Type: SQS, TargetArn: <queue ARN>} (DeadLetterConfig on an "
            "AWS::Lambda::Function), or an EventInvokeConfig with DestinationConfig: OnFailure"),
    "env_kms_key": Spelling("KmsKeyArn", "kmsKeyArn", "kms_key_arn"),
    "url_auth_none": Spelling("AuthType NONE", "no authorizer", "authorization_type NONE"),
    "url_auth_iam": Spelling("AuthType: AWS_IAM", "url.authorizer: aws_iam",
                             'authorization_type = "AWS_IAM"'),
    "source_arn": _same("SourceArn", "source_arn"),
    "source_account": _same("SourceAccount", "source_account"),
    "principal_org_id": _same("PrincipalOrgID", "principal_org_id"),
    # --- log groups: the Framework makes one per function and has keys for some settings
    "log_retention": Spelling("RetentionInDays", "provider.logRetentionInDays",
                              "retention_in_days"),
    "log_group_kms_key": Spelling("KmsKeyId", "KmsKeyId", "kms_key_id"),
    "function_log_group": Spelling(
        "an AWS::Logs::LogGroup named !Sub /aws/lambda/${{function}}",
        "the log group the Framework creates for it",
        'an aws_cloudwatch_log_group named "/aws/lambda/${{function}.function_name}"'),
    # --- S3 buckets
    "bucket_encryption": _same("BucketEncryption",
                               "aws_s3_bucket_server_side_encryption_configuration"),
    "sse_algorithm": _same("SSEAlgorithm", "sse_algorithm"),
    "bucket_acl": _same("AccessControl", "acl (or aws_s3_bucket_acl)"),
    "acls_disabled": _same("BucketOwnerEnforced",
                           "BucketOwnerEnforced in aws_s3_bucket_ownership_controls"),
    "public_access_block": _same("PublicAccessBlockConfiguration",
                                 "aws_s3_bucket_public_access_block"),
    "block_public_acls": _same("BlockPublicAcls", "block_public_acls"),
    "ignore_public_acls": _same("IgnorePublicAcls", "ignore_public_acls"),
    "block_public_policy": _same("BlockPublicPolicy", "block_public_policy"),
    "restrict_public_buckets": _same("RestrictPublicBuckets", "restrict_public_buckets"),
    "versioning": _same("VersioningConfiguration Status: Enabled",
                        'aws_s3_bucket_versioning with versioning_configuration '
                        '{ status = "Enabled" }'),
    # --- DynamoDB, SQS, SNS, Secrets Manager, KMS
    "table_customer_key": _same("SSESpecification with SSEEnabled: true and KMSMasterKeyId",
                                "server_side_encryption with enabled = true and kms_key_arn"),
    "pitr": _same("PointInTimeRecoveryEnabled: true",
                  "point_in_time_recovery { enabled = true }"),
    "sqs_managed_sse": _same("SqsManagedSseEnabled: true", "sqs_managed_sse_enabled = true"),
    "queue_kms_key": _same("KmsMasterKeyId", "kms_master_key_id"),
    "redrive": _same("RedrivePolicy with deadLetterTargetArn: <DLQ ARN> and maxReceiveCount: 5",
                     "redrive_policy = jsonencode({ deadLetterTargetArn = <DLQ ARN>, "
                     "maxReceiveCount = 5 })"),
    "topic_kms_key": _same("KmsMasterKeyId", "kms_master_key_id"),
    "secret_kms_key": _same("KmsKeyId", "kms_key_id"),
    "key_rotation": _same("EnableKeyRotation: true", "enable_key_rotation = true"),
    # --- API Gateway
    "rest_access_logs": Spelling(
        f"AccessLogSetting on the stage with a DestinationArn log group and {_ACCESS_FORMAT}",
        "provider.logs.restApi: true",
        "access_log_settings on the aws_api_gateway_stage with a destination_arn log group "
        f"and {_ACCESS_FORMAT}"),
    "http_access_logs": Spelling(
        f"AccessLogSettings on the stage with a DestinationArn log group and {_ACCESS_FORMAT}",
        "provider.logs.httpApi: true",
        "access_log_settings on the aws_apigatewayv2_stage with a destination_arn log group "
        f"and {_ACCESS_FORMAT}"),
    "websocket_access_logs": Spelling(
        f"AccessLogSettings on the stage with a DestinationArn log group and {_ACCESS_FORMAT}",
        "provider.logs.websocket: true",
        "access_log_settings on the aws_apigatewayv2_stage with a destination_arn log group "
        f"and {_ACCESS_FORMAT}"),
    "rest_tracing": Spelling("TracingEnabled: true on the stage",
                             "provider.tracing.apiGateway: true",
                             "xray_tracing_enabled = true on the aws_api_gateway_stage"),
    "rest_throttling": Spelling(
        f"MethodSettings on the stage with HttpMethod '*', ResourcePath '/*', {_THROTTLE} "
        "(or a usage plan Throttle)",
        "custom.apiGatewayThrottling with the serverless-api-gateway-throttling plugin "
        "(e.g. maxRequestsPerSecond: 100, maxConcurrentRequests: 200)",
        f'an aws_api_gateway_method_settings with method_path "*/*" and {_TF_THROTTLE} in '
        "its settings (or a usage plan's throttle_settings)"),
    "v2_throttling": Spelling(
        f"DefaultRouteSettings with {_THROTTLE}",
        f"DefaultRouteSettings on the stage through resources.extensions (e.g. {_THROTTLE})",
        f"default_route_settings with {_TF_THROTTLE} on the aws_apigatewayv2_stage"),
    "waf_association": _same("AWS::WAFv2::WebACLAssociation", "aws_wafv2_web_acl_association"),
    "tls_policy": Spelling("SecurityPolicy: TLS_1_2",
                           "SecurityPolicy: TLS_1_2 (custom.customDomain.securityPolicy: "
                           "tls_1_2 with serverless-domain-manager)",
                           'security_policy = "TLS_1_2"'),
    # --- IAM policy documents (Terraform also writes them as aws_iam_policy_document)
    "policy_action": _same("Action", f"Action (actions {_POLICY_DOC})"),
    "policy_resource": _same("Resource", f"Resource (resources {_POLICY_DOC})"),
    "policy_not_resource": _same("NotResource", f"NotResource (not_resources {_POLICY_DOC})"),
    # --- the app itself: template parameters, region
    "parameter": _same("Parameter", "Variable"),
    "parameter_default": _same("Default", "default"),
    "no_echo": _same("NoEcho: true", "sensitive = true"),
    "parameter_shown": _same("the console and in describe-stacks output",
                             "plan and apply output"),
    "secret_reference": _same("a {{resolve:secretsmanager:...}} dynamic reference",
                              "an aws_secretsmanager_secret_version data source"),
    "app": Spelling("Stack", "Service", "Configuration"),
    "region": Spelling("the region", "provider.region", 'region in its provider "aws" block'),
    "region_unset": Spelling("whatever region the deploying profile says",
                             "us-east-1 or to whatever region the deploying profile says",
                             "whatever region AWS_REGION or the deploying profile says"),
    "region_fix": Spelling("--region on the deploy command",
                           "region: ${opt:region, '<your region>'} under provider",
                           'region = var.region in the provider "aws" block'),
})
"""Setting -> its spellings; the keys are what rules pass to :func:`spell`."""


def spell(app: App, setting: str, *, node: Resource | None = None, **fill: str) -> str:
    """``setting`` as the app's format writes it. A resource of a serverless.yml service
    that the service defines itself (``node`` not generated by the Framework) is
    CloudFormation under ``resources:``. ``fill`` replaces ``{name}`` placeholders."""
    fmt = app.format
    if fmt == "serverless" and node is not None and not node.generated:
        fmt = "cloudformation"
    text = SETTINGS[setting].of(fmt)
    for name, value in fill.items():
        text = text.replace("{" + name + "}", value)
    return text


def through_extensions(app: App, node: Resource) -> str:
    """Where serverless.yml changes a resource the Framework generates and has no key
    for (a function's log group): `` through resources.extensions``; else nothing."""
    return " through resources.extensions" if app.format == "serverless" and node.generated \
        else ""


def assign(app: App, setting: str, value: int | bool | str, *,
           node: Resource | None = None) -> str:
    """``setting`` set to ``value``: ``Key: value`` in YAML, ``key = value`` in HCL."""
    key = spell(app, setting, node=node)
    if isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, int):
        shown = str(value)
    else:
        shown = f'"{value}"' if app.format == "terraform" else value
    return f"{key} = {shown}" if app.format == "terraform" else f"{key}: {shown}"


def reference(app: App, value: Any) -> str:
    """A value for a message, a reference to another resource in the app's own syntax:
    ``aws_dynamodb_table.orders.arn`` in Terraform, ``!GetAtt Orders.Arn`` otherwise."""
    from faasguard.leastpriv import show_in  # the same, for callers with only a format

    return show_in(value, app.format)


_MODULE_PATH = re.compile(r'^(?:module\.[^.\[]+(?:\[(?:"[^"]*"|[^\]]*)\])?\.)+')


def local_address(address: str) -> str:
    """A Terraform address without its module path, as the module's own code refers to
    it: ``module.api.aws_lambda_function.handler`` -> ``aws_lambda_function.handler``.
    Other ids (CloudFormation logical ids) come back as they are."""
    return _MODULE_PATH.sub("", address)


__all__ = ["SETTINGS", "Spelling", "assign", "local_address", "reference", "spell",
           "through_extensions"]
