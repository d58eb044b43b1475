"""The working state of one CloudFormation/SAM/CDK stack while it becomes model nodes.

Model nodes are frozen, but a function learns its triggers, URL, log group and failure
destination from *other* resources. So builders first fill mutable drafts here, and
``Stack.finish`` freezes them into an ``AppParts``. Links between resources go through
``Stack.function_id`` / ``Stack.role_id``, which understand ``Ref`` values, ARNs and
physical names, and never guess: a value that names nothing we know links to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from faasguard.loaders.base import LoadOptions
from faasguard.loaders.intrinsics import IntrinsicContext
from faasguard.loaders.yamlsafe import LineDict, line_of
from faasguard.model import (
    Api,
    Diagnostic,
    Function,
    Location,
    LogGroup,
    Parameter,
    Permission,
    Policy,
    Resource,
    Role,
    Route,
    Trigger,
)
from faasguard.model.values import Interpolated, Ref, Unresolved, as_bool, text

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


@dataclass
class AppParts:
    """What ``build_app`` returns: the nodes of one template, ready to put in an ``App``.

    Mutable so a caller (the serverless.yml loader) can merge its own nodes in.
    ``external_triggers`` and ``external_policies`` hold what this template attaches to
    functions and roles it does not define itself but names through ``aliases``
    (e.g. an ``AWS::S3::Bucket`` notification on serverless' ``HelloLambdaFunction``),
    keyed by the alias target id.
    """

    functions: dict[str, Function] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    apis: dict[str, Api] = field(default_factory=dict)
    permissions: list[Permission] = field(default_factory=list)
    resources: dict[str, Resource] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    parameter_specs: dict[str, Parameter] = field(default_factory=dict)
    region: Any = None
    external_triggers: dict[str, list[Trigger]] = field(default_factory=dict)
    external_policies: dict[str, list[Policy]] = field(default_factory=dict)


@dataclass
class Draft:
    """A node under construction: its field values and the line of each."""

    id: str
    loc: Location
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def set(self, name: str, value: Any, line: int | None) -> None:
        self.values[name] = value
        if line:
            self.lines[name] = line


@dataclass
class FunctionDraft(Draft):
    env_lines: dict[str, int] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)

    def build(self) -> Function:
        return Function(id=self.id, loc=self.loc, lines=dict(self.lines),
                        env_lines=dict(self.env_lines), triggers=tuple(self.triggers),
                        **self.values)


@dataclass
class RoleDraft(Draft):
    policies: list[Policy] = field(default_factory=list)
    managed_refs: list[tuple[str, Policy]] = field(default_factory=list)
    """Managed policies named by ``Ref`` from the role, resolved once all are known."""

    def add_policy(self, policy: Policy) -> None:
        if all(p is not policy for p in self.policies):
            self.policies.append(policy)

    def build(self) -> Role:
        return Role(id=self.id, loc=self.loc, lines=dict(self.lines),
                    policies=tuple(self.policies), **self.values)


@dataclass
class ApiDraft(Draft):
    routes: list[Route] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    """Per stage: throttling_rate, throttling_burst, access_logging, tracing (+ lines)."""
    auth: Mapping[str, Any] = field(default_factory=dict)
    """SAM ``Auth`` settings (authorizers, defaults) that its events consult."""

    def build(self) -> Api:
        return Api(id=self.id, loc=self.loc, lines=dict(self.lines), routes=tuple(self.routes),
                   **self.values)


_LAMBDA_ARN = re.compile(r"^arn:[\w-]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$")
_PARTIAL_ARN = re.compile(r"^(?:\d{12}:)?function:([^:]+)(?::[^:]+)?$")
_IAM_ROLE_ARN = re.compile(r"^arn:[\w-]+:iam::[^:]*:role/(?:.*/)?([^/]+)$")


def prop_line(props: Any, key: str) -> int | None:
    """Line of ``props[key]`` when the source wrote it."""
    if isinstance(props, LineDict) and key in props:
        return props.line_of(key) or None
    return None


def sub(props: Any, key: str) -> Any:
    """``props[key]`` when ``props`` is a mapping, else None."""
    return props.get(key) if isinstance(props, Mapping) else None


def ref_targets(value: Any) -> tuple[str, ...]:
    """The logical ids a resolved value names (a ``Ref`` or the refs of a Sub/Join)."""
    if isinstance(value, Ref):
        return (value.target,)
    if isinstance(value, Interpolated):
        return tuple(r.target for r in value.refs)
    return ()


@dataclass
class Stack:
    """One template being loaded. ``props`` holds each active resource's resolved
    ``Properties``; ``types`` its ``Type``."""

    rel: str
    root: str
    """The template's directory relative to the scan root."""
    fmt: str
    opts: LoadOptions
    ctx: IntrinsicContext
    resources_node: Any
    """The raw ``Resources`` mapping, for the line of each logical id."""
    types: dict[str, str] = field(default_factory=dict)
    props: dict[str, Any] = field(default_factory=dict)
    external_ids: frozenset[str] = frozenset()
    functions: dict[str, FunctionDraft] = field(default_factory=dict)
    roles: dict[str, RoleDraft] = field(default_factory=dict)
    apis: dict[str, ApiDraft] = field(default_factory=dict)
    permissions: list[Permission] = field(default_factory=list)
    resources: dict[str, Resource] = field(default_factory=dict)
    managed_policies: dict[str, Policy] = field(default_factory=dict)
    """``AWS::IAM::ManagedPolicy`` logical id -> its policy."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    external_triggers: dict[str, list[Trigger]] = field(default_factory=dict)
    external_policies: dict[str, list[Policy]] = field(default_factory=dict)
    log_group_names: dict[str, list[str]] = field(default_factory=dict)
    """Function id -> log group names/ids its LoggingConfig names."""

    # --- locations ---------------------------------------------------------------------

    def loc(self, logical_id: str) -> Location:
        return Location(self.rel, line_of(self.resources_node, logical_id))

    def at(self, line: int | None, logical_id: str | None = None) -> Location:
        if line:
            return Location(self.rel, line)
        return self.loc(logical_id) if logical_id else Location(self.rel)

    def diag(self, level: str, message: str, line: int | None = None,
             logical_id: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(level, message, self.at(line, logical_id)))

    def of_type(self, *types: str) -> list[str]:
        return [lid for lid, t in self.types.items() if t in types]

    # --- links -------------------------------------------------------------------------

    def function_id(self, value: Any, depth: int = 0) -> str | None:
        """The function a value names: ``Ref``/``GetAtt``/Sub to it, its ARN or its name,
        or a version or alias of it."""
        for target in ref_targets(value):
            if target in self.functions or target in self.external_ids:
                return target
            if depth < 3 and self.types.get(target) in ("AWS::Lambda::Version",
                                                        "AWS::Lambda::Alias"):
                return self.function_id(sub(self.props.get(target), "FunctionName"), depth + 1)
        if isinstance(value, str) and not isinstance(value, Interpolated):
            match = _LAMBDA_ARN.match(value) or _PARTIAL_ARN.match(value)
            name = match.group(1) if match else value
            for fid, draft in self.functions.items():
                if draft.values.get("name") == name:
                    return fid
        return None

    def role_id(self, value: Any) -> str | None:
        """The role a value names: Ref/GetAtt to a role, or its ARN or name."""
        for target in ref_targets(value):
            if target in self.roles or target in self.external_ids:
                return target
        if isinstance(value, str) and not isinstance(value, Interpolated):
            match = _IAM_ROLE_ARN.match(value)
            name = match.group(1) if match else value
            for rid, draft in self.roles.items():
                if draft.values.get("name") == name:
                    return rid
        return None

    def external_role(self, value: Any, line: int | None, owner: str) -> str:
        """A Role node for a role the app names but does not define; its id is the ARN text."""
        rid = value.expr if isinstance(value, Unresolved) else text(value) or str(value)
        if rid not in self.roles:
            match = _IAM_ROLE_ARN.match(rid)
            draft = RoleDraft(rid, self.at(line, owner))
            draft.set("external_arn", value, line)
            if match:
                draft.set("name", match.group(1), line)
            self.roles[rid] = draft
        return rid

    def add_trigger(self, target: Any, trigger: Trigger) -> bool:
        """Attach a trigger to the function ``target`` names; False when it names none."""
        fid = self.function_id(target)
        if fid is None:
            return False
        if fid in self.functions:
            self.functions[fid].triggers.append(trigger)
        else:
            self.external_triggers.setdefault(fid, []).append(trigger)
        return True

    def attach_policy(self, role_value: Any, policy: Policy, line: int | None,
                      owner: str) -> None:
        """Attach a policy resource (``AWS::IAM::Policy`` ...) to the role a value names."""
        rid = self.role_id(role_value)
        if rid is None:
            shown = role_value.expr if isinstance(role_value, Unresolved) else role_value
            self.diag("info", f"{owner}: policy attached to role {shown}, which this "
                      "template does not define", line, owner)
        elif rid in self.roles:
            self.roles[rid].add_policy(policy)
        else:
            self.external_policies.setdefault(rid, []).append(policy)

    # --- the end -----------------------------------------------------------------------

    def parameter_specs(self, declared: Any) -> dict[str, Parameter]:
        """The ``Parameters`` section as declared, with the line of each field."""
        out: dict[str, Parameter] = {}
        if not isinstance(declared, Mapping):
            return out
        fields = {"type": "Type", "default": "Default", "no_echo": "NoEcho",
                  "description": "Description"}
        for name, spec in declared.items():
            if not isinstance(name, str) or not isinstance(spec, Mapping):
                continue
            lines = {f: line for f, key in fields.items() if (line := prop_line(spec, key))}
            no_echo = spec.get("NoEcho")
            out[name] = Parameter(
                id=name, loc=Location(self.rel, line_of(declared, name)), lines=lines,
                type=spec.get("Type"), default=spec.get("Default"),
                no_echo=as_bool(no_echo) if no_echo is not None else None,
                description=spec.get("Description"))
        return out

    def finish(self, parameters: Mapping[str, Any], region: Any,
               specs: Mapping[str, Parameter] | None = None) -> AppParts:
        self._link_log_groups()
        for draft in self.roles.values():
            for target, placeholder in draft.managed_refs:
                policy = self.managed_policies.get(target)
                if policy is not None:
                    draft.add_policy(policy)
                else:
                    draft.add_policy(placeholder)
        return AppParts(
            functions={fid: d.build() for fid, d in self.functions.items()},
            roles={rid: d.build() for rid, d in self.roles.items()},
            apis={aid: d.build() for aid, d in self.apis.items()},
            permissions=list(self.permissions),
            resources=dict(self.resources),
            diagnostics=list(self.diagnostics),
            parameters=dict(parameters),
            parameter_specs=dict(specs or {}),
            region=region,
            external_triggers=self.external_triggers,
            external_policies=self.external_policies,
        )

    def _link_log_groups(self) -> None:
        by_name: dict[str, str] = {}
        for rid, res in self.resources.items():
            if not isinstance(res, LogGroup):
                continue
            name = res.name
            for target in ref_targets(name):
                if target in self.functions and str(name) == f"/aws/lambda/${{{target}}}":
                    self.functions[target].values["log_group"] = rid
            if isinstance(name, str) and not isinstance(name, Interpolated):
                by_name[name] = rid
                if name.startswith("/aws/lambda/"):
                    fid = self.function_id(name.removeprefix("/aws/lambda/"))
                    if fid in self.functions:
                        self.functions[fid].values.setdefault("log_group", rid)
        for fid, names in self.log_group_names.items():
            for group in names:
                found = group if group in self.resources else by_name.get(group)
                if found is not None and fid in self.functions:
                    self.functions[fid].values["log_group"] = found
