"""Lambda functions and what configures them from outside: execution roles, function
URLs, permissions, event source mappings, async invoke configs, provisioned
concurrency, and the triggers other resources wire to them (S3 notifications, SNS
subscriptions, EventBridge targets).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from faasguard.loaders.terraform.build import Build, Draft, first, sub, targets
from faasguard.loaders.terraform.modules import Instance
from faasguard.loaders.yamlsafe import LineList
from faasguard.model import Cors, FunctionUrl, Permission, Trigger, TriggerKind
from faasguard.model.values import Interpolated, Unresolved, as_bool, as_list

# model field -> argument, for values taken as written
_PLAIN = {
    "name": "function_name", "runtime": "runtime", "handler": "handler",
    "timeout": "timeout", "memory": "memory_size", "kms_key": "kms_key_arn",
    "code_signing": "code_signing_config_arn", "image_uri": "image_uri",
    "package_type": "package_type",
}


def build_function(b: Build, inst: Instance) -> None:
    body = inst.body
    draft = Draft(inst.address, inst.loc)
    for name, key in _PLAIN.items():
        if key in body:
            draft.set(name, body[key], inst.line(key))
    if "image_uri" in body and "package_type" not in body:
        draft.values["package_type"] = "Image"
    reserved = body.get("reserved_concurrent_executions")
    if reserved is not None and reserved != -1:  # -1 is the provider's "no reservation"
        draft.set("reserved_concurrency", reserved, inst.line("reserved_concurrent_executions"))
    if "architectures" in body:
        draft.set("architectures", tuple(str(a) for a in as_list(body["architectures"])),
                  inst.line("architectures"))
    _environment(b, inst, draft)
    if "layers" in body:
        draft.set("layers", tuple(as_list(body["layers"])), inst.line("layers"))
    if "vpc_config" in body:
        subnets = sub(body["vpc_config"], "subnet_ids")
        in_vpc = bool(subnets) if isinstance(subnets, list) else (
            None if subnets is None else True)
        draft.set("vpc", in_vpc, inst.line("vpc_config"))
    for field, block, key in (("tracing", "tracing_config", "mode"),
                              ("dead_letter", "dead_letter_config", "target_arn"),
                              ("ephemeral_storage", "ephemeral_storage", "size"),
                              ("log_format", "logging_config", "log_format")):
        value = sub(body.get(block), key)
        if value is not None:
            draft.set(field, value, inst.line(block))
    if isinstance(body.get("tags"), Mapping):
        draft.set("tags", dict(body["tags"]), inst.line("tags"))
    _code(b, inst, draft)
    b.functions[inst.address] = draft


def _environment(b: Build, inst: Instance, draft: Draft) -> None:
    environment = inst.body.get("environment")
    if environment is None:
        return
    variables = sub(environment, "variables")
    line = inst.line("environment")
    if isinstance(variables, Mapping):
        draft.set("environment", {str(k): v for k, v in variables.items()}, line)
        lines = getattr(variables, "key_lines", {})
        draft.env_lines.update({str(k): ln for k, ln in lines.items() if ln})
    else:
        draft.set("environment", {}, line)
        if isinstance(variables, Unresolved):
            b.diag("info", f"{inst.address}: environment variables could not be resolved "
                   f"({variables.reason})", inst, line)


def _code(b: Build, inst: Instance, draft: Draft) -> None:
    path = local_code_path(b, inst, inst.body.get("filename"))
    if path is not None:
        draft.set("code_path", path, inst.line("filename"))


def local_code_path(b: Build, inst: Instance, value: Any) -> str | None:
    """``filename`` (a local zip, often an ``archive_file`` data source whose source
    directory is the code to analyse) -> a path relative to the scan root; None for
    values we cannot read and for paths outside the scanned tree."""
    if value is None:
        return None
    archive = next((b.data[t] for t in targets(value) if t in b.data
                    and b.data[t].type == "archive_file"), None)
    if archive is not None:
        value = archive.body.get("source_dir", archive.body.get("source_file"))
    if not isinstance(value, str) or isinstance(value, Interpolated) or "://" in value:
        return None
    joined = posixpath.normpath(posixpath.join(b.session.root_rel, value.replace("\\", "/")))
    if value.startswith("/") or joined == ".." or joined.startswith("../"):
        b.diag("warning", f"{inst.address}: code path {value!r} is outside the scanned tree; "
               "not followed", inst, inst.line("filename"))
        return None
    return joined


def link_roles(b: Build) -> None:
    """Each function's ``role``: a role of the configuration, or an external one."""
    for address, draft in b.functions.items():
        inst = b.by_address[address]
        value = inst.body.get("role")
        if value is None:
            continue
        line = inst.line("role")
        rid = b.role_id(value)
        if rid is None:
            rid = value.expr if isinstance(value, Unresolved) else str(value)
            if rid not in b.roles:
                role = Draft(rid, b.at(inst, line))
                role.set("external_arn", value, line)
                if isinstance(value, str) and ":role/" in value:
                    role.set("name", value.rsplit("/", 1)[-1], line)
                b.roles[rid] = role
        draft.set("role", rid, line)


def _cors(b: Build, inst: Instance, value: Any) -> Cors | None:
    block = first(value)
    if not isinstance(block, Mapping):
        return None
    return Cors(allow_origins=tuple(as_list(block.get("allow_origins"))),
                allow_credentials=as_bool(block.get("allow_credentials")),
                loc=b.at(inst, inst.line("cors")))


def build_urls(b: Build) -> None:
    for inst in b.of_type("aws_lambda_function_url"):
        fid = b.function_id(inst.body.get("function_name"))
        if fid is None:
            b.diag("info", f"{inst.address}: URL of a function this configuration does not "
                   "define", inst, inst.line("function_name"))
            continue
        auth = inst.body.get("authorization_type")
        loc = b.at(inst, inst.line("authorization_type"))
        mode = inst.body.get("invoke_mode")
        url = FunctionUrl(auth_type=auth, loc=loc, cors=_cors(b, inst, inst.body.get("cors")),
                          invoke_mode=mode if isinstance(mode, str) else None)
        draft = b.functions[fid]
        draft.set("url", url, loc.line if loc.file == draft.loc.file else None)
        draft.triggers.append(Trigger(TriggerKind.FUNCTION_URL, loc,
                                      properties={"auth_type": auth}))


_PERMISSION_FIELDS = {
    "action": "action", "principal": "principal", "source_arn": "source_arn",
    "source_account": "source_account", "function_url_auth_type": "function_url_auth_type",
    "principal_org_id": "principal_org_id",
}


def build_permissions(b: Build) -> None:
    for inst in b.of_type("aws_lambda_permission"):
        raw = inst.body.get("function_name")
        fid = b.function_id(raw)
        lines = {f: line for f, key in _PERMISSION_FIELDS.items() if (line := inst.line(key))}
        if line := inst.line("function_name"):
            lines["function"] = line
        b.permissions.append(Permission(
            id=inst.address, loc=inst.loc, lines=lines,
            function=fid if fid is not None else raw,
            **{f: inst.body.get(key) for f, key in _PERMISSION_FIELDS.items()}))


_SOURCE_TYPES = {
    "aws_sqs_queue": TriggerKind.SQS, "aws_dynamodb_table": TriggerKind.DYNAMODB_STREAM,
    "aws_kinesis_stream": TriggerKind.KINESIS, "aws_msk_cluster": TriggerKind.KAFKA,
    "aws_msk_serverless_cluster": TriggerKind.KAFKA,
}
_SOURCE_SERVICES = {":sqs:": TriggerKind.SQS, ":dynamodb:": TriggerKind.DYNAMODB_STREAM,
                    ":kinesis:": TriggerKind.KINESIS, ":kafka:": TriggerKind.KAFKA}
_ESM_PROPERTIES = ("starting_position", "filter_criteria", "enabled",
                   "maximum_retry_attempts", "bisect_batch_on_function_error",
                   "function_response_types", "topics")


def _source_kind(b: Build, source: Any) -> TriggerKind:
    for address in targets(source):
        kind = _SOURCE_TYPES.get(b.types.get(address, ""))
        if kind is not None:
            return kind
    if isinstance(source, str):
        for marker, kind in _SOURCE_SERVICES.items():
            if marker in source:
                return kind
    return TriggerKind.OTHER


def _add_trigger(b: Build, inst: Instance, target: Any, trigger: Trigger,
                 line: int | None) -> None:
    fid = b.function_id(target)
    if fid is None:
        b.diag("info", f"{inst.address}: wires a function this configuration does not "
               "define", inst, line)
        return
    b.functions[fid].triggers.append(trigger)


def build_triggers(b: Build) -> None:
    for inst in b.of_type("aws_lambda_event_source_mapping"):
        source = inst.body.get("event_source_arn")
        kind = _source_kind(b, source)
        if source is None and "self_managed_event_source" in inst.body:
            kind, source = TriggerKind.KAFKA, inst.body["self_managed_event_source"]
        extra = {k: inst.body[k] for k in _ESM_PROPERTIES if k in inst.body}
        on_failure = sub(inst.body.get("destination_config"), "on_failure", "destination_arn")
        if on_failure is not None:
            extra["on_failure"] = on_failure
        _add_trigger(b, inst, inst.body.get("function_name"), Trigger(
            kind, inst.loc, source=source, batch_size=inst.body.get("batch_size"),
            properties=extra), inst.line("function_name"))
    for inst in b.of_type("aws_s3_bucket_notification"):
        blocks = inst.body.get("lambda_function")
        for index, block in enumerate(as_list(blocks) if isinstance(blocks, list) else []):
            line = blocks.line_of(index) if isinstance(blocks, LineList) else inst.loc.line
            _add_trigger(b, inst, sub(block, "lambda_function_arn"), Trigger(
                TriggerKind.S3, b.at(inst, line), source=inst.body.get("bucket"),
                properties={"events": sub(block, "events")}), line)
    for inst in b.of_type("aws_sns_topic_subscription"):
        if inst.body.get("protocol") != "lambda":
            continue
        _add_trigger(b, inst, inst.body.get("endpoint"), Trigger(
            TriggerKind.SNS, inst.loc, source=inst.body.get("topic_arn")),
            inst.line("endpoint"))
    for inst in b.of_type("aws_cloudwatch_event_target"):
        rule = b.target(inst.body.get("rule"), "aws_cloudwatch_event_rule")
        rule_body = b.by_address[rule].body if rule else {}
        schedule = rule_body.get("schedule_expression")
        kind = TriggerKind.SCHEDULE if schedule is not None else TriggerKind.EVENTBRIDGE
        if b.function_id(inst.body.get("arn")) is None:
            continue  # targets other than functions (queues, step functions, ...)
        _add_trigger(b, inst, inst.body.get("arn"), Trigger(
            kind, inst.loc, source=schedule if schedule is not None else rule_body.get(
                "event_pattern"), properties={"rule": rule}), inst.line("arn"))


def build_invoke_settings(b: Build) -> None:
    for inst in b.of_type("aws_lambda_function_event_invoke_config"):
        fid = b.function_id(inst.body.get("function_name"))
        if fid is None:
            continue
        destination = sub(inst.body.get("destination_config"), "on_failure", "destination")
        if destination is not None:
            draft = b.functions[fid]
            same = inst.loc.file == draft.loc.file
            draft.set("on_failure", destination,
                      inst.line("destination_config") if same else None)
    for inst in b.of_type("aws_lambda_provisioned_concurrency_config"):
        fid = b.function_id(inst.body.get("function_name"))
        if fid is not None:
            b.functions[fid].set("provisioned_concurrency",
                                 inst.body.get("provisioned_concurrent_executions"), None)


def link_log_groups(b: Build) -> None:
    """A log group named ``/aws/lambda/<function name>`` (literal, or built from a
    reference to the function), or the function's ``logging_config.log_group``."""
    from faasguard.model import LogGroup

    groups = [res for res in b.resources.values() if isinstance(res, LogGroup)]
    for address, draft in b.functions.items():
        inst = b.by_address[address]
        configured = sub(inst.body.get("logging_config"), "log_group")
        name = draft.values.get("name")
        for group in groups:
            value = group.name
            if configured is not None:
                hit = group.id in targets(configured) or (
                    isinstance(configured, str) and configured == value)
            elif isinstance(value, Interpolated):
                hit = "/aws/lambda/" in value and address in targets(value)
            else:
                hit = isinstance(name, str) and value == f"/aws/lambda/{name}"
            if hit:
                draft.set("log_group", group.id, None)
                break
