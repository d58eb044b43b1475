"""Logging and tracing rules (F1) against model objects built by hand."""

from __future__ import annotations

from typing import Any

import pytest

from faasguard.config import Config
from faasguard.model import Api, App, Function, Location, LogGroup, Ref, Resource, Unresolved
from faasguard.model.values import Interpolated
from faasguard.rules import Hit, Rule
from faasguard.rules import monitoring as rules
from faasguard.rules.registry import Context

FILE = "template.yaml"


def loc(line: int) -> Location:
    return Location(FILE, line)


def fn(fid: str = "Orders", **fields: Any) -> Function:
    fields.setdefault("loc", loc(10))
    return Function(id=fid, **fields)


def group(gid: str, **fields: Any) -> LogGroup:
    fields.setdefault("loc", loc(30))
    return LogGroup(id=gid, type="AWS::Logs::LogGroup", **fields)


def app_of(*functions: Function, fmt: str = "sam", resources: tuple[Resource, ...] = (),
           apis: tuple[Api, ...] = ()) -> App:
    return App(name="stack", source=Location(FILE), format=fmt, functions=functions,
               resources={r.id: r for r in resources}, apis={a.id: a for a in apis})


def run(rule: Rule, app: App) -> list[Hit]:
    return list(rule(app, Context(config=Config(), root=".")))


# --- FG-LOG-001 -------------------------------------------------------------------------------


def test_linked_log_group_without_retention() -> None:
    app = app_of(fn("A", log_group="Logs"), fn("B", log_group="Logs"),
                 fn("C", log_group="Kept"),
                 resources=(group("Logs", lines={"retention_days": 33}),
                            group("Kept", retention_days=30)))
    hits = run(rules.log_group_without_retention, app)
    assert [(h.subject.id, h.subject.function) for h in hits] == [("Logs", "A")]
    assert "RetentionInDays: 90" in hits[0].message


def test_serverless_log_group_hint() -> None:
    # the Framework's own log group takes provider.logRetentionInDays; one the service
    # writes under resources: is CloudFormation
    app = app_of(fn("hello", log_group="HelloLogGroup"), fmt="serverless",
                 resources=(group("HelloLogGroup", generated=True), group("AccessLogs")))
    framework, own = run(rules.log_group_without_retention, app)
    assert "provider.logRetentionInDays: 90" in framework.message
    assert own.subject.id == "AccessLogs" and "set RetentionInDays: 90" in own.message


def test_function_without_any_log_group_in_cloudformation() -> None:
    hits = run(rules.log_group_without_retention, app_of(fn(name="orders-fn")))
    assert len(hits) == 1 and hits[0].subject.kind == "function"
    assert "/aws/lambda/orders-fn" in hits[0].message


def test_serverless_function_without_log_group_is_not_judged() -> None:
    assert run(rules.log_group_without_retention, app_of(fn(), fmt="serverless")) == []


def test_cdk_log_retention_resource_counts() -> None:
    retention = Resource(id="OrdersLogRetention", loc=loc(50), type="Custom::LogRetention",
                         properties={"LogGroupName": Interpolated("/aws/lambda/${Orders}",
                                                                  (Ref("Orders"),)),
                                     "RetentionInDays": 30})
    assert run(rules.log_group_without_retention, app_of(fn(), resources=(retention,))) == []


def test_unreadable_log_group_name_keeps_functions_silent() -> None:
    unknown = group("Logs", name=Unresolved("!ImportValue LogName", "import"), retention_days=7)
    assert run(rules.log_group_without_retention, app_of(fn(), resources=(unknown,))) == []


def test_unlinked_log_group_and_unresolved_retention() -> None:
    app = app_of(resources=(group("ApiLogs"),
                            group("Param", retention_days=Unresolved("!Ref Days", "param"))))
    hits = run(rules.log_group_without_retention, app)
    assert [h.subject.id for h in hits] == ["ApiLogs"] and hits[0].subject.function is None


# --- FG-LOG-002 -------------------------------------------------------------------------------


@pytest.mark.parametrize("tracing,reported", [
    (None, True), (False, True), ("false", True), ("Active", False), ("PassThrough", False),
    (Unresolved("${param:tracing}", "param"), False),
])
def test_function_tracing(tracing: Any, reported: bool) -> None:
    hits = run(rules.function_tracing_off, app_of(fn(tracing=tracing)))
    assert bool(hits) is reported
    if hits:
        assert "TracingConfig" in hits[0].message


def test_function_tracing_serverless_hint() -> None:
    hit = run(rules.function_tracing_off, app_of(fn(), fmt="serverless"))[0]
    assert "provider.tracing.lambda: true" in hit.message


# --- FG-LOG-003 / 004 / 005 -------------------------------------------------------------------


def api(aid: str, **fields: Any) -> Api:
    fields.setdefault("loc", loc(40))
    return Api(id=aid, **fields)


def test_access_logging_split_by_exposure() -> None:
    apis = (api("Public", kind="http", access_logging=False, lines={"access_logging": 41}),
            api("Logged", access_logging=True),
            api("Unknown", access_logging=None),
            api("Internal", endpoint_type="PRIVATE", access_logging=False))
    app = app_of(apis=apis)
    public = run(rules.public_api_without_access_logs, app)
    private = run(rules.private_api_without_access_logs, app)
    assert [h.subject.id for h in public] == ["Public"] and public[0].location == loc(41)
    assert "HTTP API Public faces the internet but has no access logging" in public[0].message
    assert [h.subject.id for h in private] == ["Internal"]
    assert "REST API Internal has no access logging" in private[0].message
    assert "AccessLogSettings on the stage" in public[0].message  # HTTP API spelling
    assert "AccessLogSetting on the stage" in private[0].message  # REST API spelling


def test_serverless_access_log_hint() -> None:
    hit = run(rules.public_api_without_access_logs,
              app_of(apis=(api("Rest", access_logging=False),), fmt="serverless"))[0]
    assert "provider.logs.restApi: true" in hit.message


def test_rest_stage_tracing() -> None:
    apis = (api("Off", tracing=False), api("On", tracing=True), api("Unset"),
            api("Http", kind="http", tracing=False))
    hits = run(rules.rest_api_tracing_off, app_of(apis=apis))
    assert [h.subject.id for h in hits] == ["Off"]
    assert "TracingEnabled: true" in hits[0].message
