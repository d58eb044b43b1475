"""Logging and tracing rules (F1): how long function logs are kept, whether invocations
are traced, and whether API Gateway records who called what.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from faasguard.model import Api, App, Function, LogGroup, Unresolved
from faasguard.model.values import Interpolated, as_bool
from faasguard.rules.registry import Context, Hit, on_function, on_node, rule
from faasguard.rules.scaling import internet_facing
from faasguard.rules.spelling import assign, local_address, spell

SUGGESTED_RETENTION_DAYS = 90
"""Long enough to investigate an incident found weeks later; adjust to your policy."""


def _lambda_log_name(fn: Function) -> str | None:
    return f"/aws/lambda/{fn.name}" if isinstance(fn.name, str) else None


def _names_function(value: Any, fn: Function) -> bool:
    """True when a log group name is the function's default one (``/aws/lambda/<name>``,
    as a literal or built from a reference to the function)."""
    if isinstance(value, Interpolated):
        return any(ref.target == fn.id for ref in value.refs) and "/aws/lambda/" in value
    if isinstance(value, str):
        return value == _lambda_log_name(fn)
    return False


def _retention_resource(app: App, fn: Function) -> bool:
    """CDK's ``logRetention`` prop sets retention through a ``Custom::LogRetention``
    resource rather than a log group; the model has no node for it."""
    for res in app.resources.values():
        if res.type == "Custom::LogRetention" \
                and _names_function(res.properties.get("LogGroupName"), fn) \
                and res.properties.get("RetentionInDays") is not None:
            return True
    return False


def _unnamed_log_groups(app: App) -> bool:
    """True when some log group's name cannot be read, so it may be any function's."""
    return any(isinstance(group.name, Unresolved) for group in app.resources_of(LogGroup))


@rule(id="FG-LOG-001", title="Log group without retention", severity="low",
      category="monitoring", controls=("F1",))
def log_group_without_retention(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports log groups with no retention period: the log groups serverless.yml creates
    when `provider.logRetentionInDays` is not set, and `AWS::Logs::LogGroup` resources
    without `RetentionInDays`. In CloudFormation, SAM and CDK templates, a function with
    no log group defined for it at all is reported too: Lambda then creates
    `/aws/lambda/<name>` on first run, kept forever and outside the template's control.

    ## Why is this bad?
    Logs kept forever accumulate whatever the code wrote, personal data and leaked
    tokens included, long after anyone needs them, and cost grows without bound. A log
    group created implicitly also escapes the template: no encryption key, no
    retention, and it survives the stack's deletion.

    ## Example
    ```yaml
    Resources:
      Orders:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
    ```

    ## Fix
    ```yaml
    Resources:
      Orders:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
      OrdersLogs:
        Type: AWS::Logs::LogGroup
        Properties:
          LogGroupName: !Sub /aws/lambda/${Orders}
          RetentionInDays: 90
    ```
    Keep logs as long as investigations and your retention policy need, and no longer.
    """
    reported: set[str] = set()
    for fn in app.functions:
        group = app.resources.get(fn.log_group) if fn.log_group else None
        if isinstance(group, LogGroup):
            if group.retention_days is None and group.id not in reported:
                reported.add(group.id)
                yield on_node(
                    group, "resource", f"Log group of function {fn.display_name} keeps logs "
                    f"forever (no retention set); set {_retention(app, group)}.",
                    "retention_days", detail="retention", function=fn.id)
            continue
        if app.format == "serverless" or fn.log_group is not None:
            continue  # the Framework defines the group; a group we cannot see is not judged
        if _retention_resource(app, fn) or _unnamed_log_groups(app):
            continue
        name = _lambda_log_name(fn) or "/aws/lambda/<its generated name>"
        yield on_function(
            fn, f"Function {fn.display_name} has no log group in the template, so Lambda "
            f"creates {name} on first run with logs kept forever; add "
            f"{spell(app, 'function_log_group', function=local_address(fn.id))} with "
            f"{assign(app, 'log_retention', SUGGESTED_RETENTION_DAYS)}.", detail="retention")
    for group in app.resources_of(LogGroup):
        if group.retention_days is None and group.id not in reported:
            reported.add(group.id)
            yield on_node(
                group, "resource", f"Log group {group.id} keeps logs forever (no retention "
                f"set); set {_retention(app, group)}.", "retention_days", detail="retention")


def _retention(app: App, group: LogGroup) -> str:
    """The setting that fixes a group's retention: for the log groups the Framework makes,
    its own key; for groups the app defines, the group's property."""
    return assign(app, "log_retention", SUGGESTED_RETENTION_DAYS, node=group)


def _tracing_off(value: Any) -> bool:
    """Only an absent setting or an explicit false counts as off; ``PassThrough`` is a
    choice to follow the caller's sampling decision."""
    return value is None or as_bool(value) is False


@rule(id="FG-LOG-002", title="Function tracing off", severity="low", category="monitoring",
      controls=("F1",), cwe=(778,))
def function_tracing_off(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions without active AWS X-Ray tracing. `PassThrough` is accepted.

    ## Why is this bad?
    Without traces, an investigation cannot follow a request through the API, the
    function and the AWS calls it made: which table a suspicious invocation read,
    which downstream call was slow, where an injected payload went.

    ## Example
    ```yaml
    provider:
      name: aws
      runtime: python3.13
    ```

    ## Fix
    ```yaml
    provider:
      name: aws
      runtime: python3.13
      tracing:
        lambda: true
    ```
    Turn on active tracing (SAM: `Tracing: Active`, CloudFormation:
    `TracingConfig: {Mode: Active}`, Terraform: `tracing_config { mode = "Active" }`,
    plus X-Ray write permissions for the role).
    """
    hint = spell(app, "tracing")
    for fn in app.functions:
        if _tracing_off(fn.tracing):
            yield on_function(
                fn, f"Function {fn.display_name} has X-Ray tracing off, so its requests and "
                f"the AWS calls they make cannot be followed in an investigation; set {hint}.",
                "tracing", detail="tracing")


def _label(api: Api) -> str:
    kind = {"rest": "REST API", "http": "HTTP API", "websocket": "WebSocket API"}.get(
        api.kind, "API")
    return f"{kind} {api.name if isinstance(api.name, str) else api.id}"


_ACCESS_LOGS = {"rest": "rest_access_logs", "http": "http_access_logs",
                "websocket": "websocket_access_logs"}


def _access_logging_hits(app: App, public: bool) -> Iterator[Hit]:
    for api in app.apis.values():
        if api.access_logging is not False or internet_facing(api) is not public:
            continue
        where = " faces the internet but" if public else ""
        yield on_node(
            api, "api", f"{_label(api)}{where} has no access logging, so there is no record "
            f"of who called which route and with what result; set "
            f"{spell(app, _ACCESS_LOGS.get(api.kind, 'rest_access_logs'))}.",
            "access_logging", detail="access-logging")


@rule(id="FG-LOG-003", title="Public API without access logging", severity="medium",
      category="monitoring", controls=("F1",), cwe=(778,))
def public_api_without_access_logs(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports internet-facing API Gateway APIs (REST, HTTP, WebSocket) with access
    logging off on any stage.

    ## Why is this bad?
    Access logs are the record of who called which route, from where, and what came
    back. Without them, credential stuffing, scraping, probing for injections or a
    denial-of-wallet flood leave no evidence, and an incident cannot be scoped.

    ## Example
    ```yaml
    Resources:
      Api:
        Type: AWS::Serverless::HttpApi
    ```

    ## Fix
    ```yaml
    Resources:
      Api:
        Type: AWS::Serverless::HttpApi
        Properties:
          AccessLogSettings:
            DestinationArn: !GetAtt ApiLogs.Arn
            Format: '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","route":"$context.routeKey","status":"$context.status"}'
    ```
    Log every stage to a log group with a retention period.
    """
    yield from _access_logging_hits(app, public=True)


@rule(id="FG-LOG-004", title="REST API stage tracing off", severity="low",
      category="monitoring", controls=("F1",), cwe=(778,))
def rest_api_tracing_off(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports API Gateway REST APIs with X-Ray tracing off on any stage. HTTP and
    WebSocket APIs do not support X-Ray and are skipped.

    ## Why is this bad?
    Without stage tracing, a trace starts only at the function: the time spent and the
    decisions taken in API Gateway (authorizer, integration) are invisible, and
    requests cannot be followed from the edge in an investigation.

    ## Example
    ```yaml
    Resources:
      Api:
        Type: AWS::Serverless::Api
        Properties:
          StageName: prod
    ```

    ## Fix
    ```yaml
    Resources:
      Api:
        Type: AWS::Serverless::Api
        Properties:
          StageName: prod
          TracingEnabled: true
    ```
    Enable tracing on every stage (serverless.yml: `provider.tracing.apiGateway: true`,
    Terraform: `xray_tracing_enabled = true` on the `aws_api_gateway_stage`).
    """
    hint = spell(app, "rest_tracing")
    for api in app.apis.values():
        if api.kind == "rest" and api.tracing is False:
            yield on_node(
                api, "api", f"{_label(api)} has X-Ray tracing off, so requests cannot be "
                f"followed from API Gateway into the functions; set {hint}.", "tracing",
                detail="tracing")


@rule(id="FG-LOG-005", title="Private API without access logging", severity="low",
      category="monitoring", controls=("F1",), cwe=(778,))
def private_api_without_access_logs(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports private API Gateway APIs (endpoint type `PRIVATE`, reachable only from a
    VPC) with access logging off on any stage. Internet-facing APIs are covered by
    FG-LOG-003.

    ## Why is this bad?
    Inside the network, access logs are what shows a compromised workload calling
    routes it never used before. Without them lateral movement through the API leaves
    no trace.

    ## Example
    ```yaml
    Resources:
      Internal:
        Type: AWS::Serverless::Api
        Properties:
          StageName: prod
          EndpointConfiguration:
            Type: PRIVATE
    ```

    ## Fix
    ```yaml
    Resources:
      Internal:
        Type: AWS::Serverless::Api
        Properties:
          StageName: prod
          EndpointConfiguration:
            Type: PRIVATE
          AccessLogSetting:
            DestinationArn: !GetAtt InternalLogs.Arn
            Format: '$context.requestId $context.identity.sourceIp $context.status'
    ```
    Log every stage, internal ones included.
    """
    yield from _access_logging_hits(app, public=False)


__all__ = ["SUGGESTED_RETENTION_DAYS"]
