"""Denial-of-wallet rules (C3) against model objects built by hand."""

from __future__ import annotations

from typing import Any

import pytest

from faasguard.config import Config
from faasguard.model import (
    Api,
    App,
    AuthKind,
    Authorizer,
    Function,
    FunctionUrl,
    Location,
    Permission,
    Queue,
    Ref,
    Route,
    Trigger,
    TriggerKind,
    Unresolved,
)
from faasguard.model.values import Interpolated
from faasguard.rules import Hit, Rule
from faasguard.rules import scaling as rules
from faasguard.rules.registry import Context

FILE = "template.yaml"
JWT = Authorizer(AuthKind.JWT, "cognito")


def loc(line: int) -> Location:
    return Location(FILE, line)


def fn(fid: str = "Api", **fields: Any) -> Function:
    fields.setdefault("loc", loc(10))
    return Function(id=fid, **fields)


def app_of(*functions: Function, fmt: str = "sam", apis: tuple[Api, ...] = (),
           **fields: Any) -> App:
    return App(name="stack", source=Location(FILE), format=fmt, functions=functions,
               apis={a.id: a for a in apis}, **fields)


def run(rule: Rule, app: App) -> list[Hit]:
    return list(rule(app, Context(config=Config(), root=".")))


def route(fid: str, auth: Authorizer | None = None, *, key: bool = False,
          path: str = "/signup") -> Route:
    return Route(api="Http", method="post", path=path, loc=loc(30), function=fid,
                 authorizer=auth or Authorizer(AuthKind.NONE), api_key_required=key)


def api(*routes: Route, **fields: Any) -> Api:
    fields.setdefault("loc", loc(40))
    fields.setdefault("kind", "http")
    return Api(id=fields.pop("id", "Http"), routes=routes, **fields)


# --- what counts as public ----------------------------------------------------------------


def test_public_reasons() -> None:
    perm = Permission(id="Open", loc=loc(60), function="Api", principal="*")
    scoped = Permission(id="FromS3", loc=loc(61), function="Api", principal="*",
                        source_arn="arn:aws:s3:::uploads")
    app = app_of(fn(url=FunctionUrl("NONE", loc(12))), apis=(api(route("Api")),),
                 permissions=(perm, scoped))
    reasons = rules.public_reasons(app, app.functions[0])
    assert reasons == ["function URL with auth type NONE", "POST /signup on API Http without auth",
                       "permission Open lets any principal invoke it"]


@pytest.mark.parametrize("setup", [
    {"apis": (api(route("Api", JWT)),)},
    {"apis": (api(route("Api", key=True)),)},
    {"apis": (api(route("Api"), endpoint_type="PRIVATE"),)},
    {"apis": (api(route("Other")),)},
    {"url": FunctionUrl("AWS_IAM", loc(12))},
    {"url": FunctionUrl(Unresolved("${param:auth}", "param"), loc(12))},
    {"apis": (api(route("Api", Authorizer(AuthKind.UNRESOLVED))),)},
])
def test_not_public(setup: dict[str, Any]) -> None:
    url = setup.pop("url", None)
    app = app_of(fn(url=url), **setup)
    assert rules.public_reasons(app, app.functions[0]) == []


# --- FG-SCL-001 ------------------------------------------------------------------------------


def test_public_function_without_reserved_concurrency() -> None:
    app = app_of(fn("Open"), fn("Capped", reserved_concurrency=20), fn("Private"),
                 apis=(api(route("Open"), route("Capped"), route("Private", JWT)),))
    hits = run(rules.public_without_reserved_concurrency, app)
    assert [h.subject.id for h in hits] == ["Open"]
    assert "ReservedConcurrentExecutions" in hits[0].message
    assert hits[0].location == loc(10)


def test_reserved_concurrency_key_follows_format() -> None:
    app = app_of(fn(url=FunctionUrl("NONE", loc(12))), fmt="serverless")
    assert "set reservedConcurrency" in run(rules.public_without_reserved_concurrency,
                                            app)[0].message


def test_unresolved_reserved_concurrency_is_silent() -> None:
    app = app_of(fn(url=FunctionUrl("NONE", loc(12)),
                    reserved_concurrency=Unresolved("!Ref Cap", "parameter")))
    assert run(rules.public_without_reserved_concurrency, app) == []


# --- FG-SCL-002 / 003 --------------------------------------------------------------------


def test_api_without_throttling() -> None:
    apis = (api(id="Open"), api(id="Limited", throttling_rate=100),
            api(id="Burst", throttling_burst=Unresolved("!Ref Burst", "parameter")),
            api(id="Internal", endpoint_type="PRIVATE", kind="rest"))
    hits = run(rules.api_without_throttling, app_of(apis=apis))
    assert [h.subject.id for h in hits] == ["Open"]
    assert hits[0].subject.kind == "api" and "DefaultRouteSettings" in hits[0].message


def test_throttle_hint_for_rest_and_serverless() -> None:
    rest = api(kind="rest")
    hit = run(rules.api_without_throttling, app_of(apis=(rest,)))[0]
    assert "MethodSettings" in hit.message and hit.location == loc(40)
    hit = run(rules.api_without_throttling, app_of(apis=(rest,), fmt="serverless"))[0]
    assert "custom.apiGatewayThrottling" in hit.message


def test_rest_api_without_waf() -> None:
    apis = (api(id="NoWaf", kind="rest", waf=False), api(id="Waf", kind="rest", waf=True),
            api(id="Unknown", kind="rest", waf=None),
            api(id="Private", kind="rest", waf=False, endpoint_type="PRIVATE"),
            api(id="Http", kind="http", waf=False))
    hits = run(rules.rest_api_without_waf, app_of(apis=apis))
    assert [h.subject.id for h in hits] == ["NoWaf"]
    assert "WebACLAssociation" in hits[0].message


# --- FG-SCL-004 -------------------------------------------------------------------------------


def test_async_trigger_without_failure_destination() -> None:
    s3 = Trigger(TriggerKind.S3, loc(20), source=Ref("Uploads"))
    sqs = Trigger(TriggerKind.SQS, loc(21), source=Ref("Jobs"))
    app = app_of(fn("Thumb", triggers=(s3,)), fn("Dlq", triggers=(s3,), dead_letter=Ref("Q")),
                 fn("Dest", triggers=(s3,), on_failure="arn:aws:sqs:eu-west-1:1:x"),
                 fn("Worker", triggers=(sqs,)))
    hits = run(rules.async_without_failure_destination, app)
    assert [h.subject.id for h in hits] == ["Thumb"]
    assert hits[0].location == loc(20) and "(s3)" in hits[0].message


def test_async_unresolved_destination_counts_as_set() -> None:
    sched = Trigger(TriggerKind.SCHEDULE, loc(20), source="rate(5 minutes)")
    app = app_of(fn(triggers=(sched,), on_failure=Unresolved("${cf:other.Arn}", "cf")))
    assert run(rules.async_without_failure_destination, app) == []


# --- FG-SCL-005 --------------------------------------------------------------------------------


def _queue(qid: str, **fields: Any) -> Queue:
    fields.setdefault("loc", loc(50))
    return Queue(id=qid, type="AWS::SQS::Queue", **fields)


@pytest.mark.parametrize("source", [
    Ref("Jobs", "Arn"),
    Interpolated("arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Jobs.QueueName}",
                 (Ref("Jobs", "QueueName"),)),
    "arn:aws:sqs:eu-west-1:123456789012:jobs-queue",
])
def test_sqs_source_without_redrive(source: Any) -> None:
    queues = {"Jobs": _queue("Jobs", name="jobs-queue"),
              "Safe": _queue("Safe", dead_letter=Ref("SafeDlq", "Arn"))}
    trigger = Trigger(TriggerKind.SQS, loc(20), source=source)
    safe = Trigger(TriggerKind.SQS, loc(21), source=Ref("Safe", "Arn"))
    app = app_of(fn("A", triggers=(trigger, safe)), fn("B", triggers=(trigger,)),
                 resources=queues)
    hits = run(rules.sqs_source_without_redrive, app)
    assert [h.subject.id for h in hits] == ["Jobs"]  # once, though two functions read it
    assert hits[0].subject.function == "A" and hits[0].location == loc(50)


def test_sqs_queue_outside_app_is_silent() -> None:
    trigger = Trigger(TriggerKind.SQS, loc(20), source="arn:aws:sqs:eu-west-1:1:elsewhere")
    assert run(rules.sqs_source_without_redrive, app_of(fn(triggers=(trigger,)))) == []


# --- FG-SCL-006 --------------------------------------------------------------------------------


def test_zero_reserved_concurrency() -> None:
    app = app_of(fn("Off", reserved_concurrency="0", lines={"reserved_concurrency": 14}),
                 fn("On", reserved_concurrency=5), fn("Unset"))
    hits = run(rules.zero_reserved_concurrency, app)
    assert [h.subject.id for h in hits] == ["Off"] and hits[0].location == loc(14)
