"""Terraform resource types -> typed model resources (bucket, table, queue, topic, key,
secret, log group, user pool, layer), with the split resources that configure them
from outside (``aws_s3_bucket_versioning``, ``aws_sqs_queue_policy``, ...) folded in.

A field is set only when the configuration states it, so a rule can tell "not
configured" from "configured off". Every other resource type stays a plain
``Resource`` with its evaluated arguments in ``properties``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from faasguard.loaders.terraform.build import Build, first, line_in, sub
from faasguard.loaders.terraform.iam import to_policy
from faasguard.loaders.terraform.modules import Instance
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


def _base(b: Build, inst: Instance, name_key: str | None,
          fields: Mapping[str, str]) -> dict[str, Any]:
    """Arguments every resource shares; ``fields`` maps model field -> argument."""
    lines = {f: line for f, key in fields.items() if (line := inst.line(key))}
    args: dict[str, Any] = {"id": inst.address, "loc": inst.loc, "type": inst.type,
                            "properties": inst.body, "lines": lines}
    if name_key and name_key in inst.body:
        args["name"] = inst.body[name_key]
        if line := inst.line(name_key):
            lines["name"] = line
    region = inst.body.get("region")
    if region is not None:
        args["region"] = region
        if line := inst.line("region"):
            lines["region"] = line
    elif inst.region is not None and inst.region != b.session.provider_regions.get("aws"):
        # an aliased provider, or one a module call passes in
        args["region"] = inst.region
        if inst.provider_line:
            lines["region"] = inst.provider_line
    if "policy" in inst.body:
        args["policy"] = to_policy(inst.body["policy"], inst.loc.file,
                                   f"{inst.address} policy", inst.line("policy"))
    return args


def _flag(value: Any) -> Any:
    decided = as_bool(value)
    return value if decided is None else decided


def _bucket(b: Build, inst: Instance) -> Resource:
    body = inst.body
    args = _base(b, inst, "bucket", {
        "encryption": "server_side_encryption_configuration",
        "kms_key": "server_side_encryption_configuration", "versioning": "versioning",
        "acl": "acl", "logging": "logging"})
    default = sub(body.get("server_side_encryption_configuration"), "rule",
                  "apply_server_side_encryption_by_default")
    enabled = sub(body.get("versioning"), "enabled")
    return Bucket(**args,
                  encryption=sub(default, "sse_algorithm"),
                  kms_key=sub(default, "kms_master_key_id"),
                  versioning=as_bool(enabled) if enabled is not None else None,
                  acl=body.get("acl"),
                  logging=True if first(body.get("logging")) is not None else None)


def _table(b: Build, inst: Instance) -> Resource:
    body = inst.body
    args = _base(b, inst, "name", {
        "sse_enabled": "server_side_encryption", "kms_key": "server_side_encryption",
        "pitr": "point_in_time_recovery", "billing_mode": "billing_mode",
        "stream": "stream_enabled"})
    sse = first(body.get("server_side_encryption"))
    pitr = sub(body.get("point_in_time_recovery"), "enabled")
    stream = body.get("stream_enabled")
    return Table(**args,
                 sse_enabled=_flag(sub(sse, "enabled")) if sse is not None else None,
                 kms_key=sub(sse, "kms_key_arn"),
                 pitr=_flag(pitr) if pitr is not None else None,
                 billing_mode=body.get("billing_mode"),
                 stream=body.get("stream_view_type") if as_bool(stream) else None)


def _queue(b: Build, inst: Instance) -> Resource:
    body = inst.body
    args = _base(b, inst, "name", {
        "kms_key": "kms_master_key_id", "sqs_managed_sse": "sqs_managed_sse_enabled",
        "dead_letter": "redrive_policy", "fifo": "fifo_queue"})
    managed = body.get("sqs_managed_sse_enabled")
    return Queue(**args, kms_key=body.get("kms_master_key_id"),
                 sqs_managed_sse=_flag(managed) if managed is not None else None,
                 dead_letter=_dead_letter(body.get("redrive_policy")),
                 fifo=as_bool(body.get("fifo_queue")) is True)


def _dead_letter(redrive: Any) -> Any:
    """The dead-letter target of a redrive policy (``jsonencode({...})`` or JSON text)."""
    if redrive is None:
        return None
    from faasguard.loaders.terraform.iam import json_document

    document = json_document(redrive, None)
    if isinstance(document, Mapping):
        return document.get("deadLetterTargetArn")
    return document


def _topic(b: Build, inst: Instance) -> Resource:
    args = _base(b, inst, "name", {"kms_key": "kms_master_key_id"})
    return Topic(**args, kms_key=inst.body.get("kms_master_key_id"))


def _key(b: Build, inst: Instance) -> Resource:
    body = inst.body
    args = _base(b, inst, None, {"rotation": "enable_key_rotation",
                                 "key_spec": "customer_master_key_spec"})
    rotation = body.get("enable_key_rotation")
    if inst.type == "aws_kms_external_key":
        return Key(**args, rotation=None, origin="EXTERNAL")
    # enable_key_rotation defaults to false in the provider: unset means off
    return Key(**args, rotation=_flag(rotation) if rotation is not None else False,
               key_spec=body.get("customer_master_key_spec", body.get("key_spec")))


def _secret(b: Build, inst: Instance) -> Resource:
    args = _base(b, inst, "name", {"kms_key": "kms_key_id"})
    return Secret(**args, kms_key=inst.body.get("kms_key_id"))


def _log_group(b: Build, inst: Instance) -> Resource:
    args = _base(b, inst, "name", {"retention_days": "retention_in_days",
                                   "kms_key": "kms_key_id"})
    retention = inst.body.get("retention_in_days")
    # 0 is the provider's spelling of "never expire"
    return LogGroup(**args, retention_days=None if retention == 0 else retention,
                    kms_key=inst.body.get("kms_key_id"))


_REQUIRE = {"require_uppercase": "RequireUppercase", "require_lowercase": "RequireLowercase",
            "require_numbers": "RequireNumbers", "require_symbols": "RequireSymbols"}


def _user_pool(b: Build, inst: Instance) -> Resource:
    """As written, like the CloudFormation loader: the rules know Cognito's defaults."""
    body = inst.body
    args = _base(b, inst, "name", {"min_password_length": "password_policy",
                                   "require": "password_policy", "mfa": "mfa_configuration",
                                   "advanced_security": "user_pool_add_ons"})
    policy = first(body.get("password_policy"))
    if line := line_in(policy, "minimum_length"):
        args["lines"]["min_password_length"] = line
    require = {key: _flag(policy[name]) for name, key in _REQUIRE.items()
               if isinstance(policy, Mapping) and name in policy}
    return UserPool(**args, min_password_length=sub(policy, "minimum_length"),
                    require=require, mfa=body.get("mfa_configuration"),
                    advanced_security=sub(body.get("user_pool_add_ons"),
                                          "advanced_security_mode"))


def _layer(b: Build, inst: Instance) -> Resource:
    args = _base(b, inst, "layer_name", {"compatible_runtimes": "compatible_runtimes"})
    from faasguard.loaders.terraform.functions import local_code_path

    return Layer(**args, compatible_runtimes=tuple(as_list(
        inst.body.get("compatible_runtimes"))),
        content_path=local_code_path(b, inst, inst.body.get("filename")))


def _plain(b: Build, inst: Instance) -> Resource:
    name_key = next((k for k in ("name", "bucket", "function_name") if k in inst.body), None)
    return Resource(**_base(b, inst, name_key, {}))


BUILDERS: Mapping[str, Callable[[Build, Instance], Resource]] = {
    "aws_s3_bucket": _bucket,
    "aws_dynamodb_table": _table,
    "aws_sqs_queue": _queue,
    "aws_sns_topic": _topic,
    "aws_kms_key": _key,
    "aws_kms_external_key": _key,
    "aws_secretsmanager_secret": _secret,
    "aws_cloudwatch_log_group": _log_group,
    "aws_cognito_user_pool": _user_pool,
    "aws_lambda_layer_version": _layer,
}

# types that become other model nodes (functions, roles, APIs, permissions) or only
# configure another resource; they are not listed as resources of their own
CONSUMED = frozenset({
    "aws_lambda_function", "aws_lambda_permission", "aws_lambda_function_url",
    "aws_lambda_event_source_mapping", "aws_lambda_function_event_invoke_config",
    "aws_lambda_provisioned_concurrency_config",
    "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_policy", "aws_s3_bucket_versioning", "aws_s3_bucket_logging",
    "aws_s3_bucket_acl", "aws_sqs_queue_policy", "aws_sqs_queue_redrive_policy",
    "aws_sns_topic_policy", "aws_kms_key_policy", "aws_secretsmanager_secret_rotation",
    "aws_api_gateway_rest_api_policy",
})


def build_resources(b: Build) -> None:
    for inst in b.instances:
        if inst.type in CONSUMED or not inst.type.startswith("aws_"):
            continue
        builder = BUILDERS.get(inst.type, _plain)
        b.resources[inst.address] = builder(b, inst)
    _fold_bucket_settings(b)
    _fold_policies(b)
    _fold_clients(b)


def _update(b: Build, address: str, inst: Instance, field: str, line_key: str | None,
            **values: Any) -> None:
    """Set fields on a built resource; the line counts only in the resource's own file."""
    res = b.resources[address]
    lines = dict(res.lines)
    line = inst.line(line_key) if line_key else inst.loc.line
    if inst.loc.file == res.loc.file and line:
        lines[field] = line
    b.resources[address] = replace(res, lines=lines, **values)


def _bucket_of(b: Build, inst: Instance) -> str | None:
    address = b.named(inst.body.get("bucket"), ("aws_s3_bucket",), "bucket")
    if address is None:
        b.diag("info", f"{inst.address}: configures a bucket this configuration does not "
               "define; not linked", inst, inst.line("bucket"))
    return address


def _fold_bucket_settings(b: Build) -> None:
    for inst in b.of_type("aws_s3_bucket_server_side_encryption_configuration"):
        address = _bucket_of(b, inst)
        if address is None:
            continue
        rule = first(inst.body.get("rule"))
        default = sub(rule, "apply_server_side_encryption_by_default")
        _update(b, address, inst, "encryption", "rule",
                encryption=sub(default, "sse_algorithm"),
                kms_key=sub(default, "kms_master_key_id"))
    for inst in b.of_type("aws_s3_bucket_public_access_block"):
        address = _bucket_of(b, inst)
        if address is None:
            continue
        flags = {k: _flag(inst.body[k]) for k in (
            "block_public_acls", "block_public_policy", "ignore_public_acls",
            "restrict_public_buckets") if k in inst.body}
        res = b.resources[address]
        line = next((inst.line(k) for k, v in flags.items() if v is False), None)
        lines = dict(res.lines)
        if inst.loc.file == res.loc.file:
            lines["public_access_block"] = line or inst.loc.line or 0
        b.resources[address] = replace(res, lines=lines, public_access_block=flags)
    for inst in b.of_type("aws_s3_bucket_versioning"):
        address = _bucket_of(b, inst)
        if address is None:
            continue
        status = sub(inst.body.get("versioning_configuration"), "status")
        _update(b, address, inst, "versioning", "versioning_configuration",
                versioning=(status == "Enabled") if isinstance(status, str) else None)
    for inst in b.of_type("aws_s3_bucket_logging"):
        address = _bucket_of(b, inst)
        if address is not None:
            _update(b, address, inst, "logging", None, logging=True)
    for inst in b.of_type("aws_s3_bucket_acl"):
        address = _bucket_of(b, inst)
        if address is not None and "acl" in inst.body:
            _update(b, address, inst, "acl", "acl", acl=inst.body["acl"])


# policy resource type -> (argument naming the target, target types, name argument)
_POLICY_RESOURCES: Mapping[str, tuple[str, tuple[str, ...], str]] = {
    "aws_s3_bucket_policy": ("bucket", ("aws_s3_bucket",), "bucket"),
    "aws_sqs_queue_policy": ("queue_url", ("aws_sqs_queue",), "name"),
    "aws_sns_topic_policy": ("arn", ("aws_sns_topic",), "name"),
    "aws_kms_key_policy": ("key_id", ("aws_kms_key", "aws_kms_external_key"), "key_id"),
}


def _fold_policies(b: Build) -> None:
    for rtype, (key, types, name_key) in _POLICY_RESOURCES.items():
        for inst in b.of_type(rtype):
            address = b.named(inst.body.get(key), types, name_key)
            if address is None or address not in b.resources:
                b.diag("info", f"{inst.address}: policy for a resource this configuration "
                       "does not define; not linked", inst, inst.line(key))
                continue
            policy = to_policy(inst.body.get("policy"), inst.loc.file, f"{inst.address}",
                               inst.line("policy") or inst.loc.line)
            _update(b, address, inst, "policy", "policy", policy=policy)
    for inst in b.of_type("aws_sqs_queue_redrive_policy"):
        address = b.named(inst.body.get("queue_url"), ("aws_sqs_queue",), "name")
        if address is not None and address in b.resources:
            _update(b, address, inst, "dead_letter", "redrive_policy",
                    dead_letter=_dead_letter(inst.body.get("redrive_policy")))
    for inst in b.of_type("aws_secretsmanager_secret_rotation"):
        address = b.named(inst.body.get("secret_id"), ("aws_secretsmanager_secret",), "name")
        if address is not None and address in b.resources:
            _update(b, address, inst, "rotation", None, rotation=True)


def _fold_clients(b: Build) -> None:
    """App clients: the custom attributes each may write."""
    for inst in b.of_type("aws_cognito_user_pool_client"):
        address = b.target(inst.body.get("user_pool_id"), "aws_cognito_user_pool")
        pool = b.resources.get(address) if address else None
        if not isinstance(pool, UserPool):
            continue
        # without write_attributes a client may write the standard attributes only
        writes = inst.body.get("write_attributes")
        attrs = tuple(a for a in as_list(writes) if isinstance(a, str)
                      and a.startswith("custom:"))
        clients = dict(pool.client_writable_attributes)
        clients[inst.address] = attrs
        b.resources[address or ""] = replace(pool, client_writable_attributes=clients)
