"""Least-privilege rules (A1) against model objects built by hand."""

from __future__ import annotations

from typing import Any

import pytest

from faasguard.config import Config
from faasguard.iamdb import database
from faasguard.model import App, Function, Location, Policy, Ref, Role, Statement, Unresolved
from faasguard.model.values import Interpolated
from faasguard.rules import Hit, Rule
from faasguard.rules import iam as rules
from faasguard.rules.registry import Context

FILE = "template.yaml"
LAMBDA_TRUST = Policy("trust", Location(FILE, 3), (Statement(
    "Allow", Location(FILE, 4), actions=("sts:AssumeRole",),
    principals={"Service": ("lambda.amazonaws.com",)}),))


def stmt(actions: Any = (), resources: Any = ("*",), *, effect: str = "Allow", line: int = 20,
         **fields: Any) -> Statement:
    actions = tuple(actions) if isinstance(actions, list | tuple) else (actions,)
    resources = tuple(resources) if isinstance(resources, list | tuple) else (resources,)
    return Statement(effect, Location(FILE, line), actions=actions, resources=resources,
                     item_lines={"actions": tuple(range(line + 1, line + 1 + len(actions)))},
                     **fields)


def role(*statements: Statement, rid: str = "ApiRole", policies: tuple[Policy, ...] = (),
         origin: str = "inline", trust: Policy | None = LAMBDA_TRUST) -> Role:
    own = (Policy("main", Location(FILE, 10), statements, origin=origin),) if statements else ()
    return Role(id=rid, loc=Location(FILE, 5), policies=own + policies, assume_role_policy=trust)


def app_of(*roles: Role, functions: tuple[Function, ...] | None = None) -> App:
    if functions is None:
        functions = tuple(Function(id=f"{r.id}Fn", loc=Location(FILE, 50), name=f"{r.id}-fn",
                                   role=r.id) for r in roles)
    return App(name="stack", source=Location(FILE), format="cloudformation",
               functions=functions, roles={r.id: r for r in roles})


def run(rule: Rule, app: App) -> list[Hit]:
    return list(rule(app, Context(config=Config(), root=".")))


def lines(hits: list[Hit]) -> list[int | None]:
    return [h.location.line for h in hits]


def aws_managed(name: str, path: str = "") -> Policy:
    return Policy(name, Location(FILE, 30), arn=f"arn:aws:iam::aws:policy/{path}{name}",
                  origin="aws-managed")


# --- FG-IAM-001 wildcard action ------------------------------------------------------------


def test_star_action_is_reported_at_its_line() -> None:
    hits = run(rules.wildcard_action, app_of(role(stmt(["s3:GetObject", "*"]))))
    assert lines(hits) == [22]
    assert "every action (`*`)" in hits[0].message and "ApiRole-fn" in hits[0].message
    assert hits[0].subject.function == "ApiRoleFn"


def test_star_action_taken_back_by_unconditional_deny_is_not_reported() -> None:
    app = app_of(role(stmt("*"), stmt("*", effect="Deny")))
    assert run(rules.wildcard_action, app) == []


def test_conditional_deny_does_not_cancel_star_action() -> None:
    deny = stmt("*", effect="Deny", conditions={"Bool": {"aws:SecureTransport": "false"}})
    assert len(run(rules.wildcard_action, app_of(role(stmt("*"), deny)))) == 1


def test_unresolved_and_interpolated_actions_are_not_wildcards() -> None:
    app = app_of(role(stmt([Unresolved("${ssm:/x}", "remote"), Interpolated("${Svc}:*")])))
    assert run(rules.wildcard_action, app) == []
    assert run(rules.service_wildcard, app) == []


def test_framework_statements_are_not_judged() -> None:
    app = app_of(role(stmt("*"), origin="framework"))
    assert run(rules.wildcard_action, app) == []


def test_deny_star_is_not_an_allow() -> None:
    assert run(rules.wildcard_action, app_of(role(stmt("*", effect="Deny")))) == []


# --- FG-IAM-002 service wildcard -------------------------------------------------------------


def test_service_wildcard_counts_actions() -> None:
    hits = run(rules.service_wildcard, app_of(role(stmt("s3:*", Ref("Uploads", "Arn")))))
    assert len(hits) == 1
    count = len(database().expand("s3:*"))
    assert f"{count} actions" in hits[0].message and "Permissions management" in hits[0].message


def test_service_wildcard_minus_deny() -> None:
    app = app_of(role(stmt("sqs:*"), stmt("sqs:Delete*", effect="Deny")))
    hits = run(rules.service_wildcard, app)
    total = len(database().expand("sqs:*"))
    denied = len(database().expand("sqs:Delete*"))
    assert f"{total - denied} actions" in hits[0].message


def test_service_wildcard_of_unknown_service_is_still_service_wide() -> None:
    hits = run(rules.service_wildcard, app_of(role(stmt("madeupsvc:*"))))
    assert len(hits) == 1 and "madeupsvc" in hits[0].message


def test_case_insensitive_service_wildcard() -> None:
    assert len(run(rules.service_wildcard, app_of(role(stmt("S3:*"))))) == 1


# --- FG-IAM-003 partial wildcard ---------------------------------------------------------------


def test_partial_wildcard_with_writes_lists_them() -> None:
    hits = run(rules.partial_wildcard, app_of(role(stmt("dynamodb:*Item", Ref("T", "Arn")))))
    assert len(hits) == 1
    message = hits[0].message
    assert "matches 7 actions" in message
    assert "dynamodb:DeleteItem" in message and "dynamodb:GetItem" not in message
    assert hits[0].evidence["expands_to"] == 7


def test_partial_wildcard_many_reads_reported() -> None:
    hits = run(rules.partial_wildcard, app_of(role(stmt("s3:Get*", "arn:aws:s3:::b/*"))))
    assert len(hits) == 1 and "Write" not in hits[0].message


@pytest.mark.parametrize("pattern", ["s3:GetObject*", "ssm:GetParameter*", "logs:Describe*"])
def test_narrow_read_wildcards_are_fine(pattern: str) -> None:
    assert run(rules.partial_wildcard, app_of(role(stmt(pattern, "arn:aws:s3:::b/*")))) == []


def test_partial_wildcard_matching_nothing_is_left_to_unknown_rule() -> None:
    app = app_of(role(stmt("dynamodb:Gett*")))
    assert run(rules.partial_wildcard, app) == []
    assert len(run(rules.unknown_action, app)) == 1


def test_partial_wildcard_whose_writes_are_denied() -> None:
    app = app_of(role(stmt("dynamodb:*Item"), stmt(
        ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem",
         "dynamodb:BatchWriteItem"], effect="Deny")))
    assert run(rules.partial_wildcard, app) == []


# --- FG-IAM-004 write on any resource --------------------------------------------------------


def test_write_on_star_points_at_resource_line() -> None:
    s = Statement("Allow", Location(FILE, 20), actions=("dynamodb:PutItem", "sqs:SendMessage"),
                  resources=("*",), lines={"resources": 23}, item_lines={"resources": (23,)})
    hits = run(rules.write_on_any_resource, app_of(role(s)))
    assert lines(hits) == [23]
    assert "dynamodb:PutItem" in hits[0].message and "sqs:SendMessage" in hits[0].message


@pytest.mark.parametrize("resource", [
    "arn:aws:dynamodb:*:*:table/*",
    "arn:aws:dynamodb:us-east-1:123456789012:table/*",
    Interpolated("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*"),
])
def test_account_wide_arns_count_as_any(resource: Any) -> None:
    app = app_of(role(stmt("dynamodb:PutItem", resource)))
    assert len(run(rules.write_on_any_resource, app)) == 1


@pytest.mark.parametrize("resource", [
    Ref("Orders", "Arn"),
    Interpolated("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${T}",
                 (Ref("T"),)),
    "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
    "arn:aws:dynamodb:us-east-1:123456789012:table/orders-*",
    Unresolved("${cf:other.TableArn}", "remote"),
])
def test_specific_or_unknown_resources_are_not_any(resource: Any) -> None:
    assert run(rules.write_on_any_resource, app_of(role(stmt("dynamodb:PutItem", resource)))) == []


def test_s3_bucket_named_like_a_type_is_specific() -> None:
    app = app_of(role(stmt("s3:PutObject", "arn:aws:s3:::object/*")))
    assert run(rules.write_on_any_resource, app) == []
    assert len(run(rules.write_on_any_resource,
                   app_of(role(stmt("s3:PutObject", "arn:aws:s3:::*/*"))))) == 1


def test_actions_that_only_take_star_and_platform_actions_are_fine() -> None:
    app = app_of(role(stmt(["xray:PutTraceSegments", "cloudwatch:PutMetricData",
                            "ec2:CreateNetworkInterface", "logs:CreateLogGroup",
                            "logs:PutLogEvents"])))
    assert run(rules.write_on_any_resource, app) == []


def test_write_on_star_with_condition_is_not_judged() -> None:
    s = stmt("dynamodb:PutItem", conditions={"StringEquals": {"aws:ResourceTag/app": "x"}})
    assert run(rules.write_on_any_resource, app_of(role(s))) == []


def test_write_on_star_denied_on_star() -> None:
    app = app_of(role(stmt("dynamodb:PutItem"), stmt("dynamodb:*", effect="Deny")))
    assert run(rules.write_on_any_resource, app) == []


def test_deny_on_specific_resource_does_not_cancel_star() -> None:
    app = app_of(role(stmt("dynamodb:PutItem"),
                      stmt("dynamodb:*", "arn:aws:dynamodb:*:*:table/audit", effect="Deny")))
    assert len(run(rules.write_on_any_resource, app)) == 1


def test_service_wildcard_on_star_is_left_to_service_rule() -> None:
    assert run(rules.write_on_any_resource, app_of(role(stmt("dynamodb:*")))) == []


# --- FG-IAM-005 / 006 managed policies --------------------------------------------------------


def test_admin_managed_policy() -> None:
    app = app_of(role(policies=(aws_managed("AdministratorAccess"),)))
    hits = run(rules.admin_managed_policy, app)
    assert lines(hits) == [30] and "AdministratorAccess" in hits[0].message
    assert run(rules.broad_managed_policy, app) == []


def test_broad_managed_policies_by_table_and_suffix() -> None:
    app = app_of(role(policies=(aws_managed("AmazonS3FullAccess"),
                                aws_managed("AmazonTextractFullAccess"),
                                aws_managed("SystemAdministrator", "job-function/"),
                                aws_managed("AWSLambdaRole", "service-role/"))))
    hits = run(rules.broad_managed_policy, app)
    assert [h.detail for h in hits] == ["AmazonS3FullAccess", "AmazonTextractFullAccess",
                                        "SystemAdministrator", "AWSLambdaRole"]


def test_ordinary_lambda_managed_policies_are_fine() -> None:
    app = app_of(role(policies=(aws_managed("AWSLambdaBasicExecutionRole", "service-role/"),
                                aws_managed("AWSLambdaVPCAccessExecutionRole", "service-role/"),
                                aws_managed("AWSXRayDaemonWriteAccess"))))
    assert run(rules.admin_managed_policy, app) == run(rules.broad_managed_policy, app) == []


def test_customer_policy_with_admin_name_is_not_aws_managed() -> None:
    external = Policy("AdministratorAccess", Location(FILE, 30),
                      arn="arn:aws:iam::123456789012:policy/AdministratorAccess",
                      origin="external")
    assert run(rules.admin_managed_policy, app_of(role(policies=(external,)))) == []


# --- FG-IAM-007 PassRole -------------------------------------------------------------------------


def test_pass_role_on_star_even_with_passed_to_service() -> None:
    s = stmt("iam:PassRole",
             conditions={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})
    assert len(run(rules.pass_role_any, app_of(role(s)))) == 1


def test_pass_role_through_iam_star() -> None:
    assert len(run(rules.pass_role_any, app_of(role(stmt("iam:*"))))) == 1


def test_pass_role_scoped() -> None:
    assert run(rules.pass_role_any, app_of(role(stmt("iam:PassRole", Ref("Worker", "Arn"))))) == []
    tagged = stmt("iam:PassRole", conditions={"StringEquals": {"aws:ResourceTag/team": "a"}})
    assert run(rules.pass_role_any, app_of(role(tagged))) == []


# --- FG-IAM-008 escalation -----------------------------------------------------------------------


def test_escalation_across_statements() -> None:
    app = app_of(role(stmt("iam:PassRole", line=20),
                      stmt(["lambda:CreateFunction", "lambda:InvokeFunction"], line=30)))
    hits = run(rules.privilege_escalation, app)
    assert len(hits) == 1
    assert "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction" in hits[0].message
    assert lines(hits) == [21]
    assert hits[0].evidence["paths"][0]["lines"] == [21, 31, 32]


def test_incomplete_combination_is_not_escalation() -> None:
    app = app_of(role(stmt(["lambda:CreateFunction", "lambda:InvokeFunction"])))
    assert run(rules.privilege_escalation, app) == []


def test_escalation_single_action_scoped_still_counts() -> None:
    app = app_of(role(stmt("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/app-*")))
    hits = run(rules.privilege_escalation, app)
    assert len(hits) == 1 and "iam:PutRolePolicy" in hits[0].message


def test_escalation_denied() -> None:
    app = app_of(role(stmt("iam:*"), stmt("iam:*", effect="Deny")))
    assert run(rules.privilege_escalation, app) == []


def test_escalation_via_not_action() -> None:
    s = Statement("Allow", Location(FILE, 20), not_actions=("s3:*",), resources=("*",),
                  lines={"not_actions": 21})
    hits = run(rules.privilege_escalation, app_of(role(s)))
    assert lines(hits) == [21]


def test_admin_role_is_not_reported_as_escalation() -> None:
    assert run(rules.privilege_escalation, app_of(role(stmt("*")))) == []
    app = app_of(role(stmt("iam:PutRolePolicy"), policies=(aws_managed("AdministratorAccess"),)))
    assert run(rules.privilege_escalation, app) == []


# --- FG-IAM-009 / 014 / 015 -------------------------------------------------------------------


def test_exfiltration_on_star() -> None:
    app = app_of(role(stmt(["secretsmanager:GetSecretValue", "ssm:GetParametersByPath"])))
    hits = run(rules.exfiltration_any, app)
    assert len(hits) == 1
    assert "secretsmanager:GetSecretValue" in hits[0].message
    assert "ssm:GetParametersByPath" in hits[0].message


def test_exfiltration_through_partial_wildcard_and_specific_resource() -> None:
    assert len(run(rules.exfiltration_any, app_of(role(stmt("s3:GetObject*"))))) == 1
    assert run(rules.exfiltration_any,
               app_of(role(stmt("s3:GetObject", "arn:aws:s3:::uploads/*")))) == []


def test_exfiltration_action_without_resource_types_is_not_flagged() -> None:
    # BatchGetSecretValue only accepts "*"; GetSecretValue on each secret is what gates it
    assert run(rules.exfiltration_any,
               app_of(role(stmt("secretsmanager:BatchGetSecretValue")))) == []


def test_credentials_on_star() -> None:
    hits = run(rules.credentials_any, app_of(role(stmt("sts:AssumeRole"))))
    assert len(hits) == 1 and "sts:AssumeRole" in hits[0].message
    scoped = stmt("sts:AssumeRole", "arn:aws:iam::123456789012:role/reader")
    assert run(rules.credentials_any, app_of(role(scoped))) == []


def test_permissions_management_on_star() -> None:
    hits = run(rules.permissions_management_any,
               app_of(role(stmt(["s3:PutBucketPolicy", "lambda:AddPermission", "iam:PassRole"]))))
    assert len(hits) == 1
    assert "s3:PutBucketPolicy" in hits[0].message and "iam:PassRole" not in hits[0].message


# --- FG-IAM-010 / 011 -------------------------------------------------------------------------


def test_not_action_and_not_resource_with_allow() -> None:
    s = Statement("Allow", Location(FILE, 20), not_actions=("iam:*",), resources=("*",),
                  lines={"not_actions": 21})
    assert lines(run(rules.allow_not_action, app_of(role(s)))) == [21]
    r = Statement("Allow", Location(FILE, 20), actions=("s3:PutObject",),
                  not_resources=("arn:aws:s3:::audit/*",), lines={"not_resources": 22})
    assert lines(run(rules.allow_not_resource, app_of(role(r)))) == [22]


def test_not_action_with_deny_is_fine() -> None:
    s = Statement("Deny", Location(FILE, 20), not_actions=("s3:GetObject",), resources=("*",))
    app = app_of(role(stmt("s3:GetObject", "arn:aws:s3:::b/*"), s))
    assert run(rules.allow_not_action, app) == []


# --- FG-IAM-012 / 013 unknown names -----------------------------------------------------------


def test_unknown_action_suggests_the_real_one() -> None:
    hits = run(rules.unknown_action, app_of(role(stmt(["s3:GetObject", "s3:GetObjects"]))))
    assert lines(hits) == [22]
    assert "did you mean s3:GetObject?" in hits[0].message
    assert hits[0].detail == "s3:GetObjects"


def test_unknown_action_in_deny_says_the_guardrail_fails() -> None:
    hits = run(rules.unknown_action, app_of(role(stmt("s3:DeleteBuckett", effect="Deny"))))
    assert "Deny statement blocks nothing" in hits[0].message


def test_malformed_action() -> None:
    hits = run(rules.unknown_action, app_of(role(stmt("s3GetObject"))))
    assert "service:action" in hits[0].message


def test_known_actions_in_any_case_are_fine() -> None:
    app = app_of(role(stmt(["S3:getobject", "dynamodb:*", "s3:Get*", "*", "rds-db:connect"])))
    assert run(rules.unknown_action, app) == run(rules.unknown_service, app) == []


def test_unknown_service() -> None:
    hits = run(rules.unknown_service, app_of(role(stmt(["dynamo:GetItem"]))))
    assert len(hits) == 1 and "`dynamo`" in hits[0].message
    assert run(rules.unknown_action, app_of(role(stmt(["dynamo:GetItem"])))) == []


def test_unknown_names_in_managed_or_framework_policies_are_not_judged() -> None:
    app = app_of(role(stmt("s3:GetObjects"), origin="aws-managed"))
    assert run(rules.unknown_action, app) == []


# --- FG-IAM-016 trust policy ------------------------------------------------------------------


def trust(*principals: tuple[str, tuple[Any, ...]], conditions: Any = None) -> Policy:
    return Policy("trust", Location(FILE, 3), (Statement(
        "Allow", Location(FILE, 4), actions=("sts:AssumeRole",),
        principals=dict(principals), conditions=conditions or {}, lines={"principals": 5}),))


def test_trust_policy_anyone() -> None:
    r = role(stmt("s3:GetObject", "arn:aws:s3:::b/*"), trust=trust(("AWS", ("*",))))
    hits = run(rules.trust_policy, app_of(r))
    assert lines(hits) == [5]
    assert "anyone" in hits[0].message and "no condition" in hits[0].message


def test_trust_policy_other_account_with_external_id() -> None:
    r = role(stmt("s3:GetObject", "arn:aws:s3:::b/*"), trust=trust(
        ("Service", ("lambda.amazonaws.com",)), ("AWS", ("arn:aws:iam::111122223333:root",)),
        conditions={"StringEquals": {"sts:ExternalId": "x"}}))
    hits = run(rules.trust_policy, app_of(r))
    assert len(hits) == 1 and "111122223333" in hits[0].message
    assert "sts:ExternalId" in hits[0].message
    assert hits[0].evidence["principals"] == ["AWS principal arn:aws:iam::111122223333:root"]


def test_trust_policy_lambda_and_edge_only() -> None:
    r = role(stmt("s3:GetObject", "arn:aws:s3:::b/*"), trust=trust(
        ("Service", ("lambda.amazonaws.com", "edgelambda.amazonaws.com"))))
    assert run(rules.trust_policy, app_of(r)) == []


def test_trust_policy_lambda_spelt_with_url_suffix() -> None:
    for service in ("lambda.${AWS::URLSuffix}", "lambda.amazonaws.com.cn"):
        r = role(stmt("s3:GetObject", "arn:aws:s3:::b/*"),
                 trust=trust(("Service", (Interpolated(service),))))
        assert run(rules.trust_policy, app_of(r)) == []


def test_trust_policy_of_role_without_function_is_not_judged() -> None:
    r = role(stmt("s3:GetObject", "arn:aws:s3:::b/*"),
             trust=trust(("Service", ("states.amazonaws.com",))))
    assert run(rules.trust_policy, app_of(r, functions=())) == []


def test_trust_policy_unresolved_principal_is_silent() -> None:
    r = role(stmt("s3:GetObject", "arn:aws:s3:::b/*"),
             trust=trust(("AWS", (Unresolved("!ImportValue Admin", "import"),))))
    assert run(rules.trust_policy, app_of(r)) == []


# --- linking to functions ---------------------------------------------------------------------


def test_shared_role_finding_names_all_functions() -> None:
    r = role(stmt("*"))
    fns = tuple(Function(id=n, loc=Location(FILE, 60), name=n, role=r.id) for n in ("a", "b"))
    hits = run(rules.wildcard_action, app_of(r, functions=fns))
    assert hits[0].subject.function is None
    assert "used by a, b" in hits[0].message


def test_every_rule_survives_odd_values() -> None:
    odd = Statement("Allow", Location(FILE, 20),
                    actions=(None, 3, Unresolved("x"), Ref("A"), "", " s3:* "),
                    resources=(None, Ref("B"), Unresolved("y"), 5),
                    not_actions=(Unresolved("z"),), not_resources=("*",),
                    conditions={"Bad": "shape"}, principals={"?": (Unresolved("p"),)})
    app = app_of(role(odd, trust=Policy("t", Location(FILE, 1), (odd,))))
    for check in (rules.wildcard_action, rules.service_wildcard, rules.partial_wildcard,
                  rules.write_on_any_resource, rules.admin_managed_policy,
                  rules.broad_managed_policy, rules.pass_role_any, rules.privilege_escalation,
                  rules.exfiltration_any, rules.allow_not_action, rules.allow_not_resource,
                  rules.unknown_action, rules.unknown_service, rules.credentials_any,
                  rules.permissions_management_any, rules.trust_policy):
        run(check, app)
