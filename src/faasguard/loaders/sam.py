"""AWS SAM (``Transform: AWS::Serverless-2016-10-31``): what the transform would create,
read straight into the model.

- ``Globals`` merge into each resource the way SAM merges them: mappings merge key by
  key, lists are appended (global items first), anything else (intrinsics included) is
  overridden by the resource. ``IgnoreGlobals`` is honoured.
- ``AWS::Serverless::Function`` gets SAM's generated role ``<Id>Role`` (``generated``)
  unless it names a ``Role``: the basic execution policy, X-Ray / VPC / event-source
  managed policies SAM adds, dead-letter and destination statements, and ``Policies``
  (statements, managed policy names or ARNs, and policy templates expanded from the
  ``policy_templates.json`` that aws-sam-translator ships).
- Events become triggers; Api/HttpApi events become routes on their API, or on the
  implicit ``ServerlessRestApi`` / ``ServerlessHttpApi``, with the event's ``Auth``
  falling back to the API's ``DefaultAuthorizer``.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from faasguard.loaders.cfn_apis import add_route, add_usage_plan, cors_of, openapi_routes
from faasguard.loaders.cfn_iam import add_managed_arns, managed_policy
from faasguard.loaders.cfn_lambda import add_url, code_path, fill_common, set_role
from faasguard.loaders.cfn_stack import (
    ApiDraft,
    FunctionDraft,
    RoleDraft,
    Stack,
    prop_line,
    ref_targets,
    sub,
)
from faasguard.loaders.intrinsics import IntrinsicContext, is_intrinsic, resolve
from faasguard.loaders.policy import parse_document
from faasguard.loaders.yamlsafe import LineDict, LineList, line_of
from faasguard.model import (
    AuthKind,
    Authorizer,
    Cors,
    Location,
    Policy,
    Ref,
    Route,
    Trigger,
    TriggerKind,
    Unresolved,
)
from faasguard.model.nodes import NO_AUTH
from faasguard.model.values import as_bool, as_list

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
FUNCTION = "AWS::Serverless::Function"
API = "AWS::Serverless::Api"
HTTP_API = "AWS::Serverless::HttpApi"
IMPLICIT_REST_API = "ServerlessRestApi"
IMPLICIT_HTTP_API = "ServerlessHttpApi"

_GLOBAL_SECTIONS = {
    FUNCTION: "Function", API: "Api", HTTP_API: "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::LayerVersion": "LayerVersion",
}
_MANAGED = "arn:aws:iam::aws:policy/"


def is_sam(template: Mapping[str, Any]) -> bool:
    transform = template.get("Transform")
    return any(t == SAM_TRANSFORM for t in as_list(transform))


# --- before resolution: globals and the ids SAM generates ------------------------------------


def merge(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals merge, keeping lines."""
    g_dict = isinstance(global_value, Mapping) and not is_intrinsic(global_value)
    l_dict = isinstance(local_value, Mapping) and not is_intrinsic(local_value)
    if g_dict and l_dict:
        out = LineDict(getattr(local_value, "line", 0) or getattr(global_value, "line", 0))
        for source in (global_value, local_value):
            for key, value in source.items():
                out[key] = merge(out[key], value) if key in out and source is local_value \
                    else value
                out.key_lines[key] = line_of(source, key) or 0
        return out
    if isinstance(global_value, list) and isinstance(local_value, list):
        merged = LineList(getattr(local_value, "line", 0))
        for source in (global_value, local_value):
            for index, item in enumerate(source):
                merged.append(item)
                merged.item_lines.append(line_of(source, index) or 0)
        return merged
    return local_value


def with_globals(template: Mapping[str, Any], rtype: str, resource: Mapping[str, Any],
                 props: Any) -> Any:
    """A SAM resource's properties with the template's Globals merged in."""
    globals_ = template.get("Globals")
    section = sub(globals_, _GLOBAL_SECTIONS.get(rtype, ""))
    if not isinstance(section, Mapping):
        return props
    ignore = resource.get("IgnoreGlobals")
    if ignore == "*":
        return props
    skipped = {i for i in as_list(ignore) if isinstance(i, str)}
    chosen = LineDict(getattr(section, "line", 0))
    for key, value in section.items():
        if key not in skipped:
            chosen[key] = value
            chosen.key_lines[key] = line_of(section, key) or 0
    return merge(chosen, props if isinstance(props, Mapping) else LineDict())


def generated_ids(resources: Mapping[str, Any]) -> dict[str, str]:
    """Logical ids SAM creates that a template may reference -> the model id they mean."""
    out: dict[str, str] = {}
    for lid, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        rtype = resource.get("Type")
        props = resource.get("Properties")
        props = props if isinstance(props, Mapping) else {}
        if rtype == FUNCTION:
            if "Role" not in props:
                out[f"{lid}Role"] = f"{lid}Role"
            out[f"{lid}.Alias"] = out[f"{lid}.Version"] = lid
            for event in _mapping(props.get("Events")).values():
                etype = sub(event, "Type")
                eprops = _mapping(sub(event, "Properties"))
                if etype == "Api" and "RestApiId" not in eprops:
                    out[IMPLICIT_REST_API] = IMPLICIT_REST_API
                if etype == "HttpApi" and "ApiId" not in eprops:
                    out[IMPLICIT_HTTP_API] = IMPLICIT_HTTP_API
        elif rtype in (API, HTTP_API):
            out[f"{lid}.Stage"] = out[f"{lid}.Deployment"] = lid
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# --- policy templates and managed policy names -------------------------------------------------


@lru_cache(maxsize=1)
def _samtranslator_dir() -> Path | None:
    spec = importlib.util.find_spec("samtranslator")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def policy_templates() -> Mapping[str, Any]:
    """SAM policy templates by name, read from the aws-sam-translator package's data file
    (the package itself is never imported: it is slow to import)."""
    base = _samtranslator_dir()
    if base is None:
        return {}
    try:
        data = json.loads((base / "policy_templates_data" / "policy_templates.json")
                          .read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    templates = data.get("Templates") if isinstance(data, Mapping) else None
    return templates if isinstance(templates, Mapping) else {}


@lru_cache(maxsize=1)
def _managed_policy_names() -> Mapping[str, str]:
    base = _samtranslator_dir()
    if base is None:
        return {}
    try:
        data = json.loads((base / "internal" / "data" / "aws_managed_policies.json")
                          .read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    names = data.get("aws") if isinstance(data, Mapping) else None
    return names if isinstance(names, Mapping) else {}


def managed_policy_arn(name: str) -> str:
    """The ARN SAM uses for a bare managed policy name (``AmazonS3ReadOnlyAccess``)."""
    known = _managed_policy_names().get(name)
    return known if isinstance(known, str) else _MANAGED + name


def expand_template(name: str, params: Any, ctx: IntrinsicContext) -> Any:
    """A policy template's document with its parameters filled in and intrinsics
    resolved, or an ``Unresolved`` when the template is unknown."""
    template = policy_templates().get(name)
    if not isinstance(template, Mapping):
        return Unresolved(name, "unknown SAM policy template")
    declared = _mapping(template.get("Parameters"))
    given = _mapping(params)

    def fill(node: Any, depth: int = 0) -> Any:
        if depth > 50:
            return node
        if isinstance(node, Mapping):
            if set(node) == {"Ref"} and node["Ref"] in declared:
                key = node["Ref"]
                return given[key] if key in given else Unresolved(
                    f"{name}.{key}", "policy template parameter not given")
            return {k: fill(v, depth + 1) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v, depth + 1) for v in node]
        return node

    return resolve(fill(template.get("Definition")), ctx)


# --- functions -------------------------------------------------------------------------------


_EVENT_POLICIES = {
    "SQS": "service-role/AWSLambdaSQSQueueExecutionRole",
    "Kinesis": "service-role/AWSLambdaKinesisExecutionRole",
    "DynamoDB": "service-role/AWSLambdaDynamoDBExecutionRole",
    "MSK": "service-role/AWSLambdaMSKExecutionRole",
}
_DLQ_ACTIONS = {"SQS": "sqs:SendMessage", "SNS": "sns:Publish"}
_DESTINATION_ACTIONS = {"SQS": "sqs:SendMessage", "SNS": "sns:publish",
                        "Lambda": "lambda:InvokeFunction", "EventBridge": "events:PutEvents"}


def build_function(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    draft = FunctionDraft(lid, stack.loc(lid))
    fill_common(stack, draft, props)
    _code(stack, draft, props)
    if "Tracing" in props:
        tracing = props["Tracing"]
        draft.set("tracing", None if tracing == "Disabled" else tracing,
                  prop_line(props, "Tracing"))
    dead_letter = props.get("DeadLetterQueue")
    if isinstance(dead_letter, Mapping):
        draft.set("dead_letter", dead_letter.get("TargetArn"), prop_line(props, "DeadLetterQueue"))
    if isinstance(props.get("Tags"), Mapping):
        draft.set("tags", dict(props["Tags"]), prop_line(props, "Tags"))
    on_failure = sub(sub(sub(props.get("EventInvokeConfig"), "DestinationConfig"), "OnFailure"),
                     "Destination")
    failure_type = sub(sub(sub(props.get("EventInvokeConfig"), "DestinationConfig"),
                           "OnFailure"), "Type")
    if on_failure is None and failure_type in ("SQS", "SNS"):
        on_failure = Ref(f"{lid}EventInvokeConfigOnFailure"
                         f"{'Queue' if failure_type == 'SQS' else 'Topic'}")
    if on_failure is not None:
        draft.set("on_failure", on_failure, prop_line(props, "EventInvokeConfig"))
    provisioned = sub(props.get("ProvisionedConcurrencyConfig"), "ProvisionedConcurrentExecutions")
    if provisioned is not None and props.get("AutoPublishAlias") is not None:
        draft.set("provisioned_concurrency", provisioned,
                  prop_line(props, "ProvisionedConcurrencyConfig"))
    stack.functions[lid] = draft
    url = props.get("FunctionUrlConfig")
    if isinstance(url, Mapping):
        add_url(stack, lid, url, prop_line(props, "FunctionUrlConfig"),
                prop_line(props, "FunctionUrlConfig"))
    if "Role" in props:
        set_role(stack, draft, props["Role"], prop_line(props, "Role"))
    else:
        _generated_role(stack, lid, props, draft)


def _code(stack: Stack, draft: FunctionDraft, props: Mapping[str, Any]) -> None:
    if "ImageUri" in props:
        draft.set("image_uri", props["ImageUri"], prop_line(props, "ImageUri"))
        draft.values.setdefault("package_type", "Image")
        return
    if "InlineCode" in props:
        stack.diag("info", f"{draft.id}: inline code (InlineCode); no code path to analyse",
                   prop_line(props, "InlineCode"), draft.id)
        return
    if draft.values.get("package_type") == "Image":
        return
    if "CodeUri" not in props:  # SAM CLI builds from the template's folder
        draft.values["code_path"] = stack.root
        return
    line = prop_line(props, "CodeUri")
    path = code_path(stack, props["CodeUri"], line, draft.id)
    if path is not None:
        draft.set("code_path", path, line)


def _generated_role(stack: Stack, lid: str, props: Mapping[str, Any],
                    draft: FunctionDraft) -> None:
    rid = f"{lid}Role"
    role = RoleDraft(rid, stack.loc(lid))
    role.set("generated", True, None)
    trust = props.get("AssumeRolePolicyDocument")
    trust_line = prop_line(props, "AssumeRolePolicyDocument")
    role.set("assume_role_policy", parse_document(
        trust if trust is not None else _LAMBDA_TRUST, stack.rel, f"{rid} trust policy",
        fallback_line=trust_line or stack.loc(lid).line), trust_line)
    if "PermissionsBoundary" in props:
        role.set("permissions_boundary", props["PermissionsBoundary"],
                 prop_line(props, "PermissionsBoundary"))
    loc = stack.loc(lid)
    implied = ["service-role/AWSLambdaBasicExecutionRole"]
    if props.get("Tracing") not in (None, "Disabled"):
        implied.append("AWSXrayWriteOnlyAccess")
    if props.get("VpcConfig"):
        implied.append("service-role/AWSLambdaVPCAccessExecutionRole")
    for event in _mapping(props.get("Events")).values():
        name = _EVENT_POLICIES.get(sub(event, "Type"))
        if name and name not in implied:
            implied.append(name)
    for name in implied:
        role.add_policy(Policy(name=name.rsplit("/", 1)[-1], loc=loc, arn=_MANAGED + name,
                               origin="aws-managed"))
    _policies(stack, role, props)
    dead_letter = props.get("DeadLetterQueue")
    action = _DLQ_ACTIONS.get(sub(dead_letter, "Type"))
    if action:
        _add_statement(stack, role, "DeadLetterQueuePolicy", action,
                       sub(dead_letter, "TargetArn"), prop_line(props, "DeadLetterQueue"))
    destinations = sub(sub(props.get("EventInvokeConfig"), "DestinationConfig"), "OnFailure")
    action = _DESTINATION_ACTIONS.get(sub(destinations, "Type"))
    target = draft.values.get("on_failure")
    if action and target is not None:
        _add_statement(stack, role, f"{lid}EventInvokeConfigOnFailurePolicy", action, target,
                       prop_line(props, "EventInvokeConfig"))
    stack.roles[rid] = role
    draft.set("role", rid, None)


_LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["sts:AssumeRole"],
    "Principal": {"Service": ["lambda.amazonaws.com"]}}]}


def _add_statement(stack: Stack, role: RoleDraft, name: str, action: str, resource: Any,
                   line: int | None) -> None:
    doc = {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    role.add_policy(parse_document(doc, stack.rel, name, fallback_line=line))


def _policies(stack: Stack, role: RoleDraft, props: Mapping[str, Any]) -> None:
    """SAM ``Policies``: statements, managed names/ARNs, policy templates."""
    raw = props.get("Policies")
    if raw is None:
        return
    base_line = prop_line(props, "Policies")
    role.lines["policies"] = base_line or 0
    items = as_list(raw)
    for index, item in enumerate(items):
        line = (raw.line_of(index) if isinstance(raw, LineList) else base_line) or base_line
        loc = stack.at(line, role.id)
        if isinstance(item, str) and not item.startswith("arn:") and "${" not in item:
            role.add_policy(managed_policy(managed_policy_arn(item), loc))
        elif isinstance(item, str | Ref | Unresolved):
            add_managed_arns(stack, role, _line_list([item], line), line)
        elif isinstance(item, Mapping) and "Statement" in item:
            role.add_policy(parse_document(item, stack.rel, f"{role.id}Policy{index}",
                                           fallback_line=line))
        elif isinstance(item, Mapping) and len(item) == 1:
            name, params = next(iter(item.items()))
            document = expand_template(str(name), params, stack.ctx)
            if isinstance(document, Unresolved):
                stack.diag("warning", f"{role.id}: {document.reason} {name}; its permissions "
                           "are unknown", line)
            role.add_policy(_template_policy(stack, str(name), document, line))
        else:
            stack.diag("warning", f"{role.id}: Policies item is not a statement, a managed "
                       "policy or a policy template", line)


def _line_list(items: list[Any], line: int | None) -> LineList:
    out = LineList(line or 0)
    out.extend(items)
    out.item_lines.extend([line or 0] * len(items))
    return out


def _template_policy(stack: Stack, name: str, document: Any, line: int | None) -> Policy:
    parsed = parse_document(document, stack.rel, name, origin="sam-template",
                            fallback_line=line)
    # statements from the template file have no lines of their own: point at the usage
    loc = Location(stack.rel, line)
    statements = tuple(s if s.loc.line else replace(s, loc=loc) for s in parsed.statements)
    return Policy(name=name, loc=loc, statements=statements, origin="sam-template")


# --- APIs -------------------------------------------------------------------------------------


def _authorizers(stack: Stack, auth: Mapping[str, Any]) -> dict[str, Authorizer]:
    """An API's ``Auth.Authorizers`` by name (plus ``AWS_IAM``)."""
    out: dict[str, Authorizer] = {"AWS_IAM": Authorizer(AuthKind.IAM, "AWS_IAM",
                                                        stack.at(prop_line(auth, "Authorizers")))}
    defined = auth.get("Authorizers")
    for name, config in _mapping(defined).items():
        config = _mapping(config)
        loc = stack.at(prop_line(defined, name))
        if "UserPoolArn" in config:
            kind = AuthKind.COGNITO
        elif "JwtConfiguration" in config:
            kind = AuthKind.JWT
        elif "FunctionArn" in config:
            kind = AuthKind.LAMBDA
        else:
            kind = AuthKind.UNRESOLVED
        out[str(name)] = Authorizer(kind, str(name), loc)
    return out


def build_api(stack: Stack, lid: str, props: Mapping[str, Any], http: bool,
              loc: Location | None = None) -> ApiDraft:
    """``AWS::Serverless::Api`` / ``HttpApi`` (also the implicit ones, from Globals)."""
    draft = ApiDraft(lid, loc or stack.loc(lid))
    draft.set("kind", "http" if http else "rest", None)
    if "Name" in props:
        draft.set("name", props["Name"], prop_line(props, "Name"))
    draft.auth = _mapping(props.get("Auth"))
    stack.apis[lid] = draft
    if http:
        _http_settings(stack, draft, props)
    else:
        _rest_settings(stack, draft, props)
    domain = props.get("Domain")
    if isinstance(domain, Mapping):
        default = "TLS_1_2" if http else "TLS_1_0"
        draft.set("min_tls", domain.get("SecurityPolicy", default),
                  prop_line(domain, "SecurityPolicy") or prop_line(props, "Domain"))
    return draft


def _rest_settings(stack: Stack, draft: ApiDraft, props: Mapping[str, Any]) -> None:
    endpoint = props.get("EndpointConfiguration")
    endpoint = sub(endpoint, "Type") if isinstance(endpoint, Mapping) else endpoint
    if endpoint is not None:
        draft.set("endpoint_type", endpoint, prop_line(props, "EndpointConfiguration"))
    entry: dict[str, Any] = {"lines": {}}
    for setting in as_list(props.get("MethodSettings")):
        if isinstance(setting, Mapping) and setting.get("ResourcePath", "/*") == "/*" \
                and setting.get("HttpMethod", "*") == "*":
            for field, key in (("throttling_rate", "ThrottlingRateLimit"),
                               ("throttling_burst", "ThrottlingBurstLimit")):
                if key in setting:
                    entry[field] = setting[key]
                    entry["lines"][field] = prop_line(setting, key)
    entry["access_logging"] = sub(props.get("AccessLogSetting"), "DestinationArn") is not None
    entry["lines"]["access_logging"] = prop_line(props, "AccessLogSetting")
    entry["tracing"] = as_bool(props.get("TracingEnabled")) is True
    entry["lines"]["tracing"] = prop_line(props, "TracingEnabled")
    draft.stages.append(entry)
    cors = props.get("Cors")
    if cors is not None:
        draft.set("cors", _sam_cors(stack, cors, prop_line(props, "Cors")),
                  prop_line(props, "Cors"))
    policy = sub(_mapping(props.get("Auth")).get("ResourcePolicy"), "CustomStatements")
    if policy is not None:
        line = prop_line(sub(props.get("Auth"), "ResourcePolicy"), "CustomStatements")
        draft.set("resource_policy", parse_document({"Statement": policy}, stack.rel,
                                                    f"{draft.id} resource policy",
                                                    fallback_line=line), line)
    plan = sub(_mapping(props.get("Auth")).get("UsagePlan"), "Throttle")
    if isinstance(plan, Mapping):
        add_usage_plan(stack, draft.id, _usage_plan(draft.id, plan,
                                                    prop_line(sub(props.get("Auth"), "UsagePlan"),
                                                              "Throttle")))


def _usage_plan(api_id: str, throttle: Mapping[str, Any], line: int | None) -> LineDict:
    plan = LineDict(line or 0)
    plan["Throttle"] = throttle
    plan.key_lines["Throttle"] = line or 0
    plan["ApiStages"] = [{"ApiId": Ref(api_id)}]
    return plan


def _sam_cors(stack: Stack, value: Any, line: int | None) -> Cors:
    """SAM REST ``Cors``: a quoted origin string, or a mapping with quoted values."""
    if isinstance(value, str):
        return Cors(allow_origins=(value.strip("'\""),), loc=stack.at(line))
    origin = sub(value, "AllowOrigin")
    return Cors(allow_origins=(origin.strip("'\"") if isinstance(origin, str) else origin,)
                if origin is not None else (),
                allow_credentials=as_bool(sub(value, "AllowCredentials")), loc=stack.at(line))


def _http_settings(stack: Stack, draft: ApiDraft, props: Mapping[str, Any]) -> None:
    settings = _mapping(props.get("DefaultRouteSettings"))
    entry: dict[str, Any] = {"lines": {}}
    for field, key in (("throttling_rate", "ThrottlingRateLimit"),
                       ("throttling_burst", "ThrottlingBurstLimit")):
        if key in settings:
            entry[field] = settings[key]
            entry["lines"][field] = prop_line(settings, key)
    entry["access_logging"] = sub(props.get("AccessLogSettings"), "DestinationArn") is not None
    entry["lines"]["access_logging"] = prop_line(props, "AccessLogSettings")
    draft.stages.append(entry)
    cors = props.get("CorsConfiguration")
    line = prop_line(props, "CorsConfiguration")
    if cors is True or (isinstance(cors, str) and as_bool(cors)):
        draft.set("cors", Cors(allow_origins=("*",), loc=stack.at(line)), line)
    elif isinstance(cors, Mapping):
        draft.set("cors", cors_of(stack, cors, line), line)


def add_api_bodies(stack: Stack) -> None:
    """Routes written in a SAM API's ``DefinitionBody``."""
    for lid in stack.of_type(API, HTTP_API):
        draft = stack.apis.get(lid)
        body = sub(stack.props.get(lid), "DefinitionBody")
        if draft is not None and isinstance(body, Mapping):
            openapi_routes(stack, draft, body, _authorizers(stack, draft.auth))


# --- events -----------------------------------------------------------------------------------


def build_events(stack: Stack, template: Mapping[str, Any]) -> None:
    """Every function's ``Events``: triggers, and routes on explicit or implicit APIs."""
    for lid in stack.of_type(FUNCTION):
        events = sub(stack.props.get(lid), "Events")
        if not isinstance(events, Mapping):
            continue
        for name, event in events.items():
            if not isinstance(event, Mapping):
                continue
            line = prop_line(events, name)
            _event(stack, template, lid, str(name), event, line)


# pull event type -> (trigger kind, property naming the source)
_PULL = {
    "SQS": (TriggerKind.SQS, "Queue"),
    "Kinesis": (TriggerKind.KINESIS, "Stream"),
    "DynamoDB": (TriggerKind.DYNAMODB_STREAM, "Stream"),
    "MSK": (TriggerKind.KAFKA, "Stream"),
    "MQ": (TriggerKind.OTHER, "Broker"),
    "DocumentDB": (TriggerKind.OTHER, "Cluster"),
}
_SIMPLE = {
    "S3": (TriggerKind.S3, "Bucket"),
    "SNS": (TriggerKind.SNS, "Topic"),
    "Schedule": (TriggerKind.SCHEDULE, "Schedule"),
    "ScheduleV2": (TriggerKind.SCHEDULE, "ScheduleExpression"),
    "CloudWatchEvent": (TriggerKind.EVENTBRIDGE, "Pattern"),
    "EventBridgeRule": (TriggerKind.EVENTBRIDGE, "Pattern"),
    "Cognito": (TriggerKind.COGNITO, "UserPool"),
    "IoTRule": (TriggerKind.IOT, "Sql"),
    "CloudWatchLogs": (TriggerKind.CLOUDWATCH_LOGS, "LogGroupName"),
    "SelfManagedKafka": (TriggerKind.KAFKA, "KafkaBootstrapServers"),
}
_EXTRA_KEYS = ("Events", "Filter", "Trigger", "Enabled", "State", "StartingPosition",
               "FilterCriteria", "FilterPolicy", "DeadLetterConfig", "DestinationConfig",
               "Topics", "EventBusName", "Input")


def _event(stack: Stack, template: Mapping[str, Any], fid: str, name: str,
           event: Mapping[str, Any], line: int | None) -> None:
    etype = event.get("Type")
    props = _mapping(event.get("Properties"))
    loc = stack.at(line, fid)
    extra = {"event": name, **{k: props[k] for k in _EXTRA_KEYS if k in props}}
    if etype in ("Api", "HttpApi"):
        _api_event(stack, template, fid, etype == "HttpApi", props, loc)
    elif etype in _PULL:
        kind, key = _PULL[etype]
        stack.functions[fid].triggers.append(Trigger(
            kind, loc, source=props.get(key), batch_size=props.get("BatchSize"),
            properties=extra))
    elif etype in _SIMPLE:
        kind, key = _SIMPLE[etype]
        stack.functions[fid].triggers.append(Trigger(kind, loc, source=props.get(key),
                                                     properties=extra))
    else:
        stack.functions[fid].triggers.append(Trigger(TriggerKind.OTHER, loc,
                                                     properties={**extra, "type": etype}))


def _implicit_api(stack: Stack, template: Mapping[str, Any], http: bool,
                  loc: Location) -> ApiDraft:
    lid = IMPLICIT_HTTP_API if http else IMPLICIT_REST_API
    if lid not in stack.apis:
        rtype = HTTP_API if http else API
        props = resolve(with_globals(template, rtype, {}, LineDict()), stack.ctx)
        build_api(stack, lid, props if isinstance(props, Mapping) else LineDict(), http, loc)
    return stack.apis[lid]


def _api_event(stack: Stack, template: Mapping[str, Any], fid: str, http: bool,
               props: Mapping[str, Any], loc: Location) -> None:
    api_ref = props.get("ApiId" if http else "RestApiId")
    if api_ref is None:
        draft: ApiDraft | None = _implicit_api(stack, template, http, loc)
    else:
        draft = next((stack.apis[t] for t in ref_targets(api_ref) if t in stack.apis), None)
    if draft is None:
        stack.diag("info", f"{fid}: API event on an API this template does not define",
                   loc.line)
        return
    authorizers = _authorizers(stack, draft.auth)
    default = draft.auth.get("DefaultAuthorizer")
    key_default = draft.auth.get("ApiKeyRequired")
    auth = _mapping(props.get("Auth"))
    chosen = auth.get("Authorizer", default)
    if chosen is None or chosen == "NONE":
        authorizer = NO_AUTH
    elif isinstance(chosen, str) and chosen in authorizers:
        authorizer = authorizers[chosen]
    else:
        authorizer = Authorizer(AuthKind.UNRESOLVED, str(chosen),
                                stack.at(prop_line(auth, "Authorizer")))
    path = props.get("Path")
    method = props.get("Method")
    if http and path is None and method is None:
        method, path = "ANY", "$default"
    add_route(stack, draft, Route(
        api=draft.id, method=method.upper() if isinstance(method, str) else "ANY",
        path=path if isinstance(path, str) else str(path), loc=loc, authorizer=authorizer,
        api_key_required=as_bool(auth.get("ApiKeyRequired", key_default)) is True,
        function=fid))
