"""IAM in Terraform: policy documents in their three spellings (``jsonencode({...})``,
a JSON string or heredoc, an ``aws_iam_policy_document`` data source) into model
``Policy`` values, keeping the line of each statement, action and resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.policy import parse_document
from faasguard.loaders.terraform.build import Build, Draft, line_in, sub
from faasguard.loaders.terraform.expressions import FileText
from faasguard.loaders.terraform.modules import Instance
from faasguard.loaders.yamlsafe import (
    LineDict,
    LineList,
    YamlLimitError,
    YamlSyntaxError,
    load_yaml,
)
from faasguard.model import Location, Policy
from faasguard.model.values import Interpolated, Ref, Unresolved, as_list

# aws_iam_policy_document statement field -> policy document key
_STATEMENT_FIELDS = {
    "sid": "Sid", "effect": "Effect", "actions": "Action", "not_actions": "NotAction",
    "resources": "Resource", "not_resources": "NotResource",
}


def _principal_block(blocks: Any) -> Any:
    """``principals { type = "AWS", identifiers = [...] }`` blocks -> a Principal value."""
    out = LineDict(getattr(blocks, "line", 0))
    for block in as_list(blocks):
        if not isinstance(block, Mapping):
            return Unresolved("principals", "principals block not known")
        kind, ids = block.get("type"), block.get("identifiers")
        if isinstance(kind, Unresolved) or isinstance(ids, Unresolved):
            return Unresolved("principals", "principal type or identifiers not known")
        if kind == "*" and all(i == "*" for i in as_list(ids)):
            return "*"
        existing = out.get(str(kind))
        merged = LineList(getattr(ids, "line", 0))
        for source in (existing, ids):
            for index, item in enumerate(as_list(source)):
                merged.append(item)
                merged.item_lines.append(source.line_of(index) if isinstance(source, LineList)
                                         else getattr(block, "line", 0))
        out[str(kind)] = merged
        out.key_lines[str(kind)] = getattr(block, "line", 0)
    return out


def _condition_blocks(blocks: Any) -> Any:
    out = LineDict(getattr(blocks, "line", 0))
    for block in as_list(blocks):
        if not isinstance(block, Mapping):
            return Unresolved("condition", "condition block not known")
        test, variable = block.get("test"), block.get("variable")
        if not isinstance(test, str) or not isinstance(variable, str) \
                or isinstance(test, Interpolated) or isinstance(variable, Interpolated):
            return Unresolved("condition", "condition test or variable not known")
        group = out.setdefault(test, LineDict(getattr(block, "line", 0)))
        group[variable] = block.get("values")
        group.key_lines[variable] = getattr(block, "line", 0)
        out.key_lines.setdefault(test, getattr(block, "line", 0))
    return out


def _statement(raw: Any) -> Any:
    if not isinstance(raw, LineDict):
        return raw
    out = LineDict(raw.line)
    out["Effect"] = "Allow"
    out.key_lines["Effect"] = raw.line
    for name, key in _STATEMENT_FIELDS.items():
        if name in raw:
            out[key] = raw[name]
            out.key_lines[key] = raw.line_of(name)
    for name, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if name in raw:
            out[key] = _principal_block(raw[name])
            out.key_lines[key] = raw.line_of(name)
    if "condition" in raw:
        out["Condition"] = _condition_blocks(raw["condition"])
        out.key_lines["Condition"] = raw.line_of("condition")
    return out


def policy_document_data(body: LineDict) -> Any:
    """An ``aws_iam_policy_document`` data source as the JSON document it renders."""
    statements = LineList(body.line_of("statement"))
    for key in ("source_policy_documents", "source_json"):
        for source in as_list(body.get(key)):
            document = json_document(source, body.line_of(key))
            if not isinstance(document, Mapping):
                return Unresolved(f"data.aws_iam_policy_document ({key})",
                                  "a source document is not known")
            for item in as_list(document.get("Statement")):
                statements.append(item)
                statements.item_lines.append(getattr(item, "line", 0) or body.line_of(key))
    raw = body.get("statement")
    if isinstance(raw, Unresolved):
        return raw
    for index, item in enumerate(as_list(raw)):
        statements.append(_statement(item))
        statements.item_lines.append(raw.line_of(index) if isinstance(raw, LineList)
                                     else body.line)
    doc = LineDict(body.line)
    doc["Version"] = body.get("version", "2012-10-17")
    doc["Statement"] = statements
    doc.key_lines["Statement"] = statements.line or body.line
    return doc


def json_document(value: Any, line: int | None) -> Any:
    """A policy written as a mapping (``jsonencode``) or as JSON text (a string or a
    heredoc, possibly naming other resources) -> a mapping with lines, or Unresolved."""
    if isinstance(value, Mapping | Unresolved):
        return value
    if isinstance(value, Ref):
        return Unresolved(str(value), "a policy known only after apply")
    if not isinstance(value, str):
        return Unresolved(str(value), "not a policy document")
    text = str(value).replace("\t", " ")
    try:
        docs = load_yaml(text)
    except (YamlSyntaxError, YamlLimitError, RecursionError) as exc:
        return Unresolved(str(value)[:80], f"policy is not valid JSON: {exc}")
    doc = docs[0] if docs else None
    if not isinstance(doc, Mapping):
        return Unresolved(str(value)[:80], "policy is not a JSON object")
    # A heredoc's text starts on the line after the attribute; one-line JSON sits on it;
    # a file read with file() keeps its own lines.
    offset = 0 if isinstance(value, FileText) else (line or 0)
    multi = "\n" in text.strip()
    refs = value.refs if isinstance(value, Interpolated) else ()
    symbolic = isinstance(value, Interpolated)
    return _restore(doc, (lambda n: offset + n) if multi else (lambda n: offset), refs,
                    symbolic)


def _restore(value: Any, shift: Any, refs: tuple[Ref, ...], symbolic: bool) -> Any:
    """Move lines to the file's numbering and turn ``${...}`` placeholders that stood for
    other resources back into ``Ref``/``Interpolated`` values."""
    if isinstance(value, LineDict):
        out = LineDict(shift(value.line))
        for key, item in value.items():
            out[key] = _restore(item, shift, refs, symbolic)
            out.key_lines[key] = shift(value.line_of(key))
        return out
    if isinstance(value, LineList):
        items = LineList(shift(value.line))
        for index, item in enumerate(value):
            items.append(_restore(item, shift, refs, symbolic))
            items.item_lines.append(shift(value.line_of(index)))
        return items
    if isinstance(value, str) and symbolic and "${" in value:
        named = tuple(r for r in refs if "${" + str(r) + "}" in value)
        if len(named) == 1 and value == "${" + str(named[0]) + "}":
            return named[0]
        return Interpolated(value, named)
    return value


def to_policy(value: Any, rel: str, name: str, line: int | None,
              origin: str = "inline") -> Policy:
    """Any policy attribute value -> Policy (no statements when it cannot be read).
    A policy read with ``file()`` is located in its own file."""
    document = json_document(value, line)
    if isinstance(value, FileText):
        return parse_document(document, value.rel, name, origin=origin, fallback_line=1)
    return parse_document(document, rel, name, origin=origin, fallback_line=line)


# --- roles and the policies that attach to them -------------------------------------------


def build_roles(b: Build) -> None:
    """``aws_iam_role`` with its inline and managed policies, then every policy resource
    that names a role (``aws_iam_role_policy``, ``..._policy_attachment``)."""
    from faasguard.loaders.cfn_iam import managed_policy

    for inst in b.of_type("aws_iam_role"):
        body, rel = inst.body, inst.loc.file
        draft = Draft(inst.address, inst.loc)
        if "name" in body:
            draft.set("name", body["name"], inst.line("name"))
        if "assume_role_policy" in body:
            line = inst.line("assume_role_policy")
            draft.set("assume_role_policy", to_policy(
                body["assume_role_policy"], rel, f"{inst.address} trust policy", line), line)
        if "permissions_boundary" in body:
            draft.set("permissions_boundary", body["permissions_boundary"],
                      inst.line("permissions_boundary"))
        inline = body.get("inline_policy")
        for index, block in enumerate(as_list(inline) if isinstance(inline, list) else []):
            line = inline.line_of(index) if isinstance(inline, LineList) else inst.loc.line
            name = sub(block, "name")
            policy = sub(block, "policy")
            if policy is None:
                continue  # an empty inline_policy block removes unmanaged policies
            draft.policies.append(to_policy(
                policy, rel, name if isinstance(name, str) else f"{inst.address} inline",
                line_in(block, "policy", line)))
        arns = body.get("managed_policy_arns")
        for index, arn in enumerate(as_list(arns)):
            line = arns.line_of(index) if isinstance(arns, LineList) else inst.line(
                "managed_policy_arns")
            draft.policies.append(_attached(b, arn, b.at(inst, line), managed_policy))
        b.roles[inst.address] = draft
    for inst in b.of_type("aws_iam_role_policy"):
        name = inst.body.get("name")
        policy = to_policy(inst.body.get("policy"), inst.loc.file,
                           name if isinstance(name, str) else inst.address,
                           inst.line("policy") or inst.loc.line)
        _attach(b, inst, inst.body.get("role"), policy, inst.line("role"))
    for inst in b.of_type("aws_iam_role_policy_attachment", "aws_iam_policy_attachment"):
        arn = inst.body.get("policy_arn")
        policy = _attached(b, arn, b.at(inst, inst.line("policy_arn")), managed_policy)
        key = "role" if inst.type == "aws_iam_role_policy_attachment" else "roles"
        for role in as_list(inst.body.get(key)):
            _attach(b, inst, role, policy, inst.line(key))


def _attached(b: Build, arn: Any, loc: Location, managed: Any) -> Policy:
    """A policy named by ARN: an ``aws_iam_policy`` of the configuration (with its
    statements), or an AWS managed or external policy."""
    address = b.target(arn, "aws_iam_policy")
    if address is not None:
        inst = b.by_address[address]
        name = inst.body.get("name")
        return to_policy(inst.body.get("policy"), inst.loc.file,
                         name if isinstance(name, str) else address,
                         inst.line("policy") or inst.loc.line, origin="managed")
    result: Policy = managed(arn, loc)
    return result


def _attach(b: Build, inst: Instance, role: Any, policy: Policy, line: int | None) -> None:
    address = b.role_id(role)
    if address is None:
        b.diag("info", f"{inst.address}: attaches to a role this configuration does not "
               f"define ({role}); not linked", inst, line)
        return
    b.roles[address].policies.append(policy)
