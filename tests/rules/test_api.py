"""Endpoint, resource-policy and user-pool rules (A4) against hand-built models."""

from __future__ import annotations

from typing import Any

import pytest

from faasguard.config import Config
from faasguard.loaders.policy import parse_document
from faasguard.loaders.yamlsafe import LineDict
from faasguard.model import (
    Api,
    App,
    AuthKind,
    Authorizer,
    Cors,
    Function,
    FunctionUrl,
    Location,
    Permission,
    Queue,
    Resource,
    Route,
    Unresolved,
    UserPool,
)
from faasguard.rules import Hit, Rule
from faasguard.rules import api as rules
from faasguard.rules.registry import Context

FILE = "template.yaml"
COGNITO = Authorizer(AuthKind.COGNITO, "Pool")


def loc(line: int) -> Location:
    return Location(FILE, line)


def app_of(*, functions: tuple[Function, ...] = (), apis: tuple[Api, ...] = (),
           permissions: tuple[Permission, ...] = (),
           resources: tuple[Resource, ...] = ()) -> App:
    return App(name="shop", source=Location(FILE), format="sam", functions=functions,
               apis={a.id: a for a in apis}, permissions=permissions,
               resources={r.id: r for r in resources})


def run(rule: Rule, app: App) -> list[Hit]:
    return list(rule(app, Context(config=Config(), root=".")))


def route(method: str, path: str, line: int, **fields: Any) -> Route:
    fields.setdefault("api", "ShopApi")
    return Route(method=method, path=path, loc=loc(line), **fields)


# --- routes ------------------------------------------------------------------------------


def test_rest_routes_without_auth_one_finding_each() -> None:
    api = Api(id="ShopApi", loc=loc(1), kind="rest", routes=(
        route("GET", "/orders", 10, function="ListOrders"),
        route("POST", "/orders", 11, authorizer=COGNITO),
        route("OPTIONS", "/orders", 12),
        route("GET", "/keys", 13, api_key_required=True),
        route("GET", "/legacy", 14, authorizer=Authorizer(AuthKind.API_KEY)),
        route("GET", "/maybe", 15, authorizer=Authorizer(AuthKind.UNRESOLVED, "Fn::If")),
        route("GET", "/iam", 16, authorizer=Authorizer(AuthKind.IAM)),
    ))
    fn = Function(id="ListOrders", loc=loc(30), name="shop-list-orders")
    hits = run(rules.rest_route_without_auth, app_of(functions=(fn,), apis=(api,)))
    assert [(h.subject.name, h.location.line) for h in hits] == [
        ("GET /orders", 10), ("GET /keys", 13), ("GET /legacy", 14)]
    assert "shop-list-orders" in hits[0].message and "GET /orders" in hits[0].message
    assert "API key" in hits[1].message and "not authenticate" in hits[1].message
    assert hits[0].subject.function == "ListOrders"


def test_http_and_websocket_routes_use_their_own_rules() -> None:
    http = Api(id="HttpApi", loc=loc(1), kind="http", routes=(
        route("GET", "/items", 5, api="HttpApi"),
        route("ANY", "$default", 6, api="HttpApi", authorizer=Authorizer(AuthKind.JWT))))
    ws = Api(id="Chat", loc=loc(20), kind="websocket", routes=(
        route("WS", "$connect", 21, api="Chat"),
        route("WS", "$default", 22, api="Chat"),
        route("WS", "sendMessage", 23, api="Chat")))
    app = app_of(apis=(http, ws))
    assert [h.location.line for h in run(rules.http_route_without_auth, app)] == [5]
    assert [h.location.line for h in run(rules.rest_route_without_auth, app)] == []
    assert [h.location.line for h in run(rules.websocket_connect_without_auth, app)] == [21]


def test_function_url_auth_none() -> None:
    public = Function(id="Public", loc=loc(1), url=FunctionUrl("NONE", loc(4)))
    iam = Function(id="Private", loc=loc(10), url=FunctionUrl("AWS_IAM", loc(14)))
    unknown = Function(id="Unknown", loc=loc(20),
                       url=FunctionUrl(Unresolved("${param:auth}"), loc(24)))
    hits = run(rules.function_url_without_auth, app_of(functions=(public, iam, unknown)))
    assert [(h.subject.id, h.location.line) for h in hits] == [("Public", 4)]


# --- permissions -----------------------------------------------------------------------


def perm(pid: str, line: int, principal: Any, **fields: Any) -> Permission:
    fields.setdefault("function", "Orders")
    fields.setdefault("action", "lambda:InvokeFunction")
    return Permission(id=pid, loc=loc(line), lines={"principal": line + 3},
                      principal=principal, **fields)


def test_public_lambda_permissions() -> None:
    permissions = (
        perm("Star", 10, "*"),
        perm("StarAws", 20, {"AWS": "*"}),
        perm("StarWithOrg", 30, "*", principal_org_id="o-abc123"),
        perm("StarWithAccount", 40, "*", source_account="123456789012"),
        perm("Account", 50, "123456789012"),
        perm("Unknown", 60, Unresolved("Ref Principal")),
        perm("UrlPublic", 70, "*", action="lambda:InvokeFunctionUrl",
             function_url_auth_type="NONE", function="Web"),
    )
    web = Function(id="Web", loc=loc(80), url=FunctionUrl("NONE", loc(82)))
    orders = Function(id="Orders", loc=loc(90), name="shop-orders")
    hits = run(rules.public_lambda_permission,
               app_of(functions=(web, orders), permissions=permissions))
    assert [(h.subject.id, h.location.line) for h in hits] == [("Star", 13), ("StarAws", 23)]
    assert "shop-orders" in hits[0].message and hits[0].subject.function == "Orders"


def test_service_permissions_need_a_source() -> None:
    permissions = (
        perm("S3", 10, "s3.amazonaws.com"),
        perm("S3Scoped", 20, "s3.amazonaws.com", source_account="123456789012"),
        perm("Api", 30, "apigateway.amazonaws.com", source_arn="arn:aws:execute-api:x"),
        perm("Star", 40, "*"),
    )
    hits = run(rules.unscoped_service_permission, app_of(permissions=permissions))
    assert [h.subject.id for h in hits] == ["S3"]


# --- resource policies -----------------------------------------------------------------


def queue_with(*statements: dict[str, Any]) -> Queue:
    policy = parse_document({"Statement": list(statements)}, FILE, "QueuePolicy",
                            fallback_line=7)
    return Queue(id="Orders", loc=loc(1), type="AWS::SQS::Queue", policy=policy)


ALLOW_ALL = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
             "Resource": "arn:aws:sqs:eu-west-1:123456789012:orders"}


@pytest.mark.parametrize(("statements", "public"), [
    ([ALLOW_ALL], True),
    ([{**ALLOW_ALL, "Principal": {"AWS": ["*"]}}], True),
    ([{**ALLOW_ALL, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}], False),
    ([{**ALLOW_ALL, "Principal": {"Service": "sns.amazonaws.com"}}], False),
    ([{**ALLOW_ALL, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}], True),
    ([{**ALLOW_ALL, "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:x:1:t"}}}],
     False),
    ([{**ALLOW_ALL, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}], False),
    ([{**ALLOW_ALL, "Condition": {"StringLike": {"aws:SourceArn": "*"}}}], True),
    ([{**ALLOW_ALL, "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": "1"}}}], True),
    ([{**ALLOW_ALL, "Condition": {"StringNotEquals": {"aws:SourceAccount": "1"}}}], True),
    ([{**ALLOW_ALL, "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}], True),
    ([{**ALLOW_ALL, "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}], False),
    ([{**ALLOW_ALL, "Condition": {"StringEquals": {
        "aws:SourceAccount": Unresolved("${AWS::AccountId}")}}}], False),
    ([{**ALLOW_ALL, "Effect": "Deny"}], False),
    ([{**ALLOW_ALL, "Principal": None, "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}}], True),
    # A Deny that refuses everyone outside the VPC endpoint closes the Allow ...
    ([ALLOW_ALL, {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*",
                  "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0abc"}}}], False),
    # ... but not when it covers only some of the actions ...
    ([{**ALLOW_ALL, "Action": "sqs:*"},
      {"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*",
       "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0abc"}}}], True),
    # ... nor when its condition is about transport, not about who.
    ([ALLOW_ALL, {"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*",
                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}], True),
])
def test_resource_policy_public_statements(statements: list[dict[str, Any]],
                                           public: bool) -> None:
    statements = [{k: v for k, v in s.items() if v is not None} for s in statements]
    hits = run(rules.public_resource_policy, app_of(resources=(queue_with(*statements),)))
    assert bool(hits) is public
    if public:
        assert hits[0].subject.id == "Orders" and "sqs:" in hits[0].message


def test_api_resource_policy() -> None:
    policy = parse_document({"Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*"}]}, FILE, "ApiPolicy", fallback_line=40)
    api = Api(id="ShopApi", loc=loc(30), kind="rest", resource_policy=policy)
    hits = run(rules.public_resource_policy, app_of(apis=(api,)))
    assert [(h.subject.kind, h.subject.id) for h in hits] == [("api", "ShopApi")]


# --- CORS ------------------------------------------------------------------------------


def test_cors_rules() -> None:
    star_creds = Api(id="A", loc=loc(1), kind="http",
                     cors=Cors(("*",), True, loc(3)))
    star_auth = Api(id="B", loc=loc(10), kind="rest", cors=Cors(("'*'",), None, loc(12)),
                    routes=(route("GET", "/me", 14, api="B", authorizer=COGNITO),))
    star_open = Api(id="C", loc=loc(20), kind="rest", cors=Cors(("*",), None, loc(22)),
                    routes=(route("GET", "/catalog", 24, api="C"),))
    named = Api(id="D", loc=loc(30), kind="http",
                cors=Cors(("https://shop.example.com",), True, loc(32)),
                routes=(route("GET", "/me", 34, api="D", authorizer=COGNITO),))
    url = Function(id="F", loc=loc(40), url=FunctionUrl("AWS_IAM", loc(42),
                                                         cors=Cors(("*",), None, loc(43))))
    app = app_of(apis=(star_creds, star_auth, star_open, named), functions=(url,))
    assert [h.location.line for h in run(rules.cors_any_origin_with_credentials, app)] == [3]
    assert sorted(h.location.line for h in
                  run(rules.cors_any_origin_on_authenticated_api, app)) == [12, 43]


# --- user pools --------------------------------------------------------------------------


def pool(pid: str, **fields: Any) -> UserPool:
    fields.setdefault("loc", loc(1))
    fields.setdefault("mfa", "ON")
    return UserPool(id=pid, type="AWS::Cognito::UserPool", **fields)


ALL = {"RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
       "RequireSymbols": True}


@pytest.mark.parametrize(("fields", "weak"), [
    ({}, False),  # Cognito's default policy
    ({"min_password_length": 6, "require": ALL}, True),
    ({"min_password_length": "7", "require": ALL}, True),
    ({"min_password_length": 8, "require": ALL}, False),
    ({"min_password_length": 8}, True),
    ({"min_password_length": 10, "require": {"RequireLowercase": True,
                                             "RequireNumbers": "true"}}, True),
    ({"min_password_length": 10, "require": {"RequireLowercase": True, "RequireNumbers": True,
                                             "RequireUppercase": True}}, False),
    ({"min_password_length": 12}, False),
    ({"min_password_length": Unresolved("Ref MinLength")}, False),
    ({"min_password_length": 10, "require": {"RequireUppercase": Unresolved("Fn::If")}},
     False),
])
def test_password_policy(fields: dict[str, Any], weak: bool) -> None:
    hits = run(rules.weak_password_policy, app_of(resources=(pool("Users", **fields),)))
    assert bool(hits) is weak


def test_mfa_rules() -> None:
    pools = (pool("Off", mfa="OFF"), pool("Unset", mfa=None), pool("Optional", mfa="OPTIONAL"),
             pool("On", mfa="ON"), pool("Unknown", mfa=Unresolved("Ref Mfa")))
    app = app_of(resources=pools)
    assert sorted(h.subject.id for h in run(rules.mfa_off, app)) == ["Off", "Unset"]
    assert [h.subject.id for h in run(rules.mfa_optional, app)] == ["Optional"]


def test_client_writable_custom_attributes() -> None:
    client_props = LineDict(50)
    client_props["WriteAttributes"] = ["email", "custom:role", "custom:nickname"]
    client_props.key_lines["WriteAttributes"] = 53
    client = Resource(id="WebClient", loc=loc(50), type="AWS::Cognito::UserPoolClient",
                      properties=client_props)
    users = pool("Users", client_writable_attributes={
        "WebClient": ("custom:role", "custom:nickname"),
        "AdminClient": ("custom:tenantId", "custom:isAdmin"),
        "ReadOnly": ()})
    app = app_of(resources=(users, client))
    authz = run(rules.client_writes_authz_attributes, app)
    assert [(h.detail, h.location.line) for h in authz] == [
        ("AdminClient:custom:tenantId,custom:isAdmin", 1), ("WebClient:custom:role", 53)]
    other = run(rules.client_writes_custom_attributes, app)
    assert [(h.detail, h.location.line) for h in other] == [("WebClient:custom:nickname", 53)]
