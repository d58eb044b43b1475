"""Typed resources (bucket, table, queue, topic, key, secret, log group, user pool,
layer) from CloudFormation properties, and the resource policies that attach to them.

Each builder reads only what the template states: a property that is absent leaves the
field None, so rules can tell "not configured" from "configured off".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from faasguard.loaders.cfn_stack import Stack, prop_line, ref_targets, sub
from faasguard.loaders.policy import parse_document
from faasguard.model import (
    Bucket,
    Key,
    Layer,
    LogGroup,
    Queue,
    Resource,
    Secret,
    Table,
    Topic,
    UserPool,
)
from faasguard.model.values import as_bool, as_list

Builder = Callable[[Stack, str, str, Mapping[str, Any]], Resource]


def _base(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any],
          name_key: str | None, fields: Mapping[str, str]) -> dict[str, Any]:
    """Constructor arguments every resource shares, with lines for ``fields``
    (model field -> top-level property)."""
    lines = {f: line for f, key in fields.items() if (line := prop_line(props, key))}
    args: dict[str, Any] = {"id": lid, "loc": stack.loc(lid), "type": rtype,
                            "properties": props, "lines": lines}
    if name_key:
        args["name"] = props.get(name_key)
        if line := prop_line(props, name_key):
            lines["name"] = line
    return args


def _bucket(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    args = _base(stack, lid, rtype, props, "BucketName", {
        "encryption": "BucketEncryption", "kms_key": "BucketEncryption",
        "versioning": "VersioningConfiguration",
        "public_access_block": "PublicAccessBlockConfiguration", "acl": "AccessControl",
        "logging": "LoggingConfiguration"})
    rules = as_list(sub(props.get("BucketEncryption"), "ServerSideEncryptionConfiguration"))
    default = sub(rules[0], "ServerSideEncryptionByDefault") if rules else None
    status = sub(props.get("VersioningConfiguration"), "Status")
    block = props.get("PublicAccessBlockConfiguration")
    return Bucket(
        **args,
        encryption=sub(default, "SSEAlgorithm"),
        kms_key=sub(default, "KMSMasterKeyID"),
        versioning=None if status is None else (status == "Enabled"
                                                if isinstance(status, str) else None),
        public_access_block=({k: _flag(v) for k, v in block.items()}
                             if isinstance(block, Mapping) else None),
        acl=props.get("AccessControl"),
        logging=True if isinstance(props.get("LoggingConfiguration"), Mapping) else None,
    )


def _flag(value: Any) -> Any:
    decided = as_bool(value)
    return value if decided is None else decided


def _table(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    args = _base(stack, lid, rtype, props, "TableName", {
        "sse_enabled": "SSESpecification", "kms_key": "SSESpecification",
        "pitr": "PointInTimeRecoverySpecification", "billing_mode": "BillingMode",
        "stream": "StreamSpecification"})
    sse = props.get("SSESpecification")
    pitr = sub(props.get("PointInTimeRecoverySpecification"), "PointInTimeRecoveryEnabled")
    if rtype == "AWS::DynamoDB::GlobalTable" and pitr is None:
        # global tables set PITR per replica; it is on only if every replica has it
        replicas = [sub(r, "PointInTimeRecoverySpecification")
                    for r in as_list(props.get("Replicas"))]
        flags = [as_bool(sub(r, "PointInTimeRecoveryEnabled")) for r in replicas]
        pitr = all(flags) if flags and None not in flags else None
    return Table(
        **args,
        sse_enabled=as_bool(sub(sse, "SSEEnabled")),
        kms_key=sub(sse, "KMSMasterKeyId"),
        pitr=as_bool(pitr) if pitr is not None else None,
        billing_mode=props.get("BillingMode"),
        stream=sub(props.get("StreamSpecification"), "StreamViewType"),
    )


def _queue(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    args = _base(stack, lid, rtype, props, "QueueName", {
        "kms_key": "KmsMasterKeyId", "sqs_managed_sse": "SqsManagedSseEnabled",
        "dead_letter": "RedrivePolicy", "fifo": "FifoQueue"})
    return Queue(
        **args,
        kms_key=props.get("KmsMasterKeyId"),
        sqs_managed_sse=as_bool(props.get("SqsManagedSseEnabled")),
        dead_letter=sub(props.get("RedrivePolicy"), "deadLetterTargetArn"),
        fifo=as_bool(props.get("FifoQueue")) is True,
    )


def _topic(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    args = _base(stack, lid, rtype, props, "TopicName", {"kms_key": "KmsMasterKeyId"})
    return Topic(**args, kms_key=props.get("KmsMasterKeyId"))


def _key(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    args = _base(stack, lid, rtype, props, None, {
        "rotation": "EnableKeyRotation", "key_spec": "KeySpec", "policy": "KeyPolicy",
        "origin": "Origin"})
    policy = None
    if "KeyPolicy" in props:
        policy = parse_document(props["KeyPolicy"], stack.rel, f"{lid} key policy",
                                fallback_line=prop_line(props, "KeyPolicy"))
    return Key(**args, rotation=as_bool(props.get("EnableKeyRotation")),
               key_spec=props.get("KeySpec"), origin=props.get("Origin"), policy=policy)


def _secret(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    args = _base(stack, lid, rtype, props, "Name", {"kms_key": "KmsKeyId"})
    return Secret(**args, kms_key=props.get("KmsKeyId"))


def _log_group(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    args = _base(stack, lid, rtype, props, "LogGroupName", {
        "retention_days": "RetentionInDays", "kms_key": "KmsKeyId"})
    return LogGroup(**args, retention_days=props.get("RetentionInDays"),
                    kms_key=props.get("KmsKeyId"))


_PASSWORD_FLAGS = ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols")


def _user_pool(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    args = _base(stack, lid, rtype, props, "UserPoolName", {
        "min_password_length": "Policies", "require": "Policies",
        "mfa": "MfaConfiguration", "advanced_security": "UserPoolAddOns"})
    password = sub(props.get("Policies"), "PasswordPolicy")
    if line := prop_line(password, "MinimumLength"):
        args["lines"]["min_password_length"] = line
    require = {flag: _flag(password[flag]) for flag in _PASSWORD_FLAGS
               if isinstance(password, Mapping) and flag in password}
    return UserPool(
        **args,
        min_password_length=sub(password, "MinimumLength"),
        require=require,
        mfa=props.get("MfaConfiguration"),
        advanced_security=sub(props.get("UserPoolAddOns"), "AdvancedSecurityMode"),
    )


def _layer(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    name_key = "LayerName"
    args = _base(stack, lid, rtype, props, name_key, {})
    from faasguard.loaders.cfn_lambda import code_path

    content = props.get("ContentUri")  # SAM; CloudFormation's Content is S3 only
    path = code_path(stack, content, prop_line(props, "ContentUri"), lid) \
        if isinstance(content, str) else None
    return Layer(**args, compatible_runtimes=tuple(as_list(props.get("CompatibleRuntimes"))),
                 content_path=path)


BUILDERS: dict[str, Builder] = {
    "AWS::S3::Bucket": _bucket,
    "AWS::DynamoDB::Table": _table,
    "AWS::DynamoDB::GlobalTable": _table,
    "AWS::SQS::Queue": _queue,
    "AWS::SNS::Topic": _topic,
    "AWS::KMS::Key": _key,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Lambda::LayerVersion": _layer,
    "AWS::Serverless::SimpleTable": _table,
    "AWS::Serverless::LayerVersion": _layer,
}

_GENERIC_NAME_KEYS = ("Name",)


def build_resource(stack: Stack, lid: str, rtype: str, props: Mapping[str, Any]) -> Resource:
    """The model node of one resource: typed when we know the type, else generic."""
    builder = BUILDERS.get(rtype)
    if builder is not None:
        return builder(stack, lid, rtype, props)
    name_key = next((k for k in _GENERIC_NAME_KEYS if k in props), None)
    return Resource(**_base(stack, lid, rtype, props, name_key, {}))


# --- things that attach to a resource defined elsewhere in the template -----------------

# policy resource type -> (resource it attaches to, property naming the targets,
# property with the document)
_POLICY_RESOURCES: dict[str, tuple[type[Resource], str, str]] = {
    "AWS::S3::BucketPolicy": (Bucket, "Bucket", "PolicyDocument"),
    "AWS::SQS::QueuePolicy": (Queue, "Queues", "PolicyDocument"),
    "AWS::SNS::TopicPolicy": (Topic, "Topics", "PolicyDocument"),
    "AWS::SecretsManager::ResourcePolicy": (Secret, "SecretId", "ResourcePolicy"),
}


def attach_extras(stack: Stack) -> None:
    """Resource policies, secret rotation and app clients, onto their resources."""
    for lid, rtype in stack.types.items():
        props = stack.props.get(lid)
        if not isinstance(props, Mapping):
            continue
        if rtype in _POLICY_RESOURCES:
            _attach_policy(stack, lid, props, *_POLICY_RESOURCES[rtype])
        elif rtype == "AWS::SecretsManager::RotationSchedule":
            _attach_rotation(stack, lid, props)
    _attach_clients(stack)


def _resource_for(stack: Stack, value: Any, kind: type[Resource]) -> str | None:
    """The resource of type ``kind`` a value names: a Ref, or its name (a queue also by URL)."""
    for target in ref_targets(value):
        if isinstance(stack.resources.get(target), kind):
            return target
    if isinstance(value, str):
        for rid, res in stack.resources.items():
            if not isinstance(res, kind) or not isinstance(res.name, str):
                continue
            if res.name == value or (isinstance(res, Queue) and value.endswith("/" + res.name)):
                return rid
    return None


def _attach_policy(stack: Stack, lid: str, props: Mapping[str, Any], kind: type[Resource],
                   target_key: str, doc_key: str) -> None:
    policy = parse_document(props.get(doc_key), stack.rel, lid, origin="inline",
                            fallback_line=prop_line(props, doc_key) or stack.loc(lid).line)
    for value in as_list(props.get(target_key)):
        rid = _resource_for(stack, value, kind)
        if rid is None:
            stack.diag("info", f"{lid}: policy for {value}, which this template does not define",
                       prop_line(props, target_key), lid)
            continue
        resource = stack.resources[rid]
        lines = dict(resource.lines)
        lines.setdefault("policy", policy.loc.line or 0)
        stack.resources[rid] = replace(resource, policy=policy, lines=lines)


def _attach_rotation(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    rid = _resource_for(stack, props.get("SecretId"), Secret)
    resource = stack.resources.get(rid) if rid else None
    if isinstance(resource, Secret):
        lines = dict(resource.lines)
        lines["rotation"] = stack.loc(lid).line or 0
        stack.resources[resource.id] = replace(resource, rotation=True, lines=lines)


def _attach_clients(stack: Stack) -> None:
    """App clients' writable custom attributes. A client that does not list
    ``WriteAttributes`` may write the standard attributes only (Cognito's default)."""
    for lid in stack.of_type("AWS::Cognito::UserPoolClient"):
        props = stack.props.get(lid)
        if not isinstance(props, Mapping):
            continue
        rid = _resource_for(stack, props.get("UserPoolId"), UserPool)
        pool = stack.resources.get(rid) if rid else None
        if not isinstance(pool, UserPool):
            continue
        written = as_list(props.get("WriteAttributes"))
        custom = tuple(a for a in written if isinstance(a, str) and a.startswith("custom:"))
        writable = dict(pool.client_writable_attributes)
        writable[lid] = custom
        stack.resources[pool.id] = replace(pool, client_writable_attributes=writable)
