"""API Gateway REST (v1), HTTP and WebSocket (v2) APIs: routes with their authorizers,
stage settings, custom domains, usage plans and WAF associations.

Routes come from ``Method``/``Route`` resources and from an inline OpenAPI ``Body``.
Stage settings are folded into the API: logging and tracing count as on only when every
stage has them, so one unlogged stage is not hidden by a logged one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.cfn_stack import ApiDraft, Stack, prop_line, ref_targets, sub
from faasguard.loaders.policy import parse_document
from faasguard.model import AuthKind, Authorizer, Cors, Route, Trigger, TriggerKind
from faasguard.model.nodes import NO_AUTH
from faasguard.model.values import Unresolved, as_bool, as_list

MAX_PATH_DEPTH = 64
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "any",
                "x-amazon-apigateway-any-method")


def api_for(stack: Stack, value: Any) -> ApiDraft | None:
    for target in ref_targets(value):
        if target in stack.apis:
            return stack.apis[target]
    return None


# --- the APIs ---------------------------------------------------------------------------


def build_rest_api(stack: Stack, lid: str, props: Mapping[str, Any]) -> ApiDraft:
    draft = ApiDraft(lid, stack.loc(lid))
    draft.set("kind", "rest", None)
    if "Name" in props:
        draft.set("name", props["Name"], prop_line(props, "Name"))
    types = sub(props.get("EndpointConfiguration"), "Types")
    if types is not None:
        first = as_list(types)[:1]
        draft.set("endpoint_type", first[0] if first and isinstance(first[0], str) else None,
                  prop_line(props, "EndpointConfiguration"))
    if "Policy" in props:
        line = prop_line(props, "Policy")
        draft.set("resource_policy", parse_document(props["Policy"], stack.rel,
                                                    f"{lid} resource policy",
                                                    fallback_line=line), line)
    stack.apis[lid] = draft
    body = props.get("Body")
    if isinstance(body, Mapping):
        openapi_routes(stack, draft, body)
    return draft


def build_v2_api(stack: Stack, lid: str, props: Mapping[str, Any]) -> ApiDraft:
    draft = ApiDraft(lid, stack.loc(lid))
    protocol = props.get("ProtocolType")
    draft.set("kind", "websocket" if protocol == "WEBSOCKET" else "http",
              prop_line(props, "ProtocolType"))
    if "Name" in props:
        draft.set("name", props["Name"], prop_line(props, "Name"))
    cors = props.get("CorsConfiguration")
    if isinstance(cors, Mapping):
        draft.set("cors", cors_of(stack, cors, prop_line(props, "CorsConfiguration")),
                  prop_line(props, "CorsConfiguration"))
    stack.apis[lid] = draft
    target = props.get("Target")
    if target is not None:  # quick create: one $default route, no authorizer
        line = prop_line(props, "Target")
        route_key = props.get("RouteKey", "$default")
        method, path = split_route_key(route_key)
        add_route(stack, draft, Route(lid, method, path, stack.at(line, lid),
                                      function=stack.function_id(target)))
        draft.stages.append({"access_logging": False})  # the quick-create $default stage
    body = props.get("Body")
    if isinstance(body, Mapping):
        openapi_routes(stack, draft, body)
    return draft


def cors_of(stack: Stack, value: Mapping[str, Any], line: int | None) -> Cors:
    origins = value.get("AllowOrigins", value.get("AllowOrigin"))
    return Cors(allow_origins=tuple(as_list(origins)),
                allow_credentials=as_bool(value.get("AllowCredentials")), loc=stack.at(line))


def add_route(stack: Stack, draft: ApiDraft, route: Route) -> None:
    """A route on an API, and the HTTP trigger it puts on its function."""
    draft.routes.append(route)
    if route.function is None:
        return
    kind = {"rest": TriggerKind.REST_API, "websocket": TriggerKind.WEBSOCKET}.get(
        draft.values.get("kind", "rest"), TriggerKind.HTTP_API)
    trigger = Trigger(kind, route.loc, source=draft.id, api=draft.id, route=route)
    fn = stack.functions.get(route.function)
    if fn is not None:
        fn.triggers.append(trigger)
    else:
        stack.external_triggers.setdefault(route.function, []).append(trigger)


def split_route_key(key: Any) -> tuple[str, str]:
    if not isinstance(key, str):
        return "ANY", str(key.expr if isinstance(key, Unresolved) else key)
    method, _, path = key.partition(" ")
    if not path:  # "$default", or a WebSocket route key such as "$connect"
        return ("ANY" if key == "$default" else "WS"), key
    return method.upper(), path


# --- REST API methods ---------------------------------------------------------------------

_V1_AUTH = {"NONE": AuthKind.NONE, "AWS_IAM": AuthKind.IAM, "CUSTOM": AuthKind.LAMBDA,
            "COGNITO_USER_POOLS": AuthKind.COGNITO}
_V2_AUTH = {"NONE": AuthKind.NONE, "AWS_IAM": AuthKind.IAM, "JWT": AuthKind.JWT,
            "CUSTOM": AuthKind.LAMBDA}
_AUTHORIZER_TYPES = {"TOKEN": AuthKind.LAMBDA, "REQUEST": AuthKind.LAMBDA,
                     "COGNITO_USER_POOLS": AuthKind.COGNITO, "JWT": AuthKind.JWT}


def resource_path(stack: Stack, value: Any) -> str:
    """The full path of an ``AWS::ApiGateway::Resource`` (or the root)."""
    parts: list[str] = []
    for _ in range(MAX_PATH_DEPTH):
        if isinstance(value, Unresolved):
            return "/".join(["<unresolved>", *reversed(parts)])
        targets = ref_targets(value)
        if not targets:
            return "/" + "/".join(reversed(parts)) if parts else "/<unresolved>"
        target = targets[0]
        if target in stack.apis:  # GetAtt Api.RootResourceId
            return "/" + "/".join(reversed(parts))
        if stack.types.get(target) != "AWS::ApiGateway::Resource":
            return "/<unresolved>"
        props = stack.props.get(target) or {}
        part = props.get("PathPart")
        parts.append(part if isinstance(part, str) else "<unresolved>")
        value = props.get("ParentId")
    return "/<too deep>"


def _authorizer(stack: Stack, auth_type: Any, authorizer_id: Any, table: Mapping[str, AuthKind],
                line: int | None) -> Authorizer:
    if auth_type is None:
        auth_type = "NONE"
    kind = table.get(auth_type) if isinstance(auth_type, str) else None
    if kind is None:
        return Authorizer(AuthKind.UNRESOLVED, str(auth_type), stack.at(line))
    if kind is AuthKind.NONE:
        return NO_AUTH
    for target in ref_targets(authorizer_id):
        props = stack.props.get(target)
        if isinstance(props, Mapping):
            declared = props.get("Type", props.get("AuthorizerType"))
            kind = _AUTHORIZER_TYPES.get(declared, kind) if isinstance(declared, str) else kind
            name = props.get("Name")
            return Authorizer(kind, name if isinstance(name, str) else target, stack.loc(target))
    return Authorizer(kind, None, stack.at(line))


def build_method(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    draft = api_for(stack, props.get("RestApiId"))
    if draft is None:
        stack.diag("info", f"{lid}: method of a REST API this template does not define",
                   prop_line(props, "RestApiId"), lid)
        return
    method = props.get("HttpMethod")
    line = prop_line(props, "AuthorizationType")
    route = Route(
        api=draft.id, method=method.upper() if isinstance(method, str) else "ANY",
        path=resource_path(stack, props.get("ResourceId")), loc=stack.loc(lid),
        authorizer=_authorizer(stack, props.get("AuthorizationType"),
                               props.get("AuthorizerId"), _V1_AUTH, line),
        api_key_required=as_bool(props.get("ApiKeyRequired")) is True,
        function=stack.function_id(sub(props.get("Integration"), "Uri")))
    add_route(stack, draft, route)


def build_v2_route(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    draft = api_for(stack, props.get("ApiId"))
    if draft is None:
        stack.diag("info", f"{lid}: route of an API this template does not define",
                   prop_line(props, "ApiId"), lid)
        return
    method, path = split_route_key(props.get("RouteKey"))
    function = None
    for target in ref_targets(props.get("Target")):
        integration = stack.props.get(target)
        if stack.types.get(target) == "AWS::ApiGatewayV2::Integration" and \
                isinstance(integration, Mapping):
            function = stack.function_id(integration.get("IntegrationUri"))
    route = Route(
        api=draft.id, method=method, path=path, loc=stack.loc(lid),
        authorizer=_authorizer(stack, props.get("AuthorizationType"),
                               props.get("AuthorizerId"), _V2_AUTH,
                               prop_line(props, "AuthorizationType")),
        api_key_required=as_bool(props.get("ApiKeyRequired")) is True,
        function=function)
    add_route(stack, draft, route)


# --- OpenAPI bodies (REST Body, HTTP Body, SAM DefinitionBody) ------------------------------


def openapi_routes(stack: Stack, draft: ApiDraft, body: Mapping[str, Any],
                   named: Mapping[str, Authorizer] | None = None) -> None:
    """Routes of an inline OpenAPI/Swagger document with API Gateway extensions."""
    schemes = {**_mapping(body.get("securityDefinitions")),
               **_mapping(sub(body.get("components"), "securitySchemes"))}
    default_security = body.get("security")
    paths = body.get("paths")
    if not isinstance(paths, Mapping):
        return
    for path, operations in paths.items():
        if not isinstance(operations, Mapping):
            continue
        for verb, operation in operations.items():
            if not isinstance(verb, str) or verb.lower() not in HTTP_METHODS or \
                    not isinstance(operation, Mapping):
                continue
            method = "ANY" if "any" in verb.lower() else verb.upper()
            security = operation.get("security", default_security)
            authorizer, api_key = _openapi_auth(stack, security, schemes, named or {})
            integration = operation.get("x-amazon-apigateway-integration")
            add_route(stack, draft, Route(
                api=draft.id, method=method, path=str(path),
                loc=stack.at(prop_line(operations, verb), draft.id), authorizer=authorizer,
                api_key_required=api_key,
                function=stack.function_id(sub(integration, "uri"))))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _openapi_auth(stack: Stack, security: Any, schemes: Mapping[str, Any],
                  named: Mapping[str, Authorizer]) -> tuple[Authorizer, bool]:
    authorizer, api_key = NO_AUTH, False
    for requirement in as_list(security):
        for name in _mapping(requirement):
            if name in named:
                found: Authorizer | None = named[name]
            else:
                found = _scheme_authorizer(stack, str(name), _mapping(schemes.get(name)))
            if found is None:
                api_key = True
            elif authorizer.is_none:
                authorizer = found
    return authorizer, api_key


def _scheme_authorizer(stack: Stack, name: str, scheme: Mapping[str, Any]) -> Authorizer | None:
    """The authorizer a security scheme stands for; None for a plain API key."""
    authtype = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
    declared = str(sub(scheme.get("x-amazon-apigateway-authorizer"), "type") or "").lower()
    loc = stack.at(getattr(scheme, "line", None) or None)
    if authtype == "awssigv4":
        return Authorizer(AuthKind.IAM, name, loc)
    if declared in ("token", "request") or authtype == "custom":
        return Authorizer(AuthKind.LAMBDA, name, loc)
    if declared == "cognito_user_pools" or authtype == "cognito_user_pools":
        return Authorizer(AuthKind.COGNITO, name, loc)
    if declared == "jwt" or scheme.get("type") in ("oauth2", "openIdConnect"):
        return Authorizer(AuthKind.JWT, name, loc)
    if scheme.get("type") == "apiKey":
        return None
    return Authorizer(AuthKind.UNRESOLVED, name, loc)


# --- stages, usage plans, domains, WAF ------------------------------------------------------


def _stage_entry(settings: Mapping[str, Any], method_settings: Any, access: Any,
                 tracing: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"lines": {}}
    stage_wide = [s for s in as_list(method_settings) if isinstance(s, Mapping)
                  and s.get("ResourcePath", "/*") == "/*" and s.get("HttpMethod", "*") == "*"]
    source: Mapping[str, Any] = stage_wide[0] if stage_wide else settings
    for field, key in (("throttling_rate", "ThrottlingRateLimit"),
                       ("throttling_burst", "ThrottlingBurstLimit")):
        if key in source:
            entry[field] = source[key]
            entry["lines"][field] = prop_line(source, key)
    entry["access_logging"] = sub(access, "DestinationArn") is not None
    entry["tracing"] = as_bool(tracing)
    return entry


def build_stage(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    rtype = stack.types[lid]
    if rtype == "AWS::ApiGateway::Deployment":
        if "StageName" not in props:
            return
        settings = _mapping(props.get("StageDescription"))
        draft = api_for(stack, props.get("RestApiId"))
        entry = _stage_entry(settings, settings.get("MethodSettings"),
                             settings.get("AccessLogSetting"), settings.get("TracingEnabled"))
    elif rtype == "AWS::ApiGateway::Stage":
        draft = api_for(stack, props.get("RestApiId"))
        entry = _stage_entry(props, props.get("MethodSettings"), props.get("AccessLogSetting"),
                             props.get("TracingEnabled"))
    else:  # AWS::ApiGatewayV2::Stage
        draft = api_for(stack, props.get("ApiId"))
        entry = _stage_entry(_mapping(props.get("DefaultRouteSettings")), None,
                             props.get("AccessLogSettings"), None)
    if draft is None:
        return
    entry["lines"]["access_logging"] = prop_line(props, "AccessLogSetting") or prop_line(
        props, "AccessLogSettings") or stack.loc(lid).line
    entry["lines"]["tracing"] = prop_line(props, "TracingEnabled") or stack.loc(lid).line
    draft.stages.append(entry)


def add_usage_plan(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    throttle = _mapping(props.get("Throttle"))
    if not throttle:
        return
    for stage in as_list(props.get("ApiStages")):
        draft = api_for(stack, sub(stage, "ApiId"))
        if draft is not None:
            draft.values.setdefault("usage_plan_throttle", (
                throttle.get("RateLimit"), throttle.get("BurstLimit"),
                prop_line(props, "Throttle")))


def finish_apis(stack: Stack) -> None:
    """Fold stages, usage plans, domains and WAF associations into each API."""
    protected = _waf_protected(stack)
    domains = _domain_policies(stack)
    for draft in stack.apis.values():
        kind = draft.values.get("kind", "rest")
        usage = draft.values.pop("usage_plan_throttle", None)
        _fold_stages(draft, kind)
        # A usage plan throttles only callers that present one of its API keys, so it
        # counts as the API's throttling only when routes require a key.
        keyed = any(route.api_key_required for route in draft.routes)
        if usage is not None and keyed and draft.values.get("throttling_rate") is None:
            draft.set("throttling_rate", usage[0], usage[2])
            draft.set("throttling_burst", usage[1], usage[2])
        if kind == "rest":
            draft.set("waf", draft.id in protected, None)
        if draft.id in domains:
            policy, line = domains[draft.id]
            draft.set("min_tls", policy, line)


def _fold_stages(draft: ApiDraft, kind: str) -> None:
    stages = draft.stages
    if "access_logging" not in draft.values:
        draft.set("access_logging", bool(stages) and all(s.get("access_logging")
                                                          for s in stages),
                  _first_line(stages, "access_logging", lambda s: not s.get("access_logging")))
    if kind == "rest" and "tracing" not in draft.values:
        draft.set("tracing", bool(stages) and all(s.get("tracing") for s in stages),
                  _first_line(stages, "tracing", lambda s: not s.get("tracing")))
    for field in ("throttling_rate", "throttling_burst"):
        if field in draft.values:
            continue
        values = [s.get(field) for s in stages]
        if values and all(v is not None for v in values):
            numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
            # the loosest stage is the one an attacker will use
            chosen = max(numeric) if len(numeric) == len(values) else values[0]
            draft.set(field, chosen, _first_line(stages, field, lambda s: True))


def _first_line(stages: list[dict[str, Any]], field: str, pick: Any) -> int | None:
    for stage in stages:
        if pick(stage):
            line = stage.get("lines", {}).get(field)
            if line:
                return int(line)
    return None


def _waf_protected(stack: Stack) -> set[str]:
    out: set[str] = set()
    for lid in stack.of_type("AWS::WAFv2::WebACLAssociation",
                             "AWS::WAFRegional::WebACLAssociation"):
        for target in ref_targets(sub(stack.props.get(lid), "ResourceArn")):
            if target in stack.apis:
                out.add(target)
            elif stack.types.get(target) == "AWS::ApiGateway::Stage":
                draft = api_for(stack, sub(stack.props.get(target), "RestApiId"))
                if draft is not None:
                    out.add(draft.id)
    return out


def _domain_policies(stack: Stack) -> dict[str, tuple[Any, int | None]]:
    """API id -> (minimum TLS policy of a custom domain mapped to it, line)."""
    policies: dict[str, tuple[Any, int | None]] = {}
    names: dict[str, str] = {}
    for lid in stack.of_type("AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::DomainName"):
        props = _mapping(stack.props.get(lid))
        if stack.types[lid] == "AWS::ApiGateway::DomainName":
            # REST custom domains default to TLS_1_0 when SecurityPolicy is not given
            policies[lid] = (props.get("SecurityPolicy", "TLS_1_0"),
                             prop_line(props, "SecurityPolicy") or stack.loc(lid).line)
        else:
            configs = as_list(props.get("DomainNameConfigurations"))
            first = _mapping(configs[0]) if configs else {}
            policies[lid] = (first.get("SecurityPolicy", "TLS_1_2"),
                             prop_line(first, "SecurityPolicy") or stack.loc(lid).line)
        if isinstance(props.get("DomainName"), str):
            names[props["DomainName"]] = lid
    out: dict[str, tuple[Any, int | None]] = {}
    for lid in stack.of_type("AWS::ApiGateway::BasePathMapping",
                             "AWS::ApiGateway::BasePathMappingV2",
                             "AWS::ApiGatewayV2::ApiMapping"):
        props = _mapping(stack.props.get(lid))
        domain = props.get("DomainName", props.get("DomainNameArn"))
        domain_id = next((t for t in ref_targets(domain) if t in policies), None)
        if domain_id is None and isinstance(domain, str):
            domain_id = names.get(domain)
        draft = api_for(stack, props.get("RestApiId", props.get("ApiId")))
        if domain_id is not None and draft is not None:
            out[draft.id] = policies[domain_id]
    return out
