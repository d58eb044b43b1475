"""Lambda functions and the resources that configure them from outside: URLs,
permissions, event source mappings, async invoke configs, versions and aliases.

``fill_common`` reads the properties that ``AWS::Lambda::Function`` and
``AWS::Serverless::Function`` share, so SAM only adds what is SAM's own.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from faasguard.loaders.base import relpath
from faasguard.loaders.cfn_stack import FunctionDraft, Stack, prop_line, ref_targets, sub
from faasguard.model import Cors, FunctionUrl, Permission, Trigger, TriggerKind
from faasguard.model.values import Unresolved, as_bool, as_list

# model field -> property, for values taken as written
_PLAIN_FIELDS = {
    "name": "FunctionName",
    "runtime": "Runtime",
    "handler": "Handler",
    "timeout": "Timeout",
    "memory": "MemorySize",
    "reserved_concurrency": "ReservedConcurrentExecutions",
    "kms_key": "KmsKeyArn",
    "code_signing": "CodeSigningConfigArn",
}


def fill_common(stack: Stack, draft: FunctionDraft, props: Mapping[str, Any]) -> None:
    """Fields both function types spell the same way."""
    for name, key in _PLAIN_FIELDS.items():
        if key in props:
            draft.set(name, props[key], prop_line(props, key))
    if isinstance(props.get("PackageType"), str):
        draft.set("package_type", props["PackageType"], prop_line(props, "PackageType"))
    if "Architectures" in props:
        draft.set("architectures", tuple(str(a) for a in as_list(props["Architectures"])),
                  prop_line(props, "Architectures"))
    environment = props.get("Environment")
    variables = sub(environment, "Variables")
    if isinstance(variables, Mapping):
        draft.set("environment", {str(k): v for k, v in variables.items()},
                  prop_line(props, "Environment"))
        draft.env_lines.update({str(k): line for k in variables
                                if (line := prop_line(variables, k))})
    elif environment is not None:
        draft.set("environment", {}, prop_line(props, "Environment"))
        if isinstance(variables, Unresolved):
            stack.diag("info", f"{draft.id}: environment variables could not be resolved "
                       f"({variables.reason})", prop_line(props, "Environment"), draft.id)
    if "Layers" in props:
        draft.set("layers", tuple(as_list(props["Layers"])), prop_line(props, "Layers"))
    if "VpcConfig" in props:
        draft.set("vpc", _in_vpc(props["VpcConfig"]), prop_line(props, "VpcConfig"))
    if "EphemeralStorage" in props:
        draft.set("ephemeral_storage", sub(props["EphemeralStorage"], "Size"),
                  prop_line(props, "EphemeralStorage"))
    logging = props.get("LoggingConfig")
    if isinstance(logging, Mapping):
        line = prop_line(props, "LoggingConfig")
        if "LogFormat" in logging:
            draft.set("log_format", logging["LogFormat"], prop_line(logging, "LogFormat") or line)
        group = logging.get("LogGroup")
        if group is not None:
            stack.log_group_names.setdefault(draft.id, []).extend(
                [str(t) for t in ref_targets(group)] or [str(group)])


def _in_vpc(config: Any) -> bool | None:
    if not isinstance(config, Mapping):
        return None if config is None else True
    subnets = config.get("SubnetIds")
    if isinstance(subnets, list):
        return bool(subnets)
    return subnets is not None


def set_role(stack: Stack, draft: FunctionDraft, value: Any, line: int | None) -> None:
    """Link the execution role: a role of the template, or an external one by ARN."""
    rid = stack.role_id(value)
    if rid is None:
        rid = stack.external_role(value, line, draft.id)
    draft.set("role", rid, line)


def code_path(stack: Stack, value: Any, line: int | None, owner: str) -> str | None:
    """A local code location (``Code: ./src``, SAM ``CodeUri``) relative to the scan
    root; None for S3 locations and for paths that leave the scanned tree."""
    if not isinstance(value, str) or not value or value.startswith("s3://"):
        return None
    if "${" in value:
        return None
    path = PurePosixPath(value.replace("\\", "/"))
    if path.is_absolute():
        rel = relpath(Path(value), stack.opts.root)
        joined = rel if not rel.startswith("/") else None
    else:
        joined = posixpath.normpath(posixpath.join(stack.root, path.as_posix()))
    if joined is None or joined == ".." or joined.startswith("../"):
        stack.diag("warning", f"{owner}: code path {value!r} is outside the scanned tree; "
                   "not followed", line, owner)
        return None
    return joined


def build_function(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    """``AWS::Lambda::Function``."""
    draft = FunctionDraft(lid, stack.loc(lid))
    fill_common(stack, draft, props)
    code = props.get("Code")
    code_line = prop_line(props, "Code")
    if isinstance(code, Mapping):
        if "ImageUri" in code:
            draft.set("image_uri", code["ImageUri"], code_line)
            draft.values.setdefault("package_type", "Image")
        elif "ZipFile" in code:
            stack.diag("info", f"{lid}: inline code (ZipFile); no code path to analyse",
                       code_line, lid)
    elif code is not None:
        path = code_path(stack, code, code_line, lid)
        if path:
            draft.set("code_path", path, code_line)
    tracing = sub(props.get("TracingConfig"), "Mode")
    if tracing is not None:
        draft.set("tracing", tracing, prop_line(props, "TracingConfig"))
    dead_letter = sub(props.get("DeadLetterConfig"), "TargetArn")
    if dead_letter is not None:
        draft.set("dead_letter", dead_letter, prop_line(props, "DeadLetterConfig"))
    tags = props.get("Tags")
    if isinstance(tags, list):
        draft.set("tags", {str(sub(t, "Key")): sub(t, "Value") for t in tags
                           if isinstance(t, Mapping)}, prop_line(props, "Tags"))
    if "Role" in props:
        set_role(stack, draft, props["Role"], prop_line(props, "Role"))
    stack.functions[lid] = draft


# --- resources that configure a function from outside -----------------------------------


def _cors(value: Any, line: int | None, stack: Stack) -> Cors | None:
    if not isinstance(value, Mapping):
        return None
    return Cors(allow_origins=tuple(as_list(value.get("AllowOrigins"))),
                allow_credentials=as_bool(value.get("AllowCredentials")),
                loc=stack.at(line))


def add_url(stack: Stack, fid: str, config: Mapping[str, Any], line: int | None,
            url_line: int | None = None) -> None:
    """A function URL (``AWS::Lambda::Url`` or SAM ``FunctionUrlConfig``)."""
    draft = stack.functions.get(fid)
    if draft is None:
        return
    auth_line = prop_line(config, "AuthType") or line
    url = FunctionUrl(auth_type=config.get("AuthType"), loc=stack.at(auth_line),
                      cors=_cors(config.get("Cors"), prop_line(config, "Cors") or line, stack),
                      invoke_mode=config.get("InvokeMode") if isinstance(
                          config.get("InvokeMode"), str) else None)
    draft.set("url", url, url_line or auth_line)
    draft.triggers.append(Trigger(TriggerKind.FUNCTION_URL, stack.at(auth_line),
                                  properties={"auth_type": config.get("AuthType")}))


def build_url(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    fid = stack.function_id(props.get("TargetFunctionArn"))
    if fid is None:
        stack.diag("info", f"{lid}: function URL for a function this template does not define",
                   prop_line(props, "TargetFunctionArn"), lid)
        return
    add_url(stack, fid, props, stack.loc(lid).line)


_PERMISSION_FIELDS = {
    "action": "Action", "principal": "Principal", "source_arn": "SourceArn",
    "source_account": "SourceAccount", "function_url_auth_type": "FunctionUrlAuthType",
    "principal_org_id": "PrincipalOrgID",
}


def build_permission(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    raw = props.get("FunctionName")
    fid = stack.function_id(raw)
    lines = {f: line for f, key in _PERMISSION_FIELDS.items() if (line := prop_line(props, key))}
    if line := prop_line(props, "FunctionName"):
        lines["function"] = line
    stack.permissions.append(Permission(
        id=lid, loc=stack.loc(lid), lines=lines, function=fid if fid is not None else raw,
        **{f: props.get(key) for f, key in _PERMISSION_FIELDS.items()}))


# event source type (by resource type or ARN service) -> trigger kind
_SOURCE_TYPES = {
    "AWS::SQS::Queue": TriggerKind.SQS,
    "AWS::DynamoDB::Table": TriggerKind.DYNAMODB_STREAM,
    "AWS::DynamoDB::GlobalTable": TriggerKind.DYNAMODB_STREAM,
    "AWS::Kinesis::Stream": TriggerKind.KINESIS,
    "AWS::Kinesis::StreamConsumer": TriggerKind.KINESIS,
    "AWS::MSK::Cluster": TriggerKind.KAFKA,
    "AWS::MSK::ServerlessCluster": TriggerKind.KAFKA,
}
_SOURCE_SERVICES = {":sqs:": TriggerKind.SQS, ":dynamodb:": TriggerKind.DYNAMODB_STREAM,
                    ":kinesis:": TriggerKind.KINESIS, ":kafka:": TriggerKind.KAFKA}


def source_kind(stack: Stack, source: Any) -> TriggerKind:
    for target in ref_targets(source):
        kind = _SOURCE_TYPES.get(stack.types.get(target, ""))
        if kind is not None:
            return kind
    if isinstance(source, str):
        for marker, kind in _SOURCE_SERVICES.items():
            if marker in source:
                return kind
    return TriggerKind.OTHER


_ESM_PROPERTIES = ("StartingPosition", "FilterCriteria", "Enabled", "MaximumRetryAttempts",
                   "BisectBatchOnFunctionError", "FunctionResponseTypes", "Topics")


def build_event_source_mapping(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    source = props.get("EventSourceArn")
    kind = source_kind(stack, source)
    if source is None and "SelfManagedEventSource" in props:
        kind, source = TriggerKind.KAFKA, props["SelfManagedEventSource"]
    extra = {k: props[k] for k in _ESM_PROPERTIES if k in props}
    on_failure = sub(sub(props.get("DestinationConfig"), "OnFailure"), "Destination")
    if on_failure is not None:
        extra["on_failure"] = on_failure
    trigger = Trigger(kind, stack.loc(lid), source=source, batch_size=props.get("BatchSize"),
                      properties=extra)
    if not stack.add_trigger(props.get("FunctionName"), trigger):
        stack.diag("info", f"{lid}: event source mapping for a function this template does "
                   "not define", prop_line(props, "FunctionName"), lid)


def build_event_invoke_config(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    fid = stack.function_id(props.get("FunctionName"))
    draft = stack.functions.get(fid) if fid else None
    if draft is None:
        return
    destination = sub(sub(props.get("DestinationConfig"), "OnFailure"), "Destination")
    if destination is not None:
        draft.set("on_failure", destination, prop_line(props, "DestinationConfig"))


def build_version(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    """``AWS::Lambda::Version`` / ``Alias``: provisioned concurrency."""
    config = props.get("ProvisionedConcurrencyConfig")
    if config is None:
        return
    fid = stack.function_id(props.get("FunctionName"))
    if fid is None and stack.types.get(lid) == "AWS::Lambda::Alias":
        fid = stack.function_id(props.get("FunctionVersion"))
    draft = stack.functions.get(fid) if fid else None
    if draft is not None:
        draft.set("provisioned_concurrency", sub(config, "ProvisionedConcurrentExecutions"),
                  prop_line(props, "ProvisionedConcurrencyConfig"))
