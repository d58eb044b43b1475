"""Denial of wallet and automatic scaling abuse (C3): what bounds how far, and at whose
cost, an app scales when someone floods it, and where failed events go.

"Public" is decided once, here, and documented: a function is publicly invokable when
anyone on the internet can make it run without credentials, that is through

- a function URL with auth type ``NONE``;
- an API route with no authorizer and no API key, on an API whose endpoint is not
  ``PRIVATE``;
- a resource-based permission granting ``*`` with no source ARN, source account or
  organisation condition.

Routes behind a JWT, Cognito, Lambda or IAM authorizer are not public in this sense: a
request without valid credentials is rejected before the function runs. ALB targets are
not counted, since the model cannot tell an internet-facing load balancer from an
internal one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from faasguard.findings import Subject
from faasguard.model import Api, App, AuthKind, Function, Queue, Ref, Route, TriggerKind
from faasguard.model.values import Interpolated, as_int
from faasguard.rules.registry import Context, Hit, on_function, on_node, rule
from faasguard.rules.spelling import assign, spell

ACCOUNT_RPS_LIMIT = "10,000 requests per second"
"""API Gateway's default account-level throttle, shared by every API in the region."""


# --- who can reach what ---------------------------------------------------------------


def internet_facing(api: Api) -> bool:
    """Every endpoint type except PRIVATE (reachable only from a VPC) faces the internet."""
    return not (isinstance(api.endpoint_type, str) and api.endpoint_type.upper() == "PRIVATE")


def open_route(api: Api, route: Route) -> bool:
    """A route anyone can call: no authorizer, no API key, on an internet-facing API."""
    return (route.authorizer.kind is AuthKind.NONE and not route.api_key_required
            and internet_facing(api))


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) else None


def public_reasons(app: App, fn: Function) -> list[str]:
    """Why anyone can invoke the function without credentials; empty when nobody can."""
    reasons: list[str] = []
    if fn.url is not None and (_text(fn.url.auth_type) or "").upper() == "NONE":
        reasons.append("function URL with auth type NONE")
    for api, route in app.routes():
        if route.function == fn.id and open_route(api, route):
            reasons.append(f"{route.name} on API {api.id} without auth")
    for perm in app.permissions:
        if perm.function != fn.id or _text(perm.principal) != "*":
            continue
        if perm.source_arn is None and perm.source_account is None \
                and perm.principal_org_id is None:
            reasons.append(f"permission {perm.id} lets any principal invoke it")
    return reasons


# --- rules ------------------------------------------------------------------------------


@rule(id="FG-SCL-001", title="Publicly invokable function without reserved concurrency",
      severity="medium", category="scaling", controls=("C3",), cwe=(770,))
def public_without_reserved_concurrency(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions that anyone can invoke without credentials (a function URL with
    auth type NONE, an API route with no authorizer and no API key, or a permission
    granting `*`) and that have no reserved concurrency.

    ## Why is this bad?
    Lambda scales a function to the account's concurrency limit on demand. A flood of
    anonymous requests then bills every invocation (denial of wallet) and takes the
    whole account's concurrency, throttling every other function in the region.
    Reserved concurrency caps the function and keeps the rest of the account working.

    ## Example
    ```yaml
    functions:
      signup:
        handler: signup.handler
        events:
          - httpApi: POST /signup
    ```

    ## Fix
    ```yaml
    functions:
      signup:
        handler: signup.handler
        reservedConcurrency: 20
        events:
          - httpApi: POST /signup
    ```
    Size the cap to the peak you expect plus a margin, and alarm on throttles.
    """
    key = spell(app, "reserved_concurrency")
    for fn in app.functions:
        if fn.reserved_concurrency is not None:
            continue
        reasons = public_reasons(app, fn)
        if not reasons:
            continue
        shown = "; ".join(reasons[:2]) + (f"; and {len(reasons) - 2} more" if len(reasons) > 2
                                          else "")
        yield on_function(
            fn, f"Function {fn.display_name} can be invoked by anyone ({shown}) and has no "
            f"reserved concurrency, so a flood scales it to the account limit and bills every "
            f"call; set {key} to the peak you expect (e.g. 20).", detail="reserved-concurrency",
            evidence={"public": reasons})


@rule(id="FG-SCL-002", title="API without throttling", severity="medium", category="scaling",
      controls=("C3",), cwe=(770,))
def api_without_throttling(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports internet-facing API Gateway APIs (REST, HTTP, WebSocket) with no stage or
    route throttling and no usage plan throttle in the app. Private APIs are skipped.

    ## Why is this bad?
    Without its own limits an API is bounded only by the account-wide default of
    10,000 requests per second, shared by every API in the region. One flooded API
    drives its functions (and their bill) to that rate and starves the others.

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
          MethodSettings:
            - HttpMethod: '*'
              ResourcePath: /*
              ThrottlingRateLimit: 100
              ThrottlingBurstLimit: 200
    ```
    Set limits near your real peak; use usage plans for per-client quotas.
    """
    for api in app.apis.values():
        if not internet_facing(api):
            continue
        if api.throttling_rate is not None or api.throttling_burst is not None:
            continue
        yield on_node(
            api, "api", f"{_label(api)} has no throttling, so only the account-wide limit "
            f"({ACCOUNT_RPS_LIMIT}, shared by every API in the region) bounds a flood of "
            f"requests to its functions; set "
            f"{spell(app, 'rest_throttling' if api.kind == 'rest' else 'v2_throttling')}.",
            "throttling_rate", detail="throttling")


def _label(api: Api) -> str:
    kind = {"rest": "REST API", "http": "HTTP API", "websocket": "WebSocket API"}.get(
        api.kind, "API")
    return f"{kind} {api.name if isinstance(api.name, str) else api.id}"


@rule(id="FG-SCL-003", title="Public REST API without a WAF", severity="medium",
      category="scaling", controls=("C3",), cwe=(770,))
def rest_api_without_waf(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports internet-facing REST APIs that no AWS WAF web ACL is associated with in
    the app. When the loader cannot tell whether a web ACL is attached (for example
    one managed by Firewall Manager), nothing is reported. HTTP and WebSocket APIs do
    not support WAF and are skipped.

    ## Why is this bad?
    Without a web ACL, nothing between the internet and the functions can rate-limit
    a single abusive client, block known bad IPs and bots, or filter common injection
    payloads. Stage throttling caps everyone together; a rate-based WAF rule stops
    the one client responsible.

    ## Example
    ```yaml
    Resources:
      Api:
        Type: AWS::ApiGateway::RestApi
        Properties:
          Name: orders
    ```

    ## Fix
    ```yaml
    Resources:
      ApiAcl:
        Type: AWS::WAFv2::WebACLAssociation
        Properties:
          ResourceArn: !Sub arn:aws:apigateway:${AWS::Region}::/restapis/${Api}/stages/prod
          WebACLArn: !GetAtt WebAcl.Arn
    ```
    Associate a web ACL with a rate-based rule and the AWS managed rule groups.
    """
    for api in app.apis.values():
        if api.kind != "rest" or api.waf is not False or not internet_facing(api):
            continue
        yield on_node(
            api, "api", f"{_label(api)} faces the internet with no WAF web ACL, so nothing "
            "rate-limits a single abusive client or filters bots and injection payloads; "
            f"associate an {spell(app, 'waf_association')} with its stage, with a rate-based "
            "rule (e.g. 1000 requests per 5 minutes per IP) and the AWS managed rule groups.",
            "waf", detail="waf")


@rule(id="FG-SCL-004", title="Asynchronously invoked function without a failure destination",
      severity="low", category="scaling", controls=("C3", "F1"), cwe=(755,))
def async_without_failure_destination(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions invoked asynchronously (by S3, SNS, EventBridge, schedules, IoT
    or CloudWatch Logs) that have neither a dead-letter queue nor an on-failure
    destination.

    ## Why is this bad?
    Lambda retries a failed asynchronous event twice and then drops it. Without a
    dead-letter queue or destination, the lost events leave no trace to replay or
    investigate, and an attacker who makes processing fail (a poisoned upload, say)
    erases the evidence along with the event.

    ## Example
    ```yaml
    functions:
      thumbnail:
        handler: thumbnail.handler
        events:
          - s3: uploads
    ```

    ## Fix
    ```yaml
    functions:
      thumbnail:
        handler: thumbnail.handler
        destinations:
          onFailure: arn:aws:sqs:eu-west-1:123456789012:thumbnail-failures
        events:
          - s3: uploads
    ```
    Send failures to a queue you alarm on and can replay from.
    """
    for fn in app.functions:
        if fn.dead_letter is not None or fn.on_failure is not None:
            continue
        async_triggers = [t for t in fn.triggers if t.kind.is_async]
        if not async_triggers:
            continue
        kinds = sorted({t.kind.value.replace("_", " ") for t in async_triggers})
        first = async_triggers[0]
        yield Hit(
            f"Function {fn.display_name} is invoked asynchronously ({', '.join(kinds)}) but has "
            "no dead-letter queue or on-failure destination, so events that still fail "
            f"after Lambda's two retries are dropped without trace; set "
            f"{spell(app, 'failure_destination')}.",
            first.loc, Subject("function", fn.id, fn.display_name, fn.id),
            "failure-destination", {"triggers": kinds})


def queue_of(app: App, source: Any) -> Queue | None:
    """The queue of the app an SQS trigger reads, when it can be told."""
    if isinstance(source, Ref):
        node = app.resolve_ref(source)
        return node if isinstance(node, Queue) else None
    if isinstance(source, Interpolated):
        for ref in source.refs:
            node = app.resolve_ref(ref)
            if isinstance(node, Queue):
                return node
        return None
    if isinstance(source, str) and source.startswith("arn:"):
        name = source.rsplit(":", 1)[-1]
        for queue in app.resources_of(Queue):
            if queue.name == name or queue.id == name:
                return queue
    return None


@rule(id="FG-SCL-005", title="Queue feeding a function has no dead-letter queue",
      severity="low", category="scaling", controls=("C3",), cwe=(400,))
def sqs_source_without_redrive(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports SQS queues of the app that trigger a function and have no redrive policy
    (dead-letter queue). Queues outside the app are not reported.

    ## Why is this bad?
    A message the function cannot process returns to the queue after each visibility
    timeout and is retried until its retention period ends (up to 14 days), invoking
    and billing the function each time and delaying the messages behind it. A poison
    message an attacker can enqueue becomes a steady cost and a partial outage.

    ## Example
    ```yaml
    Resources:
      Jobs:
        Type: AWS::SQS::Queue
    ```

    ## Fix
    ```yaml
    Resources:
      Jobs:
        Type: AWS::SQS::Queue
        Properties:
          RedrivePolicy:
            deadLetterTargetArn: !GetAtt JobsDlq.Arn
            maxReceiveCount: 5
      JobsDlq:
        Type: AWS::SQS::Queue
    ```
    Move messages aside after a few attempts and alarm on the dead-letter queue.
    """
    seen: set[str] = set()
    for fn in app.functions:
        for trigger in fn.triggers:
            if trigger.kind is not TriggerKind.SQS:
                continue
            queue = queue_of(app, trigger.source)
            if queue is None or queue.id in seen or queue.dead_letter is not None:
                continue
            seen.add(queue.id)
            yield on_node(
                queue, "resource", f"Queue {queue.id} triggers function {fn.display_name} but "
                "has no dead-letter queue, so a message the function cannot process is "
                "retried until it expires, invoking the function each time; set "
                f"{spell(app, 'redrive', node=queue)}.",
                "dead_letter", detail="redrive", function=fn.id)


@rule(id="FG-SCL-006", title="Function disabled by zero reserved concurrency", severity="info",
      category="scaling", controls=("C3",))
def zero_reserved_concurrency(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions whose reserved concurrency is 0.

    ## Why is this bad?
    Zero reserved concurrency throttles every invocation: the function is switched
    off. That is a valid emergency brake (and what `faasguard respond` uses to contain
    a function), but left in a template it is easy to forget, and synchronous callers
    get throttling errors while asynchronous events pile up or are dropped.

    ## Example
    ```yaml
    functions:
      export:
        handler: export.handler
        reservedConcurrency: 0
    ```

    ## Fix
    ```yaml
    functions:
      export:
        handler: export.handler
        reservedConcurrency: 5
    ```
    Remove the function if it is no longer needed; otherwise give it a real cap.
    """
    setting = assign(app, "reserved_concurrency", 0)
    for fn in app.functions:
        if as_int(fn.reserved_concurrency) == 0:
            yield on_function(
                fn, f"Function {fn.display_name} has {setting}, so every invocation is "
                "throttled; remove the function if it is retired, or set the cap it needs.",
                "reserved_concurrency", detail="disabled")


__all__ = ["internet_facing", "open_route", "public_reasons", "queue_of"]
