"""The least-privilege policy of a function, in the app's own format (A1).

From what a function (or every function sharing its role) needs, one statement per set
of resources that share the same actions, written as:

- ``serverless``: per-function ``iamRoleStatements`` (YAML; ``Fn::GetAtt``/``Ref``/
  ``Fn::Sub`` for template resources);
- ``sam``: the function's ``Policies`` (a SAM policy template when one grants exactly
  the same actions on the same resource, else inline statements);
- ``cloudformation``: a ``Policies`` entry of an ``AWS::IAM::Role`` (JSON);
- ``terraform``: a ``data "aws_iam_policy_document"`` block.

Every derived policy is checked the way Parliament checks policies: each action exists
in the action database, each ARN has the format of one of the action's resource types,
and ``*`` appears only for actions that take nothing else. Resources that could not be
resolved are written as ``*`` and marked with the reason, never silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from faasguard.code.actions import ANY, NeededAction, Resource_, kind_of, overrides
from faasguard.iamdb import IamDatabase, database
from faasguard.iampolicy import show
from faasguard.leastpriv import canonical
from faasguard.model import App, Ref, Unresolved
from faasguard.model.values import Interpolated

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


class PolicyFormat(StrEnum):
    SERVERLESS = "serverless"
    SAM = "sam"
    CLOUDFORMATION = "cloudformation"
    TERRAFORM = "terraform"

    @property
    def extension(self) -> str:
        return {"serverless": "yml", "sam": "yaml", "cloudformation": "json",
                "terraform": "tf"}[self.value]

    @classmethod
    def for_app(cls, app: App) -> PolicyFormat:
        """The format an app is written in (CDK output is CloudFormation)."""
        return {"serverless": cls.SERVERLESS, "sam": cls.SAM,
                "terraform": cls.TERRAFORM}.get(app.format, cls.CLOUDFORMATION)


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    actions: tuple[str, ...]
    resources: tuple[Resource_, ...]
    notes: tuple[str, ...] = ()
    """Why a resource is ``*`` when it should not be (unresolved targets)."""


def derive(needs: Iterable[NeededAction]) -> list[PolicyStatement]:
    """Statements granting exactly ``needs``: actions that need the same resources share
    one statement."""
    by_resource: dict[str, tuple[Resource_, set[str], list[str]]] = {}
    for need in needs:
        resource: Resource_ = need.resource
        note = []
        if isinstance(resource, Unresolved):
            note = [f"{need.action}: {resource.reason or resource.expr}"]
            resource = ANY
        key = show(resource)
        entry = by_resource.setdefault(key, (resource, set(), []))
        entry[1].add(need.action)
        entry[2].extend(n for n in note if n not in entry[2])
    by_actions: dict[tuple[str, ...], tuple[list[Resource_], list[str]]] = {}
    for resource, actions, notes in by_resource.values():
        group = by_actions.setdefault(tuple(sorted(actions)), ([], []))
        group[0].append(resource)
        group[1].extend(notes)
    statements = [PolicyStatement(actions, tuple(sorted(resources, key=show)), tuple(notes))
                  for actions, (resources, notes) in by_actions.items()]
    return sorted(statements, key=lambda s: (s.actions, [show(r) for r in s.resources]))


# --- validation ------------------------------------------------------------------------------


_PATTERN_VARS = {"Partition": r"(?:aws[a-z-]*|\$\{AWS::Partition\})",
                 "Region": r"(?:[a-z0-9-]*|\$\{AWS::Region\}|\*)",
                 "Account": r"(?:\d{12}|\$\{AWS::AccountId\}|\*|)"}


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    for index, piece in enumerate(re.split(r"\$\{([A-Za-z0-9]+)\}", pattern)):
        out += (_PATTERN_VARS.get(piece, r".+") if index % 2 else re.escape(piece))
    return re.compile(out)


def _arn_fits(text: str, patterns: Sequence[str], service_patterns: Sequence[str]) -> bool:
    """Whether an ARN (a wildcard standing for any text) has one of ``patterns``' formats.

    ``log-group:NAME:*`` is how AWS documents covering a group's streams: a text ending
    in a wildcard part also fits when what comes before is a resource of the service."""
    if any(_pattern_regex(p).fullmatch(text.replace("*", "x")) for p in patterns):
        return True
    if text.endswith((":*", "/*")):
        parent = text[:-2]
        return any(_pattern_regex(p).fullmatch(parent) for p in service_patterns)
    return False


def problems(statements: Sequence[PolicyStatement], app: App,
             db: IamDatabase | None = None) -> list[str]:
    """What a policy checker would object to (empty: the policy is valid)."""
    db = db or database()
    any_ok = {a.lower() for a in overrides().implicit["any_resource"]}
    found: list[str] = []
    for number, stmt in enumerate(statements, 1):
        for action in stmt.actions:
            info = db.info(action)
            if info is None:
                found.append(f"statement {number}: unknown action {action}")
                continue
            patterns = [p for t in info.resource_types
                        if (p := db.arn_pattern(info.service, t))]
            for resource in stmt.resources:
                text = canonical(resource, app)
                if text == ANY:
                    if info.resource_types and action.lower() not in any_ok:
                        reason = "; ".join(stmt.notes) or "no resource found"
                        found.append(f"statement {number}: {action} on * ({reason})")
                    continue
                if text is None:
                    found.append(f"statement {number}: {action}: unresolved resource "
                                 f"{show(resource)}")
                    continue
                if not info.resource_types:
                    found.append(f"statement {number}: {action} only takes *, not {text}")
                elif not _arn_fits(text, patterns, db.service_arn_patterns(info.service)):
                    found.append(f"statement {number}: {text} is not an ARN {action} takes "
                                 f"({', '.join(info.resource_types)})")
    return found


# --- rendering ------------------------------------------------------------------------------


def cfn_value(resource: Resource_) -> Any:
    """A resource as CloudFormation writes it."""
    if isinstance(resource, Ref):
        return {"Fn::GetAtt": [resource.target, resource.attribute]} if resource.attribute \
            else {"Ref": resource.target}
    if isinstance(resource, Interpolated) or (isinstance(resource, str) and "${" in resource):
        return {"Fn::Sub": str(resource)}
    return str(resource)


def cfn_statements(statements: Sequence[PolicyStatement]) -> list[dict[str, Any]]:
    return [{"Effect": "Allow",
             "Action": list(s.actions) if len(s.actions) > 1 else s.actions[0],
             "Resource": [cfn_value(r) for r in s.resources] if len(s.resources) > 1
             else cfn_value(s.resources[0])}
            for s in statements]


def _notes(statements: Sequence[PolicyStatement], comment: str) -> str:
    notes = [n for s in statements for n in s.notes]
    if not notes:
        return ""
    lines = [f"{comment} unresolved (written as *, scope it by hand):"]
    lines.extend(f"{comment}   {n}" for n in notes)
    return "\n".join(lines) + "\n"


def _yaml(data: Any) -> str:
    import yaml

    return str(yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100))


def render_serverless(statements: Sequence[PolicyStatement], function: str) -> str:
    head = (f"# Least-privilege statements for function {function}: put them under\n"
            f"# functions.{function}.iam.role.statements (Framework v4) or\n"
            f"# functions.{function}.iamRoleStatements (serverless-iam-roles-per-function).\n")
    return head + _notes(statements, "#") + _yaml(
        {"iamRoleStatements": cfn_statements(statements)})


# SAM policy templates that grant one set of actions on one resource, and how the
# template's parameter is written for that resource.
_SAM_PARAMS = {"TableName": ("table", None), "QueueName": ("queue", "QueueName"),
               "TopicName": ("topic", "TopicName"), "BucketName": ("bucket", None),
               "FunctionName": ("function", None), "StreamName": ("stream", None),
               "StateMachineName": ("stateMachine", "Name"), "SecretArn": ("Secret", None),
               "KeyId": ("key", None)}


def _sam_template_for(stmt: PolicyStatement, app: App, db: IamDatabase) -> Any:
    """A SAM policy template that grants exactly ``stmt`` (one template resource), or None."""
    from faasguard.loaders.sam import policy_templates

    if len(stmt.resources) != 1 or stmt.notes:
        return None
    resource = stmt.resources[0]
    target = resource.target if isinstance(resource, Ref) else None
    if target is None and isinstance(resource, Interpolated) and len(resource.refs) == 1:
        target = resource.refs[0].target
    found = kind_of(app, target) if target else None
    if found is None or target is None:
        return None
    kind = found[0]
    wanted = {a.lower() for a in stmt.actions}
    needed_text = canonical(resource, app)
    for name, template in policy_templates().items():
        params = template.get("Parameters") if isinstance(template, Mapping) else None
        if not isinstance(params, Mapping) or len(params) != 1:
            continue
        param = next(iter(params))
        spec = _SAM_PARAMS.get(param)
        if spec is None or spec[0].lower() != kind.iam_type.lower():
            continue
        granted = _template_grants(template.get("Definition"), param, target, kind.name_attr,
                                   app, db)
        if granted is not None and granted == (wanted, needed_text):
            value = {"Fn::GetAtt": [target, spec[1]]} if spec[1] else {"Ref": target}
            return {name: {param: value}}
    return None


def _template_grants(definition: Any, param: str, target: str, name_attr: str, app: App,
                     db: IamDatabase) -> tuple[set[str], str | None] | None:
    """(actions, the one resource) a one-parameter template grants for ``target``."""
    statements = definition.get("Statement") if isinstance(definition, Mapping) else None
    if not isinstance(statements, list):
        return None
    actions: set[str] = set()
    resources: set[str | None] = set()
    token = f"${{{target}}}" if not name_attr else f"${{{target}.{name_attr}}}"
    for stmt in statements:
        if not isinstance(stmt, Mapping) or stmt.get("Effect") != "Allow" or stmt.get("Condition"):
            return None
        raw_actions = stmt.get("Action")
        for pattern in raw_actions if isinstance(raw_actions, list) else [raw_actions]:
            if not isinstance(pattern, str):
                return None
            actions.update(a.lower() for a in db.expand(pattern))
        raw = stmt.get("Resource")
        for value in raw if isinstance(raw, list) else [raw]:
            text = _template_resource(value, param, token)
            if text is None:
                return None
            resources.add(canonical(Interpolated(text), app))
    if len(resources) != 1:
        return None
    return actions, resources.pop()


def _template_resource(value: Any, param: str, token: str) -> str | None:
    """A template's resource with its parameter replaced by the resource's name token."""
    if isinstance(value, Mapping) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        if isinstance(sub, list) and len(sub) == 2 and isinstance(sub[0], str):
            text, names = sub[0], sub[1] if isinstance(sub[1], Mapping) else {}
            for key, inner in names.items():
                if inner == {"Ref": param}:
                    text = text.replace(f"${{{key}}}", token)
                else:
                    return None
            return text.replace(f"${{{param}}}", token)
        if isinstance(sub, str):
            return sub.replace(f"${{{param}}}", token)
    return None


def render_sam(statements: Sequence[PolicyStatement], function: str, app: App,
               db: IamDatabase | None = None) -> str:
    db = db or database()
    policies: list[Any] = []
    inline: list[PolicyStatement] = []
    for stmt in statements:
        template = _sam_template_for(stmt, app, db)
        if template is not None:
            policies.append(template)
        else:
            inline.append(stmt)
    if inline:
        policies.append({"Statement": cfn_statements(inline)})
    head = f"# Least-privilege Policies for function {function} (Properties.Policies).\n"
    return head + _notes(statements, "#") + _yaml({"Policies": policies})


def render_cloudformation(statements: Sequence[PolicyStatement], function: str) -> str:
    document = {"PolicyName": f"{function}-least-privilege", "PolicyDocument": {
        "Version": "2012-10-17", "Statement": cfn_statements(statements)}}
    return json.dumps({"Policies": [document]}, indent=2) + "\n"


_TF_PSEUDO = {"${AWS::Partition}": "${data.aws_partition.current.partition}",
              "${AWS::Region}": "${data.aws_region.current.name}",
              "${AWS::AccountId}": "${data.aws_caller_identity.current.account_id}"}
_TF_TOKEN = re.compile(r"\$\{([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?\}")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().replace("-", "_")


def tf_value(resource: Resource_, app: App, variables: list[str]) -> str:
    """A resource as a Terraform expression (quoted string or reference)."""
    if isinstance(resource, Ref) and "." in resource.target:
        return f"{resource.target}.{_snake(resource.attribute or 'arn')}"
    if app.format == "terraform" and isinstance(resource, Interpolated) and resource.refs:
        # text built from the app's own resources: keep their addresses
        text = _TF_ADDRESS.sub(lambda m: _tf_token(m.group(1), app), str(resource))
    else:
        text = canonical(resource, app) or ANY
    for pseudo, expr in _TF_PSEUDO.items():
        text = text.replace(pseudo, expr)

    def token(match: re.Match[str]) -> str:
        if match.group(1).startswith("data"):
            return match.group(0)
        var = _snake(match.group(1) + (f"_{match.group(2)}" if match.group(2) else "_name"))
        if var not in variables:
            variables.append(var)
        return f"${{var.{var}}}"

    text = re.sub(r"\$\{(?!data\.)([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_]+))?\}", token, text)
    return json.dumps(text)


_TF_ADDRESS = re.compile(r"\$\{([^}]+)\}")


def _tf_token(inner: str, app: App) -> str:
    """``${aws_s3_bucket.b.arn}`` stays; a bare address gets the attribute of its name;
    anything else is left for the variables below."""
    target = inner.rpartition(".")[0]
    if target and app.resolve_ref(Ref(target)) is not None:
        return f"${{{inner}}}"
    found = kind_of(app, inner) if app.resolve_ref(Ref(inner)) is not None else None
    if found is not None:
        return f"${{{inner}.{found[0].name_attr or 'id'}}}"
    return f"${{{inner}}}"


def render_terraform(statements: Sequence[PolicyStatement], function: str, app: App) -> str:
    name = _snake(re.sub(r"[^A-Za-z0-9_-]", "_", function))
    variables: list[str] = []
    blocks = []
    for stmt in statements:
        actions = ", ".join(json.dumps(a) for a in stmt.actions)
        resources = ", ".join(tf_value(r, app, variables) for r in stmt.resources)
        blocks.append("  statement {\n    effect    = \"Allow\"\n"
                      f"    actions   = [{actions}]\n    resources = [{resources}]\n  }}\n")
    head = f"# Least-privilege policy for function {function}.\n" + _notes(statements, "#")
    if variables:
        head += "# names of resources defined outside Terraform: " + ", ".join(
            f"var.{v}" for v in variables) + "\n"
    uses = "".join(blocks)
    data = ""
    for kind in ("aws_partition", "aws_region", "aws_caller_identity"):
        if f"data.{kind}.current" in uses:
            data += f'data "{kind}" "current" {{}}\n'
    return (f"{head}{data}data \"aws_iam_policy_document\" \"{name}_least_privilege\" {{\n"
            f"{uses}}}\n")


def render(statements: Sequence[PolicyStatement], fmt: PolicyFormat, function: str,
           app: App) -> str:
    if fmt is PolicyFormat.SERVERLESS:
        return render_serverless(statements, function)
    if fmt is PolicyFormat.SAM:
        return render_sam(statements, function, app)
    if fmt is PolicyFormat.CLOUDFORMATION:
        return render_cloudformation(statements, function)
    return render_terraform(statements, function, app)


__all__ = [
    "PolicyFormat",
    "PolicyStatement",
    "cfn_statements",
    "cfn_value",
    "derive",
    "problems",
    "render",
]
