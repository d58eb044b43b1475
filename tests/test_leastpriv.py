"""Needed against declared permissions (faasguard.leastpriv) and the derived policy
(faasguard.iamgen)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from faasguard.code.actions import NeededAction
from faasguard.code.facts import FunctionCode, SdkCall, Target, Unknown
from faasguard.iamgen import PolicyFormat, derive, problems, render
from faasguard.leastpriv import analyze, canonical, covers, show_in, summary
from faasguard.model import (
    App,
    Function,
    Location,
    LogGroup,
    Policy,
    Queue,
    Ref,
    Role,
    Statement,
    Table,
    Unresolved,
)
from faasguard.model.values import Interpolated

_ROOT = Path(__file__).resolve().parent.parent
TPL = Location("template.yaml", 1)
AT = Location("src/app.py", 4)
LOGS = Statement("Allow", TPL, actions=("logs:CreateLogGroup", "logs:CreateLogStream",
                                        "logs:PutLogEvents"), resources=("*",))
RESOURCES = {"Orders": Table("Orders", TPL, type="AWS::DynamoDB::Table"),
             "Jobs": Queue("Jobs", TPL, type="AWS::SQS::Queue", name="jobs")}


def app_with(*statements: Statement, functions: tuple[str, ...] = ("Fn",),
             managed: tuple[str, ...] = ()) -> App:
    policies = [Policy("inline", TPL, statements=(LOGS, *statements))]
    policies += [Policy(m, TPL, arn=f"arn:aws:iam::aws:policy/{m}", origin="aws-managed")
                 for m in managed]
    role = Role("FnRole", TPL, policies=tuple(policies))
    fns = tuple(Function(f, Location("template.yaml", 10 + i), role="FnRole")
                for i, f in enumerate(functions))
    return App("app", TPL, "sam", functions=fns, roles={"FnRole": role}, resources=RESOURCES)


def allow(actions: tuple[str, ...], *resources: object, line: int = 5) -> Statement:
    return Statement("Allow", Location("template.yaml", line), actions=actions,
                     resources=tuple(resources))


def code(calls: Mapping[str, tuple[SdkCall, ...]], unknowns: tuple[Unknown, ...] = ()):  # type: ignore[no-untyped-def]
    def of(app: App, fn: Function) -> FunctionCode:
        return FunctionCode(fn.id, "python", sdk_calls=calls.get(fn.id, ()), unknowns=unknowns)
    return of


GET = SdkCall("dynamodb", "GetItem", AT, targets=(Target(Ref("Orders"), "TableName"),))
SEND = SdkCall("sqs", "SendMessage", AT, targets=(Target(Ref("Jobs"), "QueueUrl"),))


def test_one_resource_in_three_spellings_is_the_same() -> None:
    app = app_with()
    spellings = [Ref("Orders", "Arn"),
                 Interpolated("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:"
                              "table/${Orders}", (Ref("Orders"),)),
                 "arn:aws:dynamodb:eu-west-1:123456789012:table/${Orders}"]
    texts = [canonical(s, app) for s in spellings]
    assert all(t is not None for t in texts)
    assert all(covers(a, b) for a in texts for b in texts if a and b)
    assert canonical(Unresolved("x"), app) is None
    assert covers("arn:aws:s3:::bucket/*", "arn:${AWS::Partition}:s3:::bucket/in/x.csv")
    assert not covers("arn:aws:s3:::bucket/in/*", "arn:aws:s3:::bucket/*")
    assert not covers("arn:aws:sqs:eu-west-1:123456789012:other", "arn:aws:sqs:eu-west-1:1:jobs")


def test_exact_role_is_least_privilege() -> None:
    app = app_with(allow(("dynamodb:GetItem",), Ref("Orders", "Arn")))
    (verdict,) = analyze(app, code({"Fn": (GET,)}))
    assert verdict.verdict == "least privilege"


def test_over_privilege_lists_unneeded_actions_and_wider_resources() -> None:
    app = app_with(allow(("dynamodb:Get*",), "*", line=6), allow(("sqs:*",), "*", line=7))
    (verdict,) = analyze(app, code({"Fn": (GET,)}))
    assert verdict.verdict == "over-privileged"
    by_service = verdict.excess_by_service()
    assert set(by_service) == {"dynamodb", "sqs"}
    wider = [e for e in by_service["dynamodb"] if e.action == "dynamodb:GetItem"]
    assert [e.kind for e in wider] == ["wider"]
    assert {e.kind for e in by_service["sqs"]} == {"action"}
    assert all(e.loc.line in (6, 7) for e in verdict.excess)


def test_under_privilege_is_needed_but_not_granted() -> None:
    app = app_with(allow(("dynamodb:GetItem",), Ref("Orders", "Arn")))
    (verdict,) = analyze(app, code({"Fn": (GET, SEND)}))
    assert [(n.action, n.loc) for n in verdict.missing] == [("sqs:SendMessage", AT)]


def test_deny_takes_a_grant_away() -> None:
    deny = Statement("Deny", TPL, actions=("dynamodb:GetItem",), resources=("*",))
    app = app_with(allow(("dynamodb:GetItem",), "*"), deny)
    (verdict,) = analyze(app, code({"Fn": (GET,)}))
    assert [n.action for n in verdict.missing] == ["dynamodb:GetItem"]


def test_shared_role_needs_the_union() -> None:
    app = app_with(allow(("dynamodb:GetItem",), Ref("Orders", "Arn")),
                   allow(("sqs:SendMessage",), Ref("Jobs", "Arn")), functions=("A", "B"))
    verdicts = analyze(app, code({"A": (GET,), "B": (SEND,)}))
    assert [v.verdict for v in verdicts] == ["least privilege", "least privilege"]
    assert verdicts[0].shared_with == ("B",)


def test_unknowns_make_it_incomplete_not_over_privileged() -> None:
    app = app_with(allow(("dynamodb:*",), "*"))
    dynamic = (Unknown(AT, "dynamic client name"),)
    (verdict,) = analyze(app, code({"Fn": (GET,)}, dynamic))
    assert verdict.excess == () and verdict.verdict == "incomplete"
    assert any("dynamic client name" in u for u in verdict.unknowns)


def test_unknown_managed_policy_turns_missing_into_unknown() -> None:
    app = app_with(managed=("AmazonSQSFullAccess",))
    (verdict,) = analyze(app, code({"Fn": (SEND,)}))
    assert verdict.missing == ()
    assert any("AmazonSQSFullAccess" in u for u in verdict.unknowns)


def test_execution_role_managed_policies_are_known() -> None:
    role = Role("FnRole", TPL, policies=(
        Policy("AWSLambdaBasicExecutionRole", TPL,
               arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
               origin="aws-managed"),))
    app = App("app", TPL, "sam", functions=(Function("Fn", TPL, role="FnRole"),),
              roles={"FnRole": role})
    (verdict,) = analyze(app, code({}))
    assert verdict.verdict == "least privilege"


# --- the derived policy ----------------------------------------------------------


NEEDS = [NeededAction("dynamodb:GetItem", Ref("Orders", "Arn"), "r"),
         NeededAction("dynamodb:PutItem", Ref("Orders", "Arn"), "r"),
         NeededAction("sqs:SendMessage", Ref("Jobs", "Arn"), "r"),
         NeededAction("xray:PutTraceSegments", "*", "r", implicit=True)]


def test_derive_groups_actions_that_share_resources() -> None:
    statements = derive(NEEDS)
    assert [s.actions for s in statements] == [("dynamodb:GetItem", "dynamodb:PutItem"),
                                               ("sqs:SendMessage",),
                                               ("xray:PutTraceSegments",)]
    assert problems(statements, app_with()) == []


def test_policy_check_objects_to_bad_policies() -> None:
    bad = derive([NeededAction("dynamodb:GetItm", "*", "r"),
                  NeededAction("dynamodb:GetItem", "*", "r"),
                  NeededAction("sqs:SendMessage", "arn:aws:s3:::bucket", "r"),
                  NeededAction("s3:GetObject", Unresolved("b", "bucket from a variable"), "r")])
    found = "\n".join(problems(bad, app_with()))
    assert "unknown action dynamodb:GetItm" in found
    assert "dynamodb:GetItem on *" in found
    assert "not an ARN sqs:SendMessage takes" in found
    assert "bucket from a variable" in found


@pytest.mark.parametrize("fmt", list(PolicyFormat))
def test_every_format_renders_the_statements(fmt: PolicyFormat) -> None:
    text = render(derive(NEEDS), fmt, "Fn", app_with())
    if fmt is PolicyFormat.CLOUDFORMATION:
        document = json.loads(text)["Policies"][0]["PolicyDocument"]
        assert document["Statement"][0]["Resource"] == {"Fn::GetAtt": ["Orders", "Arn"]}
    elif fmt is PolicyFormat.TERRAFORM:
        assert 'data "aws_iam_policy_document" "fn_least_privilege"' in text
        assert '"dynamodb:GetItem", "dynamodb:PutItem"' in text
    else:
        data = yaml.safe_load(text)
        assert data
        assert "dynamodb:GetItem" in text and "Fn::GetAtt" in text


def test_sam_uses_a_policy_template_only_when_it_is_exact() -> None:
    text = render(derive(NEEDS), PolicyFormat.SAM, "Fn", app_with())
    policies = yaml.safe_load(text)["Policies"]
    assert {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["Jobs", "QueueName"]}}} \
        in policies
    # GetItem+PutItem is no template's exact set: inline statements
    assert not any("DynamoDBCrudPolicy" in p or "DynamoDBReadPolicy" in p for p in policies)


def test_unresolved_resources_are_marked() -> None:
    needs = [NeededAction("s3:GetObject", Unresolved("b", "bucket from a variable"), "r")]
    text = render(derive(needs), PolicyFormat.SERVERLESS, "Fn", app_with())
    assert "# unresolved" in text and "bucket from a variable" in text


def test_missing_code_is_incomplete_not_over_privileged() -> None:
    app = app_with(allow(("dynamodb:*",), "*"))

    def no_code(app: App, fn: Function) -> FunctionCode:
        return FunctionCode(fn.id, None, unknowns=(Unknown(TPL, "handler file not found"),))

    (verdict,) = analyze(app, no_code)
    assert verdict.excess == () and verdict.missing == ()
    assert verdict.verdict == "incomplete"
    assert "handler file not found" in verdict.unknowns[0]


def test_rules_module_does_not_import_code_analysis() -> None:
    import subprocess
    import sys

    probe = ("import sys, faasguard.rules.leastpriv; "
             "print(any(m.startswith('faasguard.code') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": "src"}, cwd=_ROOT).stdout.strip()
    assert out == "False"


def test_a_wildcard_across_services_is_one_excess_not_thousands() -> None:
    app = app_with(allow(("*",), "*", line=8))
    (verdict,) = analyze(app, code({"Fn": (GET,)}))
    patterns = [e for e in verdict.excess if e.kind == "pattern"]
    assert [(e.action, e.resource, e.loc.line) for e in patterns] == [("*", "*", 8)]
    # the needed action it grants is still judged on its resource, like any other grant
    wider = [e for e in verdict.excess if e.action == "dynamodb:GetItem"]
    assert [e.kind for e in wider] == ["wider"]
    assert len(verdict.excess) < 10 and verdict.missing == ()


def test_a_wildcard_grants_what_a_deny_leaves() -> None:
    deny = Statement("Deny", TPL, actions=("dynamodb:*",), resources=("*",))
    app = app_with(allow(("*",), "*"), deny)
    (verdict,) = analyze(app, code({"Fn": (GET, SEND)}))
    assert [n.action for n in verdict.missing] == ["dynamodb:GetItem"]


def tf_app(*statements: Statement) -> App:
    """A Terraform app: addresses for ids, Terraform attribute names in references."""
    resources = {"aws_dynamodb_table.orders": Table("aws_dynamodb_table.orders", TPL,
                                                    type="aws_dynamodb_table", name="orders"),
                 "aws_sqs_queue.jobs": Queue("aws_sqs_queue.jobs", TPL, type="aws_sqs_queue")}
    role = Role("aws_iam_role.fn", TPL, policies=(Policy("inline", TPL, statements=(
        LOGS, *statements)),))
    fn = Function("aws_lambda_function.fn", Location("main.tf", 10), role="aws_iam_role.fn",
                  name="fn")
    return App("tf", Location("main.tf", 1), "terraform", functions=(fn,),
               roles={"aws_iam_role.fn": role}, resources=resources)


def test_terraform_references_resolve_by_attribute() -> None:
    table = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders"
    app = tf_app()
    assert canonical(Ref("aws_dynamodb_table.orders", "arn"), app) == table
    assert canonical(Ref("aws_dynamodb_table.orders", "name"), app) == "orders"
    assert canonical(Ref("aws_dynamodb_table.orders", "id"), app) == "orders"
    assert canonical(Interpolated("${aws_dynamodb_table.orders.arn}/index/*", (
        Ref("aws_dynamodb_table.orders", "arn"),)), app) == f"{table}/index/*"
    # a generated queue name stays a reference; its URL is neither ARN nor name
    assert canonical(Ref("aws_sqs_queue.jobs", "url"), app) == "${aws_sqs_queue.jobs.url}"
    assert canonical(Ref("aws_sqs_queue.jobs", "arn"), app) == (
        "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${aws_sqs_queue.jobs.name}")


def test_terraform_env_reference_scopes_the_need_and_prints_as_terraform() -> None:
    get = SdkCall("dynamodb", "GetItem", AT, targets=(
        Target(Ref("aws_dynamodb_table.orders", "name"), "TableName"),))
    send = SdkCall("sqs", "SendMessage", AT, targets=(
        Target(Ref("aws_sqs_queue.jobs", "url"), "QueueUrl"),))
    app = tf_app(allow(("dynamodb:GetItem", "dynamodb:DeleteItem"),
                       Ref("aws_dynamodb_table.orders", "arn")),
                 allow(("sqs:SendMessage",), Ref("aws_sqs_queue.jobs", "arn")))
    (verdict,) = analyze(app, code({"aws_lambda_function.fn": (get, send)}))
    assert verdict.verdict == "over-privileged" and not verdict.unknowns
    assert [e.action for e in verdict.excess] == ["dynamodb:DeleteItem"]
    text = json.dumps(summary(verdict))
    assert "aws_dynamodb_table.orders.arn" in text and "aws_sqs_queue.jobs.arn" in text
    assert "!GetAtt" not in text and "!Ref" not in text
    statements = derive(verdict.own)
    policy = render(statements, PolicyFormat.TERRAFORM, "fn", app)
    assert "resources = [aws_dynamodb_table.orders.arn]" in policy
    assert "resources = [aws_sqs_queue.jobs.arn]" in policy


def test_terraform_unknown_reference_is_written_as_terraform() -> None:
    call = SdkCall("dynamodb", "GetItem", AT, targets=(
        Target(Ref("aws_rds_cluster.db", "arn"), "TableName"),))
    (verdict,) = analyze(tf_app(), code({"aws_lambda_function.fn": (call,)}))
    (need,) = [n for n in verdict.own if n.action == "dynamodb:GetItem"]
    assert isinstance(need.resource, Unresolved)
    assert need.resource.expr == "aws_rds_cluster.db.arn"


def test_terraform_log_group_arn_has_no_stream_suffix() -> None:
    """Terraform's ``arn`` of a log group lacks CloudFormation's ":*": the platform's
    log permissions are on ``"${aws_cloudwatch_log_group.x.arn}:*"``."""
    base = tf_app(allow(("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"),
                        Interpolated("${aws_cloudwatch_log_group.fn.arn}:*", (
                            Ref("aws_cloudwatch_log_group.fn", "arn"),))))
    group = LogGroup("aws_cloudwatch_log_group.fn", TPL, type="aws_cloudwatch_log_group",
                     name="/aws/lambda/fn")
    fn = replace(base.functions[0], log_group=group.id)
    app = replace(base, functions=(fn,), resources={**base.resources, group.id: group})
    (verdict,) = analyze(app, code({}))
    logs = {show_in(n.resource, "terraform") for n in verdict.own if n.implicit}
    assert logs == {"${aws_cloudwatch_log_group.fn.arn}:*"}
    assert [n.action for n in verdict.missing] == []
    policy = render(derive(verdict.own), PolicyFormat.TERRAFORM, "fn", app)
    assert 'resources = ["${aws_cloudwatch_log_group.fn.arn}:*"]' in policy
