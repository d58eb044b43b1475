"""Isolation rules (A2) against model objects built by hand."""

from __future__ import annotations

from typing import Any

from faasguard.config import Config
from faasguard.model import App, Function, Location, Policy, Ref, Role, Statement, Unresolved
from faasguard.model.values import Interpolated
from faasguard.rules import Hit, Rule
from faasguard.rules import isolation as rules
from faasguard.rules.registry import Context

FILE = "serverless.yml"


def stmt(actions: Any, resources: Any, *, effect: str = "Allow", **fields: Any) -> Statement:
    actions = tuple(actions) if isinstance(actions, list | tuple) else (actions,)
    resources = tuple(resources) if isinstance(resources, list | tuple) else (resources,)
    return Statement(effect, Location(FILE, 20), actions=actions, resources=resources,
                     lines={"resources": 22}, item_lines={"resources": (22,) * len(resources)},
                     **fields)


def role(rid: str, *statements: Statement, generated: bool = False) -> Role:
    policies = (Policy("p", Location(FILE, 10), statements),) if statements else ()
    return Role(id=rid, loc=Location(FILE, 8), policies=policies, generated=generated)


def fn(fid: str, role_id: str | None, name: str | None = None) -> Function:
    return Function(id=fid, loc=Location(FILE, 40), name=name or f"svc-dev-{fid}", role=role_id)


def app_of(roles: tuple[Role, ...], functions: tuple[Function, ...]) -> App:
    return App(name="svc", source=Location(FILE), format="serverless", functions=functions,
               roles={r.id: r for r in roles})


def run(rule: Rule, app: App) -> list[Hit]:
    return list(rule(app, Context(config=Config(), root=".")))


# --- FG-ISO-001 --------------------------------------------------------------------------------


def test_default_role_shared_by_functions() -> None:
    shared = role("IamRoleLambdaExecution", generated=True)
    app = app_of((shared,), (fn("a", shared.id), fn("b", shared.id), fn("c", shared.id)))
    hits = run(rules.shared_role, app)
    assert len(hits) == 1
    assert hits[0].location == Location(FILE, 8)
    assert "3 functions" in hits[0].message and "svc-dev-a, svc-dev-b, svc-dev-c" in hits[0].message
    assert "default role" in hits[0].message
    assert hits[0].evidence["functions"] == ["a", "b", "c"]


def test_one_role_per_function_is_fine() -> None:
    app = app_of((role("ARole"), role("BRole")), (fn("a", "ARole"), fn("b", "BRole")))
    assert run(rules.shared_role, app) == []


def test_shared_role_unknown_to_the_app_points_at_first_function() -> None:
    app = app_of((), (fn("a", "arn:aws:iam::1:role/x"), fn("b", "arn:aws:iam::1:role/x")))
    hits = run(rules.shared_role, app)
    assert hits[0].subject.kind == "function" and hits[0].subject.id == "a"


# --- FG-ISO-002 --------------------------------------------------------------------------------


def test_invoke_on_star() -> None:
    r = role("ARole", stmt("lambda:InvokeFunction", "*"))
    hits = run(rules.invoke_any_function, app_of((r,), (fn("a", "ARole"),)))
    assert [h.location.line for h in hits] == [22]
    assert hits[0].subject.function == "a"


def test_invoke_on_every_function_arn_and_through_wildcards() -> None:
    for action, resource in (
            ("lambda:Invoke*", "arn:aws:lambda:*:*:function:*"),
            ("lambda:*", Interpolated(
                "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*")),
    ):
        r = role("ARole", stmt(action, resource))
        assert len(run(rules.invoke_any_function, app_of((r,), (fn("a", "ARole"),)))) == 1


def test_invoke_scoped_or_star_action_is_not_reported_here() -> None:
    for statement in (stmt("lambda:InvokeFunction", Ref("Worker", "Arn")),
                      stmt("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:svc-dev-*"),
                      stmt("lambda:InvokeFunction", Unresolved("${cf:x.Arn}", "remote")),
                      stmt("*", "*")):
        r = role("ARole", statement)
        assert run(rules.invoke_any_function, app_of((r,), (fn("a", "ARole"),))) == []


def test_invoke_on_star_denied() -> None:
    r = role("ARole", stmt("lambda:InvokeFunction", "*"),
             stmt("lambda:*", "*", effect="Deny"))
    assert run(rules.invoke_any_function, app_of((r,), (fn("a", "ARole"),))) == []


# --- FG-ISO-003 --------------------------------------------------------------------------------


def test_invoke_other_function_by_reference_and_by_name() -> None:
    r = role("ARole", stmt("lambda:InvokeFunction",
                           [Ref("b", "Arn"), "arn:aws:lambda:us-east-1:1:function:svc-dev-c"]))
    app = app_of((r, role("BRole"), role("CRole")),
                 (fn("a", "ARole"), fn("b", "BRole"), fn("c", "CRole")))
    hits = run(rules.invoke_other_functions, app)
    assert len(hits) == 1
    assert hits[0].evidence["targets"] == ["b", "c"]
    assert "svc-dev-b, svc-dev-c" in hits[0].message


def test_invoke_by_name_pattern_matches_app_functions() -> None:
    r = role("ARole", stmt("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:svc-dev-*"))
    app = app_of((r, role("BRole")), (fn("a", "ARole"), fn("b", "BRole")))
    assert run(rules.invoke_other_functions, app)[0].evidence["targets"] == ["b"]


def test_invoking_itself_or_a_function_with_the_same_role_is_not_reported() -> None:
    r = role("Shared", stmt("lambda:InvokeFunction", [Ref("a", "Arn"), Ref("b", "Arn")]))
    app = app_of((r,), (fn("a", "Shared"), fn("b", "Shared")))
    assert run(rules.invoke_other_functions, app) == []


def test_interpolated_arn_naming_a_function() -> None:
    value = Interpolated("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:"
                         "function:${b}", (Ref("b"),))
    r = role("ARole", stmt("lambda:InvokeFunction", value))
    app = app_of((r, role("BRole")), (fn("a", "ARole"), fn("b", "BRole")))
    assert len(run(rules.invoke_other_functions, app)) == 1


def test_non_invoke_actions_on_other_functions_are_not_invocations() -> None:
    r = role("ARole", stmt("lambda:GetFunctionConfiguration", Ref("b", "Arn")))
    app = app_of((r, role("BRole")), (fn("a", "ARole"), fn("b", "BRole")))
    assert run(rules.invoke_other_functions, app) == []
