"""A4: every endpoint authenticated, every resource policy scoped, user pools that hold.

Routes, function URLs, Lambda permissions, resource policies and CORS settings come
from the model; an ``Unresolved`` authorizer, principal or condition is never judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Any

from faasguard.loaders.yamlsafe import line_of
from faasguard.model import (
    Api,
    App,
    AuthKind,
    Bucket,
    Cors,
    Location,
    Permission,
    Policy,
    Resource,
    Route,
    Statement,
    Unresolved,
    UserPool,
)
from faasguard.model.values import as_bool, as_int, as_list
from faasguard.rules.registry import (
    Context,
    Hit,
    on_function,
    on_node,
    on_resource,
    on_route,
    rule,
)
from faasguard.rules.spelling import spell
from faasguard.secrets import name_words

# --- routes ------------------------------------------------------------------------------


def _api_label(api: Api) -> str:
    return api.name if isinstance(api.name, str) else api.id


def _function_label(app: App, fid: str | None) -> str:
    fn = app.function(fid) if fid else None
    return f" (function {fn.display_name})" if fn else ""


def _open_routes(app: App, kind: str) -> Iterator[tuple[Api, Route, str]]:
    """Routes of ``kind`` APIs anyone can call, with the reason in words."""
    for api, route in app.routes():
        if api.kind != kind or route.method.upper() == "OPTIONS":
            continue  # CORS preflight carries no credentials by design
        auth = route.authorizer.kind
        if auth is AuthKind.UNRESOLVED:
            continue
        if auth is AuthKind.API_KEY or (auth is AuthKind.NONE and route.api_key_required):
            yield api, route, ("requires only an API key, which identifies a client but does "
                               "not authenticate anyone")
        elif auth is AuthKind.NONE:
            yield api, route, "has no authorizer, so anyone who finds the URL can call it"


def _route_hits(app: App, kind: str) -> Iterator[Hit]:
    for api, route, why in _open_routes(app, kind):
        yield on_route(api, route,
                       f"Route {route.name} of API {_api_label(api)}"
                       f"{_function_label(app, route.function)} {why}; add an IAM, Cognito, "
                       "JWT or Lambda authorizer.")


@rule(id="FG-API-001", title="REST API route without an authorizer",
      severity="medium", category="api", controls=("A4",), cwe=(306,))
def rest_route_without_auth(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports each method of an API Gateway REST API that has no authorizer, naming the
    route (`GET /orders`) and the function behind it. A method that requires only an
    API key is reported too: a key identifies a client for usage plans, it does not
    authenticate a user. `OPTIONS` (CORS preflight) methods are not reported.

    ## Why is this bad?
    Anyone on the internet who learns the URL can call the function with any input,
    read what it returns and run up its cost.

    ## Example
    ```yaml
    functions:
      listOrders:
        events:
          - http:
              path: orders
              method: get
    ```

    ## Fix
    ```yaml
    functions:
      listOrders:
        events:
          - http:
              path: orders
              method: get
              authorizer:
                type: COGNITO_USER_POOLS
                arn: !GetAtt UserPool.Arn
    ```
    Make authentication the default for the API and exempt public routes explicitly.
    """
    yield from _route_hits(app, "rest")


@rule(id="FG-API-002", title="HTTP API route without an authorizer",
      severity="medium", category="api", controls=("A4",), cwe=(306,))
def http_route_without_auth(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports each route of an API Gateway HTTP API (v2) that has no JWT, Lambda or IAM
    authorizer, naming the route and the function behind it. `OPTIONS` routes are not
    reported.

    ## Why is this bad?
    Anyone on the internet who learns the URL can call the function with any input.

    ## Example
    ```yaml
    Events:
      ListOrders:
        Type: HttpApi
        Properties:
          Path: /orders
          Method: get
    ```

    ## Fix
    ```yaml
    Events:
      ListOrders:
        Type: HttpApi
        Properties:
          Path: /orders
          Method: get
          Auth:
            Authorizer: OrdersJwt
    ```
    Set a default authorizer on the API (`Auth.DefaultAuthorizer`) so new routes start closed.
    """
    yield from _route_hits(app, "http")


@rule(id="FG-API-003", title="WebSocket $connect route without an authorizer",
      severity="medium", category="api", controls=("A4",), cwe=(306,))
def websocket_connect_without_auth(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports WebSocket APIs whose `$connect` route has no authorizer. API Gateway only
    runs authorizers on `$connect`, so that route decides who may open a connection.

    ## Why is this bad?
    Anyone can open a connection and send messages to every route of the API; the
    functions behind them receive no identity to check.

    ## Example
    ```yaml
    ConnectRoute:
      Type: AWS::ApiGatewayV2::Route
      Properties:
        ApiId: !Ref ChatApi
        RouteKey: $connect
        AuthorizationType: NONE
    ```

    ## Fix
    ```yaml
    ConnectRoute:
      Type: AWS::ApiGatewayV2::Route
      Properties:
        ApiId: !Ref ChatApi
        RouteKey: $connect
        AuthorizationType: CUSTOM
        AuthorizerId: !Ref ChatAuthorizer
    ```
    Authenticate on `$connect` and keep the identity with the connection id.
    """
    for api, route, why in _open_routes(app, "websocket"):
        if route.path == "$connect":
            yield on_route(api, route,
                           f"The $connect route of WebSocket API {_api_label(api)}"
                           f"{_function_label(app, route.function)} {why}; authorizers run "
                           "only on $connect, so add one there.")


@rule(id="FG-API-004", title="Function URL with auth type NONE",
      severity="high", category="api", controls=("A4", "C1"), cwe=(306,))
def function_url_without_auth(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions with a function URL whose `AuthType` is `NONE`.

    ## Why is this bad?
    The function gets a public HTTPS endpoint with no authentication and none of an
    API's protections: no throttling per client, no WAF, no request validation.

    ## Example
    ```yaml
    FunctionUrlConfig:
      AuthType: NONE
    ```

    ## Fix
    ```yaml
    FunctionUrlConfig:
      AuthType: AWS_IAM
    ```
    Sign requests with SigV4 (or put the function behind an API with an authorizer).
    """
    for fn in app.functions:
        url = fn.url
        if url is not None and isinstance(url.auth_type, str) and url.auth_type.upper() == "NONE":
            yield replace(on_function(
                fn, f"Function {fn.display_name} has a function URL with "
                    f"{spell(app, 'url_auth_none')}: anyone on the internet can invoke it; use "
                    f"{spell(app, 'url_auth_iam')} or an API with an authorizer.",
                detail="url"), location=url.loc)


# --- Lambda permissions --------------------------------------------------------------


def _is_everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in as_list(value) for key, value in principal.items()
                   if key in ("AWS", "*"))
    return False


def _is_service(principal: Any) -> bool:
    return isinstance(principal, str) and principal.endswith(".amazonaws.com")


def _scoped(perm: Permission) -> bool:
    return any(v is not None for v in (perm.source_arn, perm.source_account,
                                       perm.principal_org_id))


def _url_rule_covers(app: App, perm: Permission) -> bool:
    """A public ``lambda:InvokeFunctionUrl`` grant that FG-API-004 already reports."""
    if not (isinstance(perm.action, str) and perm.action.lower() == "lambda:invokefunctionurl"):
        return False
    fn = app.function(perm.function) if isinstance(perm.function, str) else None
    return fn is not None and fn.url is not None and isinstance(fn.url.auth_type, str) \
        and fn.url.auth_type.upper() == "NONE"


def _target(app: App, perm: Permission) -> str:
    fn = app.function(perm.function) if isinstance(perm.function, str) else None
    if fn is not None:
        return f"function {fn.display_name}"
    shown = perm.function.expr if isinstance(perm.function, Unresolved) else perm.function
    return f"function {shown}"


@rule(id="FG-API-005", title="Lambda permission open to every AWS account",
      severity="high", category="api", controls=("A4", "C1"), cwe=(284,))
def public_lambda_permission(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports `AWS::Lambda::Permission` grants whose principal is `*` and that set none
    of `SourceArn`, `SourceAccount` or `PrincipalOrgID`.

    ## Why is this bad?
    Anyone with an AWS account can invoke the function directly, bypassing the API,
    its authorizer and its throttling.

    ## Example
    ```yaml
    PublicInvoke:
      Type: AWS::Lambda::Permission
      Properties:
        FunctionName: !Ref OrdersFunction
        Action: lambda:InvokeFunction
        Principal: "*"
    ```

    ## Fix
    ```yaml
    ApiInvoke:
      Type: AWS::Lambda::Permission
      Properties:
        FunctionName: !Ref OrdersFunction
        Action: lambda:InvokeFunction
        Principal: apigateway.amazonaws.com
        SourceArn: !Sub arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${OrdersApi}/*
    ```
    Grant to the one service or account that needs it, scoped to the calling resource.
    """
    conditions = (f"{spell(app, 'source_arn')}, {spell(app, 'source_account')} or "
                  f"{spell(app, 'principal_org_id')}")
    for perm in app.permissions:
        if not _is_everyone(perm.principal) or _scoped(perm) or _url_rule_covers(app, perm):
            continue
        action = perm.action if isinstance(perm.action, str) else "lambda:InvokeFunction"
        yield on_node(perm, "permission",
                      f"Permission {perm.id} lets every AWS account call {action} on "
                      f"{_target(app, perm)} (principal '*' with no {conditions}).",
                      "principal", detail=action,
                      function=perm.function if isinstance(perm.function, str) else None)


@rule(id="FG-API-006", title="Lambda permission for a service without a source condition",
      severity="medium", category="api", controls=("A4",), cwe=(441,))
def unscoped_service_permission(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports `AWS::Lambda::Permission` grants to an AWS service principal
    (`s3.amazonaws.com`, `sns.amazonaws.com`, `apigateway.amazonaws.com`, ...) that set
    neither `SourceArn` nor `SourceAccount`.

    ## Why is this bad?
    The service will invoke the function on behalf of *any* customer's resource: a
    bucket, topic or API in another account can send it events (the confused deputy).
    S3 bucket ARNs carry no account id, so for S3 `SourceAccount` is the safeguard.

    ## Example
    ```yaml
    UploadsInvoke:
      Type: AWS::Lambda::Permission
      Properties:
        FunctionName: !Ref ResizeFunction
        Action: lambda:InvokeFunction
        Principal: s3.amazonaws.com
    ```

    ## Fix
    ```yaml
    UploadsInvoke:
      Type: AWS::Lambda::Permission
      Properties:
        FunctionName: !Ref ResizeFunction
        Action: lambda:InvokeFunction
        Principal: s3.amazonaws.com
        SourceArn: !GetAtt UploadsBucket.Arn
        SourceAccount: !Ref AWS::AccountId
    ```
    Name the resource and account allowed to trigger the function.
    """
    for perm in app.permissions:
        if not _is_service(perm.principal) or _scoped(perm):
            continue
        yield on_node(perm, "permission",
                      f"Permission {perm.id} lets {perm.principal} invoke {_target(app, perm)} "
                      f"for any account's resources; set {spell(app, 'source_arn')} and "
                      f"{spell(app, 'source_account')}.",
                      "principal", detail=str(perm.principal),
                      function=perm.function if isinstance(perm.function, str) else None)


# --- resource policies -------------------------------------------------------------------

# Condition keys that narrow *who* may call: a source resource, account, organisation
# or network. aws:SecureTransport and the like say how, not who.
WHO_KEYS = frozenset(k.lower() for k in (
    "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceOrgID",
    "aws:SourceOrgPaths", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount",
    "aws:PrincipalArn", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:VpcSourceIp",
    "aws:userid", "aws:username", "kms:CallerAccount"))
# Operators that only let matching requests through. IfExists variants pass requests
# that lack the key and ForAllValues passes an empty set, so neither restricts an Allow.
_MATCHING = frozenset(("stringequals", "stringequalsignorecase", "stringlike", "arnequals",
                       "arnlike", "ipaddress"))
_EXCLUDING = frozenset(("stringnotequals", "stringnotequalsignorecase", "stringnotlike",
                        "arnnotequals", "arnnotlike", "notipaddress"))
_ANY_VALUE = frozenset(("*", "0.0.0.0/0", "::/0"))


def _operator(name: str) -> tuple[str, bool, str]:
    """("stringequals", if_exists, set prefix) of a condition operator."""
    prefix, _, base = name.rpartition(":")
    base = base.lower()
    if_exists = base.endswith("ifexists")
    return base.removesuffix("ifexists"), if_exists, prefix.lower()


def _who_values(stmt: Statement, operators: frozenset[str], allow_if_exists: bool) -> bool:
    """The statement has a condition on a who-key with one of ``operators`` and a value
    that is not a wildcard. Unresolved values count: we cannot say they are open."""
    for op_name, block in stmt.conditions.items():
        if not isinstance(op_name, str) or not isinstance(block, Mapping):
            if isinstance(block, Unresolved):
                return True
            continue
        base, if_exists, prefix = _operator(op_name)
        if base not in operators or (if_exists and not allow_if_exists) \
                or prefix == "forallvalues":
            continue
        for key, values in block.items():
            if not isinstance(key, str) or key.lower() not in WHO_KEYS:
                continue
            if any(not (isinstance(v, str) and v.strip() in _ANY_VALUE) for v in as_list(values)):
                return True
    return False


def _everyone(stmt: Statement) -> bool:
    if stmt.not_principals is not None:
        return True  # Allow with NotPrincipal: everyone but the named ones
    return stmt.principals is not None and _is_everyone(dict(stmt.principals))


def _covers(patterns: tuple[Any, ...], values: tuple[Any, ...], fold: bool) -> bool:
    """Each value matches one of the patterns (IAM wildcards). What cannot be compared
    (references, unresolved values) counts as covered, so we stay silent."""
    if not patterns or not values:
        return True
    for value in values:
        matched = False
        for pattern in patterns:
            if isinstance(pattern, str) and isinstance(value, str):
                p, v = (pattern.lower(), value.lower()) if fold else (pattern, value)
                matched = fnmatchcase(v, p)
            else:
                matched = pattern == value or not isinstance(pattern, str) \
                    or not isinstance(value, str)
            if matched:
                break
        if not matched:
            return False
    return True


def _denied_to_strangers(allow: Statement, policy: Policy) -> bool:
    """A Deny in the same policy refuses everyone outside a source/account/network for
    all of the Allow's actions and resources (the usual private-API pattern)."""
    for deny in policy.statements:
        if deny.effect != "Deny" or not _everyone(deny):
            continue
        if not _who_values(deny, _EXCLUDING, allow_if_exists=True):
            continue
        if deny.not_actions or deny.not_resources or allow.not_actions or allow.not_resources:
            continue
        if _covers(deny.actions, allow.actions, fold=True) and \
                _covers(deny.resources, allow.resources, fold=False):
            return True
    return False


def public_statements(policy: Policy) -> Iterator[Statement]:
    """Allow statements of a resource policy open to any principal with no who-condition."""
    for stmt in policy.statements:
        if not stmt.allows or not _everyone(stmt):
            continue
        if _who_values(stmt, _MATCHING, allow_if_exists=False):
            continue
        if _denied_to_strangers(stmt, policy):
            continue
        yield stmt


def _actions_text(stmt: Statement) -> str:
    if stmt.not_actions:
        return "every action except " + ", ".join(str(a) for a in stmt.not_actions)
    shown = [str(a) for a in stmt.actions[:3]]
    more = len(stmt.actions) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "") if shown else "actions"


@rule(id="FG-API-007", title="Resource policy open to any principal",
      severity="high", category="api", controls=("A4",), cwe=(284, 732))
def public_resource_policy(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements in the resource policies of queues, topics, keys, secrets
    and APIs whose principal is `*` (or `{"AWS": "*"}`, or a `NotPrincipal`)
    with no condition on who calls: `aws:SourceArn`, `aws:SourceAccount`,
    `aws:PrincipalOrgID`, `aws:SourceVpce`, `aws:SourceIp` and the like, matched with a
    non-wildcard value. Conditions such as `aws:SecureTransport` say how, not who, and
    do not count. An Allow is not reported when a Deny in the same policy refuses
    everyone outside a source, account or network for the same actions and resources.
    Buckets are left to FG-STO-001 and FG-STO-002, which also weigh the bucket's public
    access block and tell public reads from public writes.

    ## Why is this bad?
    Anyone, in any AWS account or none, can perform the allowed actions: read the
    bucket, send to the queue, publish to the topic, decrypt with the key, read the
    secret, or call the API.

    ## Example
    ```yaml
    OrdersQueuePolicy:
      Type: AWS::SQS::QueuePolicy
      Properties:
        Queues: [!Ref OrdersQueue]
        PolicyDocument:
          Statement:
            - Effect: Allow
              Principal: "*"
              Action: sqs:SendMessage
              Resource: !GetAtt OrdersQueue.Arn
    ```

    ## Fix
    ```yaml
            - Effect: Allow
              Principal: {Service: sns.amazonaws.com}
              Action: sqs:SendMessage
              Resource: !GetAtt OrdersQueue.Arn
              Condition:
                ArnEquals: {aws:SourceArn: !Ref OrdersTopic}
    ```
    Name the principal, or keep `*` only with a condition that pins the source.
    """
    for res in app.resources.values():
        if res.policy is None or isinstance(res, Bucket):
            continue
        for stmt in public_statements(res.policy):
            yield replace(on_resource(
                res, f"The resource policy of {res.type} {res.id} allows {_actions_text(stmt)} "
                     "to any principal without a condition on who calls (aws:SourceArn, "
                     "aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce, ...).",
                detail=stmt.sid or _actions_text(stmt)), location=stmt.loc)
    for api in app.apis.values():
        if api.resource_policy is None:
            continue
        for stmt in public_statements(api.resource_policy):
            yield replace(on_node(
                api, "api", f"The resource policy of API {_api_label(api)} allows "
                            f"{_actions_text(stmt)} to any principal without a condition on "
                            "who calls (aws:SourceVpce, aws:SourceIp, aws:PrincipalOrgID, ...).",
                detail=stmt.sid or _actions_text(stmt)), location=stmt.loc)


# --- CORS ------------------------------------------------------------------------------


def _any_origin(cors: Cors | None) -> bool:
    # SAM REST APIs write origins as quoted header values ("'*'").
    return cors is not None and any(isinstance(o, str) and o.strip().strip("'\"") == "*"
                                    for o in cors.allow_origins)


def _authenticated(api: Api) -> bool:
    return any(r.authorizer.kind not in (AuthKind.NONE, AuthKind.API_KEY, AuthKind.UNRESOLVED)
               for r in api.routes)


def _cors_targets(app: App) -> Iterator[tuple[Hit, Cors, bool]]:
    """(hit template, cors, whether callers authenticate) for APIs and function URLs."""
    for api in app.apis.values():
        if api.cors is not None:
            hit = on_node(api, "api", "", "cors", detail="cors")
            yield hit, api.cors, _authenticated(api)
    for fn in app.functions:
        if fn.url is not None and fn.url.cors is not None:
            hit = replace(on_function(fn, "", detail="url.cors"), location=fn.url.loc)
            iam = isinstance(fn.url.auth_type, str) and fn.url.auth_type.upper() == "AWS_IAM"
            yield hit, fn.url.cors, iam


def _cors_hit(hit: Hit, cors: Cors, message: str) -> Hit:
    return replace(hit, message=message, location=cors.loc or hit.location)


@rule(id="FG-API-008", title="CORS allows any origin with credentials",
      severity="medium", category="api", controls=("A4",), cwe=(942,))
def cors_any_origin_with_credentials(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports APIs and function URLs whose CORS configuration allows origin `*` together
    with `AllowCredentials: true`.

    ## Why is this bad?
    Browsers refuse this pair, so the usual "fix" is code or configuration that echoes
    the caller's `Origin` back with credentials allowed, which lets any web site make
    authenticated requests with a visitor's cookies and read the answers.

    ## Example
    ```yaml
    CorsConfiguration:
      AllowOrigins: ["*"]
      AllowCredentials: true
    ```

    ## Fix
    ```yaml
    CorsConfiguration:
      AllowOrigins: ["https://shop.example.com"]
      AllowCredentials: true
    ```
    List the exact origins of your front ends.
    """
    for hit, cors, _ in _cors_targets(app):
        if _any_origin(cors) and cors.allow_credentials is True:
            yield _cors_hit(hit, cors, f"CORS on {hit.subject.label} allows any origin ('*') "
                                       "with credentials; list the exact origins instead.")


@rule(id="FG-API-009", title="CORS allows any origin on an authenticated API",
      severity="low", category="api", controls=("A4",), cwe=(942,))
def cors_any_origin_on_authenticated_api(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports APIs with at least one authenticated route, and `AWS_IAM` function URLs,
    whose CORS configuration allows origin `*` (without credentials; FG-API-008 covers
    that case).

    ## Why is this bad?
    An API that authenticates its callers serves known front ends. Allowing every origin
    lets any web page drive it from a visitor's browser with whatever tokens that page
    can obtain, and removes a cheap layer against token replay from hostile sites.

    ## Example
    ```yaml
    Cors:
      AllowOrigin: "'*'"
    Auth:
      DefaultAuthorizer: CognitoAuth
    ```

    ## Fix
    ```yaml
    Cors:
      AllowOrigin: "'https://shop.example.com'"
    Auth:
      DefaultAuthorizer: CognitoAuth
    ```
    Name the origins of your front ends.
    """
    for hit, cors, authenticated in _cors_targets(app):
        if authenticated and _any_origin(cors) and cors.allow_credentials is not True:
            yield _cors_hit(hit, cors, f"CORS on {hit.subject.label}, which authenticates its "
                                       "callers, allows any origin ('*'); list the origins of "
                                       "your front ends.")


# --- Cognito user pools -----------------------------------------------------------------

COGNITO_DEFAULT_LENGTH = 8
"""Cognito's minimum length when a pool states no password policy."""
NIST_MIN_LENGTH = 8
"""NIST SP 800-63B: memorized secrets of at least 8 characters."""
STRONG_LENGTH = 12
"""From this length on, required character classes add little; below it they matter."""
_CLASSES = ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols")


def _password_weakness(pool: UserPool) -> str | None:
    """Why the pool's password policy is weak, or None (also when we cannot tell)."""
    if isinstance(pool.min_password_length, Unresolved):
        return None
    length = as_int(pool.min_password_length)
    if pool.min_password_length is None:
        length = COGNITO_DEFAULT_LENGTH
    if length is None:
        return None
    if length < NIST_MIN_LENGTH:
        return f"minimum length {length} is below {NIST_MIN_LENGTH}"
    if length >= STRONG_LENGTH:
        return None
    if pool.min_password_length is None and not pool.require:
        return None  # no policy at all: Cognito's default requires all four classes
    flags = [pool.require.get(name) for name in _CLASSES]
    if any(isinstance(flag, Unresolved) for flag in flags):
        return None
    required = sum(1 for flag in flags if as_bool(flag) is True)
    if required < 3:
        return (f"minimum length {length} with only {required} of 4 character classes "
                "required")
    return None


def _mfa(pool: UserPool) -> str | None:
    if pool.mfa is None:
        return "OFF"  # Cognito's default
    return pool.mfa.upper() if isinstance(pool.mfa, str) else None


@rule(id="FG-AUTH-001", title="User pool with a weak password policy",
      severity="medium", category="auth", controls=("A4",), cwe=(521,))
def weak_password_policy(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Cognito user pools whose password policy allows passwords shorter than 8
    characters (NIST SP 800-63B's floor), or shorter than 12 characters while requiring
    fewer than three of the four character classes. A pool without a policy gets
    Cognito's default (8 characters, all four classes) and is not reported.

    ## Why is this bad?
    Short passwords fall to online guessing and credential stuffing, and a cracked
    password is a valid session for the whole API.

    ## Example
    ```yaml
    Policies:
      PasswordPolicy:
        MinimumLength: 6
    ```

    ## Fix
    ```yaml
    Policies:
      PasswordPolicy:
        MinimumLength: 12
        RequireLowercase: true
        RequireUppercase: true
        RequireNumbers: true
    ```
    Prefer length over composition (NIST now asks 15 characters for password-only
    sign-in), and turn on MFA.
    """
    for pool in app.resources_of(UserPool):
        why = _password_weakness(pool)
        if why is not None:
            yield on_resource(pool, f"User pool {pool.id} has a weak password policy: {why}.",
                              "min_password_length", "require", detail="password_policy")


@rule(id="FG-AUTH-002", title="User pool with MFA off",
      severity="medium", category="auth", controls=("A4",), cwe=(308,))
def mfa_off(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Cognito user pools whose `MfaConfiguration` is `OFF` or not set (Cognito's
    default is `OFF`).

    ## Why is this bad?
    A leaked or guessed password is then enough to take over an account; no user can
    protect theirs with a second factor.

    ## Example
    ```yaml
    UserPool:
      Type: AWS::Cognito::UserPool
      Properties:
        MfaConfiguration: "OFF"
    ```

    ## Fix
    ```yaml
    UserPool:
      Type: AWS::Cognito::UserPool
      Properties:
        MfaConfiguration: "ON"
        EnabledMfas: [SOFTWARE_TOKEN_MFA]
    ```
    Require MFA, or at least offer it (`OPTIONAL`) and require it for privileged users.
    """
    for pool in app.resources_of(UserPool):
        if _mfa(pool) == "OFF":
            yield on_resource(pool, f"User pool {pool.id} has MFA turned off; require it, or "
                                    "at least make it OPTIONAL.", "mfa", detail="mfa")


@rule(id="FG-AUTH-003", title="User pool with optional MFA",
      severity="low", category="auth", controls=("A4",), cwe=(308,))
def mfa_optional(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Cognito user pools whose `MfaConfiguration` is `OPTIONAL`.

    ## Why is this bad?
    Most users never turn optional MFA on, so most accounts stay password-only.

    ## Example
    ```yaml
    MfaConfiguration: OPTIONAL
    ```

    ## Fix
    ```yaml
    MfaConfiguration: "ON"
    EnabledMfas: [SOFTWARE_TOKEN_MFA]
    ```
    Require MFA where the data warrants it, or enforce it per group in a trigger.
    """
    for pool in app.resources_of(UserPool):
        if _mfa(pool) == "OPTIONAL":
            yield on_resource(pool, f"User pool {pool.id} makes MFA optional; most accounts "
                                    "will stay password-only.", "mfa", detail="mfa")


AUTHZ_WORDS = frozenset((
    "role", "roles", "group", "groups", "admin", "admins", "administrator", "superuser", "root",
    "staff", "owner", "tenant", "tenants", "org", "organization", "organisation", "account",
    "company", "department", "team", "permission", "permissions", "perm", "perms", "scope",
    "scopes", "privilege", "privileges", "access", "acl", "policy", "entitlement",
    "entitlements", "plan", "tier", "level", "subscription", "license", "clearance", "approved",
    "verified", "trusted"))
"""Words in a custom attribute name that suggest the backend authorizes on it."""


def _is_authz_attribute(attribute: str) -> bool:
    return any(w in AUTHZ_WORDS for w in name_words(attribute.removeprefix("custom:")))


def _client_location(app: App, pool: UserPool, client: str) -> Location:
    """The client's ``WriteAttributes`` line when the app defines the client."""
    res: Resource | None = app.resources.get(client)
    if res is None:
        return pool.loc
    line = line_of(res.properties, "WriteAttributes")
    return Location(res.loc.file, line) if line else res.loc


def _writable(app: App, authz: bool) -> Iterator[tuple[UserPool, str, list[str], Location]]:
    for pool in app.resources_of(UserPool):
        for client, attributes in sorted(pool.client_writable_attributes.items()):
            chosen = [a for a in attributes if a.startswith("custom:")
                      and _is_authz_attribute(a) == authz]
            if chosen:
                yield pool, client, chosen, _client_location(app, pool, client)


@rule(id="FG-AUTH-004", title="App client may write authorization attributes",
      severity="high", category="auth", controls=("A4",), cwe=(639, 915))
def client_writes_authz_attributes(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Cognito app clients whose `WriteAttributes` include custom attributes that
    look like authorization data: `custom:role`, `custom:tenant_id`, `custom:isAdmin`,
    `custom:plan` and the like.

    ## Why is this bad?
    A signed-in user can set their own value with `UpdateUserAttributes` using nothing
    but their access token; the next ID token carries it, and a backend that trusts the
    claim makes them an admin or moves them into another tenant.

    ## Example
    ```yaml
    WebClient:
      Type: AWS::Cognito::UserPoolClient
      Properties:
        WriteAttributes: [email, name, custom:role]
    ```

    ## Fix
    ```yaml
    WebClient:
      Type: AWS::Cognito::UserPoolClient
      Properties:
        WriteAttributes: [email, name]
    ```
    Set authorization attributes only from the back end (admin APIs), or use groups.
    """
    for pool, client, attributes, location in _writable(app, authz=True):
        yield replace(on_resource(
            pool, f"App client {client} of user pool {pool.id} lets users write "
                  f"{', '.join(attributes)}, which look like authorization data; make them "
                  "read-only for clients and set them from the back end.",
            detail=f"{client}:{','.join(attributes)}"), location=location)


@rule(id="FG-AUTH-005", title="App client may write custom attributes",
      severity="low", category="auth", controls=("A4",), cwe=(915,))
def client_writes_custom_attributes(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Cognito app clients whose `WriteAttributes` include custom attributes other
    than those FG-AUTH-004 reports.

    ## Why is this bad?
    Users can set these values to anything through the Cognito API, bypassing the
    validation of your own forms. A backend that treats them as facts (a customer
    number, a referral code) can be fooled.

    ## Example
    ```yaml
    WriteAttributes: [email, custom:loyalty_number]
    ```

    ## Fix
    ```yaml
    WriteAttributes: [email]
    ```
    Keep client-writable custom attributes to preferences; validate them where used.
    """
    for pool, client, attributes, location in _writable(app, authz=False):
        yield replace(on_resource(
            pool, f"App client {client} of user pool {pool.id} lets users write "
                  f"{', '.join(attributes)}; treat these values as user input wherever they "
                  "are read.",
            detail=f"{client}:{','.join(attributes)}"), location=location)
