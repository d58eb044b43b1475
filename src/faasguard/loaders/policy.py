"""IAM policy documents (identity and resource policies) into model ``Policy`` values.

Shared by every loader: a policy document has one shape whatever file it sits in.
Values inside (resources, principals, conditions) must already be resolved by the
caller (intrinsics, variables); this module only normalises the structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faasguard.loaders.yamlsafe import LineList, line_of
from faasguard.model import Location, Policy, Statement, Unresolved
from faasguard.model.values import as_list

UNRESOLVED_CONDITION = "<unresolved>"
"""Key of the condition block that stands for a Condition we could not read."""


def _loc(rel: str, container: Any, key: Any = None, fallback: int | None = None) -> Location:
    return Location(rel, line_of(container, key) or fallback)


def _principals(value: Any) -> Mapping[str, tuple[Any, ...]] | None:
    if value is None:
        return None
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, Mapping):
        return {str(k): tuple(as_list(v)) for k, v in value.items()}
    return {"?": (value,)}  # unresolved or malformed: kept so rules can say so


_FIELDS = {"Effect": "effect", "Action": "actions", "NotAction": "not_actions",
           "Resource": "resources", "NotResource": "not_resources",
           "Principal": "principals", "NotPrincipal": "not_principals",
           "Condition": "conditions", "Sid": "sid"}
_LIST_FIELDS = ("Action", "NotAction", "Resource", "NotResource")


def _field_lines(raw: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """Lines of the statement's fields and of each item of its list fields, so a finding
    can point at the one action or resource it is about."""
    lines: dict[str, int] = {}
    items: dict[str, tuple[int, ...]] = {}
    for key, name in _FIELDS.items():
        line = line_of(raw, key) if key in raw else None
        if line:
            lines[name] = line
    for key in _LIST_FIELDS:
        value = raw.get(key)
        if isinstance(value, LineList):
            # value.line_of(i) for every i: the recorded item lines, then the list's own
            known = value.item_lines[:len(value)]
            items[_FIELDS[key]] = (*known, *(value.line,) * (len(value) - len(known)))
        elif _FIELDS[key] in lines:
            items[_FIELDS[key]] = (lines[_FIELDS[key]],)
    return lines, items


def parse_statement(raw: Any, rel: str, fallback_line: int | None = None) -> Statement | None:
    """One statement; None when ``raw`` is not a mapping (the caller reports it)."""
    if not isinstance(raw, Mapping):
        return None
    effect = raw.get("Effect", "Allow")
    lines, item_lines = _field_lines(raw)
    return Statement(
        effect=effect if isinstance(effect, str) else str(effect),
        loc=_loc(rel, raw, None, fallback_line),
        actions=tuple(as_list(raw.get("Action"))),
        not_actions=tuple(as_list(raw.get("NotAction"))),
        resources=tuple(as_list(raw.get("Resource"))),
        not_resources=tuple(as_list(raw.get("NotResource"))),
        principals=_principals(raw.get("Principal")),
        not_principals=_principals(raw.get("NotPrincipal")),
        conditions=_conditions(raw.get("Condition")),
        sid=raw.get("Sid") if isinstance(raw.get("Sid"), str) else None,
        lines=lines,
        item_lines=item_lines,
    )


def _conditions(raw: Any) -> dict[str, Any]:
    """The Condition block. One we cannot read (an undecided ``Fn::If``, a parameter) is
    kept as an ``Unresolved`` block so rules know a condition exists and stay silent,
    rather than judging the statement as unconditional."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    unresolved = raw if isinstance(raw, Unresolved) else Unresolved(str(raw), "not a mapping")
    return {UNRESOLVED_CONDITION: unresolved}


def parse_statements(raw: Any, rel: str, fallback_line: int | None = None) -> tuple[Statement, ...]:
    """A ``Statement`` value (one mapping or a list of them)."""
    out = []
    items = as_list(raw)
    for index, item in enumerate(items):
        line = line_of(raw, index) if isinstance(raw, list) else None
        stmt = parse_statement(item, rel, line or fallback_line)
        if stmt is not None:
            out.append(stmt)
    return tuple(out)


def parse_document(doc: Any, rel: str, name: str, origin: str = "inline",
                   fallback_line: int | None = None) -> Policy:
    """A whole policy document ``{"Version": ..., "Statement": [...]}``.

    An unresolved document (e.g. an ``Fn::If`` we could not decide) gives a policy
    with no statements, which rules treat as unknown rather than as empty.
    """
    line = line_of(doc) or fallback_line
    loc = Location(rel, line)
    if isinstance(doc, Unresolved) or not isinstance(doc, Mapping):
        return Policy(name=name, loc=loc, statements=(), origin=origin)
    return Policy(name=name, loc=loc,
                  statements=parse_statements(doc.get("Statement"), rel, line), origin=origin)
