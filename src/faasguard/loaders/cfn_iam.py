"""IAM roles and the policies that count on them.

A role's effective policies are its inline ``Policies``, its ``ManagedPolicyArns``, and
every ``AWS::IAM::Policy`` / ``AWS::IAM::ManagedPolicy`` / ``AWS::IAM::RolePolicy``
resource that names it (by ``Ref`` or by role name). AWS managed policies stay as
``Policy(origin="aws-managed", arn=...)`` without statements: the rules know what
e.g. ``AdministratorAccess`` grants.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from faasguard.loaders.cfn_stack import RoleDraft, Stack, prop_line, ref_targets
from faasguard.loaders.policy import parse_document
from faasguard.loaders.yamlsafe import line_of
from faasguard.model import Location, Policy
from faasguard.model.values import Interpolated, as_list

_AWS_MANAGED = re.compile(r"^arn:[\w${}:-]+:iam::aws:policy/(?:.*/)?([^/]+)$")


def managed_policy(value: Any, loc: Location) -> Policy:
    """A policy named by ARN: AWS managed, or someone's (external) managed policy."""
    shown = str(value)
    match = _AWS_MANAGED.match(shown) if isinstance(value, str) else None
    if match:
        return Policy(name=match.group(1), loc=loc, arn=value, origin="aws-managed")
    name = shown.rsplit("/", 1)[-1] if isinstance(value, str) else shown
    return Policy(name=name, loc=loc, arn=value, origin="external")


def build_role(stack: Stack, lid: str, props: Mapping[str, Any]) -> None:
    draft = RoleDraft(lid, stack.loc(lid))
    if "RoleName" in props:
        draft.set("name", props["RoleName"], prop_line(props, "RoleName"))
    if "AssumeRolePolicyDocument" in props:
        line = prop_line(props, "AssumeRolePolicyDocument")
        draft.set("assume_role_policy",
                  parse_document(props["AssumeRolePolicyDocument"], stack.rel,
                                 f"{lid} trust policy", fallback_line=line), line)
    if "PermissionsBoundary" in props:
        draft.set("permissions_boundary", props["PermissionsBoundary"],
                  prop_line(props, "PermissionsBoundary"))
    policies = props.get("Policies")
    if policies is not None:
        draft.lines["policies"] = prop_line(props, "Policies") or 0
    for index, item in enumerate(as_list(policies)):
        line = line_of(policies, index)
        if not isinstance(item, Mapping):
            stack.diag("warning", f"{lid}: Policies item is not a mapping", line, lid)
            continue
        name = item.get("PolicyName")
        draft.add_policy(parse_document(
            item.get("PolicyDocument"), stack.rel,
            name if isinstance(name, str) else f"{lid}Policy{index}", fallback_line=line))
    add_managed_arns(stack, draft, props.get("ManagedPolicyArns"),
                     prop_line(props, "ManagedPolicyArns"))
    stack.roles[lid] = draft


def add_managed_arns(stack: Stack, draft: RoleDraft, arns: Any, line: int | None) -> None:
    """``ManagedPolicyArns``: a Ref to a ManagedPolicy of the template links to it once
    all policies are read; anything else is an ARN."""
    if arns is None:
        return
    draft.lines.setdefault("managed_policies", line or 0)
    for index, value in enumerate(as_list(arns)):
        item_line = line_of(arns, index) or line
        loc = stack.at(item_line, draft.id)
        local = [t for t in ref_targets(value)
                 if stack.types.get(t) == "AWS::IAM::ManagedPolicy"]
        if local and not isinstance(value, Interpolated):
            placeholder = Policy(name=local[0], loc=loc, arn=value, origin="managed")
            draft.managed_refs.append((local[0], placeholder))
        else:
            draft.add_policy(managed_policy(value, loc))


_POLICY_TYPES = {
    "AWS::IAM::Policy": ("PolicyName", "inline"),
    "AWS::IAM::RolePolicy": ("PolicyName", "inline"),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", "managed"),
}


def build_policies(stack: Stack) -> None:
    """Policy resources, onto the roles they name."""
    for lid, rtype in stack.types.items():
        if rtype not in _POLICY_TYPES:
            continue
        props = stack.props.get(lid)
        if not isinstance(props, Mapping):
            continue
        name_key, origin = _POLICY_TYPES[rtype]
        name = props.get(name_key)
        policy = parse_document(props.get("PolicyDocument"), stack.rel,
                                name if isinstance(name, str) else lid, origin=origin,
                                fallback_line=prop_line(props, "PolicyDocument"))
        if rtype == "AWS::IAM::ManagedPolicy":
            stack.managed_policies[lid] = policy
        roles_key = "RoleName" if rtype == "AWS::IAM::RolePolicy" else "Roles"
        roles = props.get(roles_key)
        for index, role in enumerate(as_list(roles)):
            line = line_of(roles, index) or prop_line(props, roles_key)
            stack.attach_policy(role, policy, line, lid)
