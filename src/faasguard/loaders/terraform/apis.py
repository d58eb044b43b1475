"""API Gateway in Terraform: REST APIs (v1: resources, methods, integrations,
authorizers, stages, method settings) and HTTP/WebSocket APIs (v2: routes,
integrations, authorizers, stages), folded into model ``Api`` nodes with their routes.

Stage settings count as on only when every stage has them, as for CloudFormation, so
one unlogged stage is not hidden by a logged one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.terraform.build import Build, Draft, first, sub, targets
from faasguard.loaders.terraform.iam import to_policy
from faasguard.loaders.terraform.modules import Instance
from faasguard.loaders.terraform.openapi import body_routes
from faasguard.model import Api, AuthKind, Authorizer, Cors, Route, Trigger, TriggerKind
from faasguard.model.nodes import NO_AUTH
from faasguard.model.values import Unresolved, as_bool, as_list

MAX_PATH_DEPTH = 64

_V1_AUTH = {"NONE": AuthKind.NONE, "AWS_IAM": AuthKind.IAM, "CUSTOM": AuthKind.LAMBDA,
            "COGNITO_USER_POOLS": AuthKind.COGNITO}
_V2_AUTH = {"NONE": AuthKind.NONE, "AWS_IAM": AuthKind.IAM, "CUSTOM": AuthKind.LAMBDA,
            "JWT": AuthKind.JWT}


def build_apis(b: Build) -> None:
    for inst in b.of_type("aws_api_gateway_rest_api"):
        draft = _api(b, inst, "rest")
        types = sub(inst.body.get("endpoint_configuration"), "types")
        if types is not None:
            kind = first(types) if isinstance(types, list) else types
            draft.set("endpoint_type", kind, inst.line("endpoint_configuration"))
    for inst in b.of_type("aws_apigatewayv2_api"):
        protocol = inst.body.get("protocol_type")
        draft = _api(b, inst, "websocket" if protocol == "WEBSOCKET" else "http")
        cors = first(inst.body.get("cors_configuration"))
        if isinstance(cors, Mapping):
            line = inst.line("cors_configuration")
            draft.set("cors", Cors(allow_origins=tuple(as_list(cors.get("allow_origins"))),
                                   allow_credentials=as_bool(cors.get("allow_credentials")),
                                   loc=b.at(inst, line)), line)
        if inst.body.get("target") is not None:  # quick create: a $default route, no auth
            line = inst.line("target")
            route_key = inst.body.get("route_key", "$default")
            method, path = _split_route_key(route_key)
            _add_route(b, draft, Route(inst.address, method, path, b.at(inst, line),
                                       function=b.integrated_function(inst.body["target"])))
            draft.values.setdefault("stages", []).append({"access_logging": False})
    for inst in b.of_type("aws_api_gateway_rest_api_policy"):
        api = b.target(inst.body.get("rest_api_id"), "aws_api_gateway_rest_api")
        if api is not None:
            same = inst.loc.file == b.apis[api].loc.file
            b.apis[api].set("resource_policy", to_policy(
                inst.body.get("policy"), inst.loc.file, inst.address, inst.line("policy")),
                inst.line("policy") if same else None)
    _rest_routes(b)
    _http_routes(b)
    _stages(b)
    _fold(b)


def _api(b: Build, inst: Instance, kind: str) -> Draft:
    draft = Draft(inst.address, inst.loc)
    draft.set("kind", kind, None)
    if "name" in inst.body:
        draft.set("name", inst.body["name"], inst.line("name"))
    if "policy" in inst.body:
        draft.set("resource_policy", to_policy(inst.body["policy"], inst.loc.file,
                                               f"{inst.address} policy", inst.line("policy")),
                  inst.line("policy"))
    b.apis[inst.address] = draft
    if "body" in inst.body:
        routes = body_routes(b, inst, inst.address)
        if routes is None:
            b.diag("info", f"{inst.address}: the OpenAPI body could not be read; its routes "
                   "are not known", inst, inst.line("body"))
        for route in routes or ():
            _add_route(b, draft, route)
    return draft


def _add_route(b: Build, draft: Draft, route: Route) -> None:
    b.routes.setdefault(draft.id, []).append(route)
    if route.function is None or route.function not in b.functions:
        return
    kind = {"rest": TriggerKind.REST_API, "websocket": TriggerKind.WEBSOCKET}.get(
        draft.values.get("kind", "rest"), TriggerKind.HTTP_API)
    b.functions[route.function].triggers.append(
        Trigger(kind, route.loc, source=draft.id, api=draft.id, route=route))


def _split_route_key(value: Any) -> tuple[str, str]:
    if not isinstance(value, str):
        return "ANY", str(value)
    if " " in value:
        method, path = value.split(" ", 1)
        return method.upper(), path
    return ("ANY" if value.startswith("$") else value.upper()), value


# --- REST (v1) -------------------------------------------------------------------------


def _path(b: Build, value: Any, depth: int = 0) -> str | None:
    """The path of an ``aws_api_gateway_resource`` (or ``/`` for the API's root)."""
    for address in targets(value):
        rtype = b.types.get(address)
        if rtype == "aws_api_gateway_rest_api":
            return "/"
        if rtype == "aws_api_gateway_resource" and depth < MAX_PATH_DEPTH:
            body = b.by_address[address].body
            parent = _path(b, body.get("parent_id"), depth + 1)
            part = body.get("path_part")
            if parent is None or not isinstance(part, str):
                return None
            return parent.rstrip("/") + "/" + part
    return None


def _authorizer(b: Build, inst: Instance, kind_key: str, table: Mapping[str, AuthKind],
                default: str) -> Authorizer:
    value = inst.body.get(kind_key, default)
    loc = b.at(inst, inst.line(kind_key))
    if not isinstance(value, str):
        return Authorizer(AuthKind.UNRESOLVED, str(value), loc)
    kind = table.get(value.upper())
    if kind is None:
        return Authorizer(AuthKind.UNRESOLVED, value, loc)
    if kind is AuthKind.NONE:
        return NO_AUTH
    auth = b.target(inst.body.get("authorizer_id"), "aws_api_gateway_authorizer",
                    "aws_apigatewayv2_authorizer")
    name = None
    if auth is not None:
        auth_body = b.by_address[auth].body
        raw = auth_body.get("name")
        name = raw if isinstance(raw, str) else auth
        if auth_body.get("type") == "COGNITO_USER_POOLS":
            kind = AuthKind.COGNITO
        return Authorizer(kind, name, b.by_address[auth].loc)
    return Authorizer(kind, name, loc)


def _rest_routes(b: Build) -> None:
    integrations = list(b.of_type("aws_api_gateway_integration"))
    for inst in b.of_type("aws_api_gateway_method"):
        api = b.target(inst.body.get("rest_api_id"), "aws_api_gateway_rest_api")
        if api is None:
            b.diag("info", f"{inst.address}: method of an API this configuration does not "
                   "define", inst, inst.line("rest_api_id"))
            continue
        path = _path(b, inst.body.get("resource_id"))
        method = inst.body.get("http_method")
        route = Route(api, str(method).upper() if isinstance(method, str) else "ANY",
                      path or "<unresolved path>", inst.loc,
                      authorizer=_authorizer(b, inst, "authorization", _V1_AUTH, "NONE"),
                      api_key_required=as_bool(inst.body.get("api_key_required")) is True,
                      function=_integrated(b, inst, integrations))
        _add_route(b, b.apis[api], route)


def _integrated(b: Build, method: Instance, integrations: list[Instance]) -> str | None:
    """The function the method's integration invokes."""
    resource = set(targets(method.body.get("resource_id")))
    verb = method.body.get("http_method")
    for inst in integrations:
        body = inst.body
        if not resource & set(targets(body.get("resource_id"))):
            continue
        named = body.get("http_method")
        if named != verb and method.address not in targets(named):
            continue
        return b.integrated_function(body.get("uri"))
    return None


# --- HTTP and WebSocket (v2) ----------------------------------------------------------------


def _http_routes(b: Build) -> None:
    for inst in b.of_type("aws_apigatewayv2_route"):
        api = b.target(inst.body.get("api_id"), "aws_apigatewayv2_api")
        if api is None:
            b.diag("info", f"{inst.address}: route of an API this configuration does not "
                   "define", inst, inst.line("api_id"))
            continue
        method, path = _split_route_key(inst.body.get("route_key"))
        function = None
        integration = b.target(inst.body.get("target"), "aws_apigatewayv2_integration")
        if integration is not None:
            function = b.integrated_function(b.by_address[integration].body.get("integration_uri"))
        route = Route(api, method, path, inst.loc,
                      authorizer=_authorizer(b, inst, "authorization_type", _V2_AUTH, "NONE"),
                      api_key_required=as_bool(inst.body.get("api_key_required")) is True,
                      function=function)
        _add_route(b, b.apis[api], route)


# --- stages, usage plans, WAF, domains --------------------------------------------------------


def _stage(draft: Draft, inst: Instance, access: Any, tracing: Any,
           throttle: Mapping[str, Any] | None, throttle_line: int | None) -> None:
    same = inst.loc.file == draft.loc.file
    entry: dict[str, Any] = {
        "access_logging": sub(access, "destination_arn") is not None,
        "tracing": as_bool(tracing),
        "lines": {"access_logging": (inst.line("access_log_settings") or inst.loc.line)
                  if same else None,
                  "tracing": (inst.line("xray_tracing_enabled") or inst.loc.line)
                  if same else None},
    }
    if throttle:
        for field, key in (("throttling_rate", "throttling_rate_limit"),
                           ("throttling_burst", "throttling_burst_limit")):
            if key in throttle:
                entry[field] = throttle[key]
                entry["lines"][field] = throttle_line if same else None
    draft.values.setdefault("stages", []).append(entry)


def _stages(b: Build) -> None:
    settings: dict[tuple[str, str], tuple[Mapping[str, Any], int | None]] = {}
    for inst in b.of_type("aws_api_gateway_method_settings"):
        block = first(inst.body.get("settings"))
        stage = inst.body.get("stage_name")
        if inst.body.get("method_path") == "*/*" and isinstance(block, Mapping):
            for address in targets(stage):
                settings[(address, "")] = (block, inst.line("settings"))
            for rest_api in targets(inst.body.get("rest_api_id")):
                if isinstance(stage, str):
                    settings[(rest_api, stage)] = (block, inst.line("settings"))
    for inst in b.of_type("aws_api_gateway_stage"):
        api = b.target(inst.body.get("rest_api_id"), "aws_api_gateway_rest_api")
        if api is None:
            continue
        name = inst.body.get("stage_name")
        found = settings.get((inst.address, "")) or settings.get((api, str(name)))
        _stage(b.apis[api], inst, inst.body.get("access_log_settings"),
               inst.body.get("xray_tracing_enabled"), found[0] if found else None,
               found[1] if found else None)
    for inst in b.of_type("aws_api_gateway_deployment"):
        api = b.target(inst.body.get("rest_api_id"), "aws_api_gateway_rest_api")
        if api is not None and inst.body.get("stage_name") is not None:
            _stage(b.apis[api], inst, None, None, None, None)
    for inst in b.of_type("aws_apigatewayv2_stage"):
        api = b.target(inst.body.get("api_id"), "aws_apigatewayv2_api")
        if api is None:
            continue
        route_settings = first(inst.body.get("default_route_settings"))
        _stage(b.apis[api], inst, inst.body.get("access_log_settings"), None,
               route_settings if isinstance(route_settings, Mapping) else None,
               inst.line("default_route_settings"))


def _waf_protected(b: Build) -> set[str]:
    out: set[str] = set()
    for inst in b.of_type("aws_wafv2_web_acl_association", "aws_wafregional_web_acl_association"):
        for address in targets(inst.body.get("resource_arn")):
            if b.types.get(address) == "aws_api_gateway_rest_api":
                out.add(address)
            elif b.types.get(address) == "aws_api_gateway_stage":
                api = b.target(b.by_address[address].body.get("rest_api_id"),
                               "aws_api_gateway_rest_api")
                if api is not None:
                    out.add(api)
    return out


def _domains(b: Build) -> dict[str, tuple[Any, Instance]]:
    """API address -> (minimum TLS policy of a custom domain mapped to it, domain)."""
    policies: dict[str, tuple[Any, Instance]] = {}
    for inst in b.of_type("aws_api_gateway_domain_name"):
        policies[inst.address] = (inst.body.get("security_policy", "TLS_1_0"), inst)
    for inst in b.of_type("aws_apigatewayv2_domain_name"):
        config = first(inst.body.get("domain_name_configuration"))
        policies[inst.address] = (sub(config, "security_policy") or "TLS_1_2", inst)
    out: dict[str, tuple[Any, Instance]] = {}
    for inst in b.of_type("aws_api_gateway_base_path_mapping", "aws_apigatewayv2_api_mapping"):
        domain = next((t for t in targets(inst.body.get("domain_name")) if t in policies), None)
        api = b.target(inst.body.get("api_id"), "aws_api_gateway_rest_api",
                       "aws_apigatewayv2_api")
        if domain is not None and api is not None:
            out[api] = policies[domain]
    return out


def _usage_plans(b: Build) -> dict[str, tuple[Any, Any]]:
    out: dict[str, tuple[Any, Any]] = {}
    for inst in b.of_type("aws_api_gateway_usage_plan"):
        throttle = first(inst.body.get("throttle_settings"))
        if not isinstance(throttle, Mapping):
            continue
        for stage in as_list(inst.body.get("api_stages")):
            api = b.target(sub(stage, "api_id"), "aws_api_gateway_rest_api")
            if api is not None:
                out[api] = (throttle.get("rate_limit"), throttle.get("burst_limit"))
    return out


def _fold(b: Build) -> None:
    protected = _waf_protected(b)
    domains = _domains(b)
    plans = _usage_plans(b)
    for address, draft in b.apis.items():
        kind = draft.values.get("kind", "rest")
        stages: list[dict[str, Any]] = draft.values.pop("stages", [])
        draft.set("access_logging", bool(stages) and all(s["access_logging"] for s in stages),
                  _first_line(stages, "access_logging", lambda s: not s["access_logging"]))
        if kind == "rest":
            draft.set("tracing", bool(stages) and all(s["tracing"] for s in stages),
                      _first_line(stages, "tracing", lambda s: not s["tracing"]))
            draft.set("waf", address in protected, None)
        for field in ("throttling_rate", "throttling_burst"):
            values = [s.get(field) for s in stages]
            if values and all(v is not None for v in values):
                numeric = [v for v in values if isinstance(v, int | float)
                           and not isinstance(v, bool)]
                # the loosest stage is the one an attacker will use
                chosen = max(numeric) if len(numeric) == len(values) else values[0]
                draft.set(field, chosen, _first_line(stages, field, lambda s: True))
        keyed = any(r.api_key_required for r in b.routes.get(address, []))
        if address in plans and keyed and draft.values.get("throttling_rate") is None:
            draft.set("throttling_rate", plans[address][0], None)
            draft.set("throttling_burst", plans[address][1], None)
        if address in domains:
            policy, domain = domains[address]
            same = domain.loc.file == draft.loc.file
            draft.set("min_tls", policy if isinstance(policy, str) else None,
                      (domain.line("security_policy") or domain.loc.line) if same else None)


def _first_line(stages: list[dict[str, Any]], field: str, pick: Any) -> int | None:
    for stage in stages:
        if pick(stage):
            line = stage.get("lines", {}).get(field)
            if line:
                return int(line)
    return None


def api_nodes(b: Build) -> dict[str, Api]:
    out: dict[str, Api] = {}
    for address, draft in b.apis.items():
        values = dict(draft.values)
        if isinstance(values.get("endpoint_type"), Unresolved):
            values["endpoint_type"] = None
        out[address] = Api(id=address, loc=draft.loc, lines=draft.lines,
                           routes=tuple(b.routes.get(address, [])), **values)
    return out
