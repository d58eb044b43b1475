"""CloudFormation intrinsic functions, evaluated as far as the template allows.

``resolve`` turns a raw template value into plain data plus the model's value types:

- ``Ref`` to a parameter gives its value (the default, or a ``--param`` override); to a
  resource of the template (or an alias) gives ``Ref(logical_id)``; ``Fn::GetAtt`` gives
  ``Ref(logical_id, attribute)``.
- ``Fn::Sub`` / ``Fn::Join`` give a plain ``str`` when every part is known text. When a
  part names a resource or a deploy-time pseudo parameter (``AWS::Region``,
  ``AWS::AccountId``, ``AWS::StackName``) the result is an ``Interpolated`` string with
  that part kept as ``${Target.Attr}`` text and the resources listed in ``.refs``: a
  specific value that rules must never read as ``*``. ``Fn::Sub: "${Fn.Arn}"`` alone is
  simply ``Ref("Fn", "Arn")``.
- Anything that could be any value (a parameter without a default, ``Fn::ImportValue``,
  ``Fn::GetAZs``, a condition we cannot decide) is ``Unresolved``: never guessed.
- ``AWS::NoValue`` removes the key or list item it stands in; at the top level the
  whole value becomes None ("not set").

Line information survives: mappings and lists come back as ``LineDict``/``LineList``
with the lines of the originals. Work is bounded: nesting deeper than ``MAX_DEPTH``
and cycles (a condition that names itself) become ``Unresolved`` instead of a
``RecursionError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from faasguard.loaders.yamlsafe import LineDict, LineList
from faasguard.model.values import Interpolated, Ref, Unresolved, as_int, text

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

MAX_DEPTH = 120
"""Intrinsic nesting we follow; real templates stay far below it."""

PSEUDO_PARAMETERS = frozenset({
    "AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId",
    "AWS::URLSuffix", "AWS::NoValue", "AWS::NotificationARNs",
})

_DEPLOY_TIME = "known only at deploy time"
# pseudo parameters that stand for one fixed value, so text around them stays specific
_SYMBOLIC = frozenset({"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::StackId",
                       "AWS::URLSuffix"})


class _NoValue:
    """``AWS::NoValue``: the enclosing key or item is dropped."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


@dataclass
class IntrinsicContext:
    """What intrinsics can see: the template's sections and the deploy-time values we know."""

    resources: Mapping[str, Any]
    """Logical id -> raw resource mapping (``Type``, ``Properties``, ...)."""
    parameters: Mapping[str, Any]
    """Parameter name -> resolved value (``parameter_values`` builds it)."""
    mappings: Mapping[str, Any] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    """Condition name -> raw condition expression."""
    region: Any = field(default_factory=lambda: Unresolved("AWS::Region", _DEPLOY_TIME))
    account: Any = field(default_factory=lambda: Unresolved("AWS::AccountId", _DEPLOY_TIME))
    stack_name: Any = field(default_factory=lambda: Unresolved("AWS::StackName", _DEPLOY_TIME))
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Extra logical ids defined outside the template -> the model id they stand for
    (e.g. serverless' generated ``HelloLambdaFunction`` -> ``hello``)."""
    _conditions_done: dict[str, bool | None] = field(default_factory=dict, init=False,
                                                     repr=False)
    _conditions_open: list[str] = field(default_factory=list, init=False, repr=False)
    _conditions_cyclic: set[str] = field(default_factory=set, init=False, repr=False)

    @property
    def partition(self) -> str:
        region = self.region if isinstance(self.region, str) else ""
        if region.startswith("cn-"):
            return "aws-cn"
        if region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def target(self, logical_id: str) -> str | None:
        """The model id a logical id names, when it is a resource of the app."""
        if logical_id in self.aliases:
            return self.aliases[logical_id]
        if logical_id in self.resources:
            return logical_id
        return None

    def pseudo(self, name: str) -> Any:
        values: dict[str, Any] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NoValue": NO_VALUE,
        }
        if name in values:
            return values[name]
        return Unresolved(name, _DEPLOY_TIME)

    def condition(self, name: str) -> bool | None:
        """The value of a named condition; None when it depends on what we cannot know."""
        if name in self._conditions_done:
            return self._conditions_done[name]
        if name in self._conditions_open:
            # every condition from the first visit of `name` on is part of the cycle
            start = self._conditions_open.index(name)
            self._conditions_cyclic.update(self._conditions_open[start:])
            return None
        if name not in self.conditions:
            return None
        self._conditions_open.append(name)
        try:
            value = evaluate_condition(self.conditions[name], self, 0)
        finally:
            self._conditions_open.pop()
        self._conditions_done[name] = value
        return value

    def condition_problem(self, name: str) -> str:
        """Why ``condition(name)`` is None, for messages."""
        if name in self._conditions_cyclic:
            return "cycle"
        if name not in self.conditions:
            return f"condition {name} is not defined"
        return f"condition {name} depends on values known only at deploy time"


# --- parameters ------------------------------------------------------------------------


def parameter_values(declared: Any, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter name -> value: the override, else the default, else ``Unresolved``.

    ``CommaDelimitedList`` and ``List<...>`` parameters become lists. SSM-typed
    parameters (``AWS::SSM::Parameter::Value<...>``) hold the *name* of an SSM
    parameter as their default, so their value stays unresolved unless overridden.
    """
    out: dict[str, Any] = {}
    if not isinstance(declared, Mapping):
        return out
    for name, spec in declared.items():
        if not isinstance(name, str):
            continue
        spec = spec if isinstance(spec, Mapping) else {}
        declared_type = spec.get("Type")
        ptype = declared_type if isinstance(declared_type, str) else "String"
        if name in overrides:
            value = overrides[name]
        elif ptype.startswith("AWS::SSM::Parameter::Value"):
            out[name] = Unresolved(f"Ref {name}", "value read from SSM Parameter Store at deploy")
            continue
        elif "Default" in spec:
            value = spec["Default"]
        else:
            out[name] = Unresolved(f"Ref {name}", "parameter has no default; pass --param")
            continue
        is_list = ptype == "CommaDelimitedList" or ptype.startswith("List<")
        if is_list and isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        out[name] = value
    return out


# --- resolution ------------------------------------------------------------------------


def is_intrinsic(value: Any) -> bool:
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    key = next(iter(value))
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


def resolve(value: Any, ctx: IntrinsicContext) -> Any:
    """``value`` with every intrinsic evaluated as far as ``ctx`` allows (see module doc)."""
    out = _resolve(value, ctx, 0, set())
    return None if out is NO_VALUE else out


_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Exact types that resolve to themselves: most of a template (checked by type first,
which is cheaper than the isinstance below, for the common case)."""


def _resolve(value: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    if type(value) in _PLAIN or isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Ref | Unresolved):
        return value
    if depth > MAX_DEPTH:
        return Unresolved(_short(value), "nested too deeply")
    if not isinstance(value, Mapping | list | tuple):
        return value
    marker = id(value)
    if marker in path:
        return Unresolved(_short(value), "cycle")
    path.add(marker)
    try:
        if isinstance(value, Mapping):
            if is_intrinsic(value):
                key, arg = next(iter(value.items()))
                return _intrinsic(key, arg, value, ctx, depth + 1, path)
            return _resolve_mapping(value, ctx, depth, path)
        return _resolve_list(value, ctx, depth, path)
    finally:
        path.discard(marker)


def _resolve_mapping(value: Mapping[Any, Any], ctx: IntrinsicContext, depth: int,
                     path: set[int]) -> LineDict:
    out = LineDict(getattr(value, "line", 0))
    lines = getattr(value, "key_lines", {})
    for key, item in value.items():
        resolved = item if type(item) is str else _resolve(item, ctx, depth + 1, path)
        if resolved is NO_VALUE:
            continue
        out[key] = resolved
        if key in lines:
            out.key_lines[key] = lines[key]
    return out


def _resolve_list(value: list[Any] | tuple[Any, ...], ctx: IntrinsicContext, depth: int,
                  path: set[int]) -> LineList:
    out = LineList(getattr(value, "line", 0))
    lines = getattr(value, "item_lines", [])
    for index, item in enumerate(value):
        resolved = _resolve(item, ctx, depth + 1, path)
        if resolved is NO_VALUE:
            continue
        out.append(resolved)
        out.item_lines.append(lines[index] if index < len(lines) else out.line)
    return out


def _short(value: Any, limit: int = 120) -> str:
    """A compact rendering of a raw expression for ``Unresolved.expr``."""
    try:
        rendered = json.dumps(value, default=str, separators=(",", ":"))
    except (TypeError, ValueError):
        rendered = str(value)
    return rendered if len(rendered) <= limit else rendered[: limit - 3] + "..."


def _intrinsic(key: str, arg: Any, raw: Any, ctx: IntrinsicContext, depth: int,
               path: set[int]) -> Any:
    handler = _HANDLERS.get(key)
    if handler is None:
        return Unresolved(_short(raw), f"{key} is not evaluated")
    return handler(arg, raw, ctx, depth, path)


def _ref(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    name = _resolve(arg, ctx, depth, path)
    if not isinstance(name, str):
        return Unresolved(_short(raw), "Ref of a value that is not a name")
    return _lookup(name, ctx)


def _lookup(name: str, ctx: IntrinsicContext) -> Any:
    """What ``Ref name`` evaluates to."""
    if name in ctx.parameters:
        return ctx.parameters[name]
    if name in PSEUDO_PARAMETERS:
        return ctx.pseudo(name)
    target = ctx.target(name)
    if target is not None:
        return Ref(target)
    return Unresolved(f"Ref {name}", "names nothing the template defines")


def _get_att(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    arg = _resolve(arg, ctx, depth, path)
    if isinstance(arg, str):
        logical_id, _, attribute = arg.partition(".")
    elif isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
        logical_id, attribute = arg
    else:
        return Unresolved(_short(raw), "Fn::GetAtt needs [LogicalId, Attribute]")
    target = ctx.target(logical_id)
    if target is None or not attribute:
        return Unresolved(f"Fn::GetAtt {logical_id}.{attribute}",
                          "names nothing the template defines")
    return Ref(target, attribute)


_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


@dataclass
class _TextBuilder:
    """Concatenates parts of a Sub/Join; remembers resources and deploy-time parts."""

    parts: list[str] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    symbolic: bool = False

    def add(self, value: Any, written: str | None = None) -> Unresolved | None:
        """Append a resolved part; an Unresolved part (returned) spoils the whole text."""
        if isinstance(value, Unresolved):
            if value.expr in _SYMBOLIC and value.reason == _DEPLOY_TIME:
                self.add_symbol(value.expr)
                return None
            return value
        if isinstance(value, Interpolated):
            self.parts.append(str(value))
            self.refs.extend(value.refs)
            self.symbolic = True
            return None
        if isinstance(value, Ref):
            self.parts.append("${" + (written or str(value)) + "}")
            self.refs.append(value)
            self.symbolic = True
            return None
        rendered = text(value)
        if rendered is None:
            return Unresolved(_short(value), "not text")
        self.parts.append(rendered)
        return None

    def add_symbol(self, name: str) -> None:
        """A deploy-time pseudo parameter, kept as its placeholder."""
        self.parts.append("${" + name + "}")
        self.symbolic = True

    def build(self, sep: str = "") -> Any:
        joined = sep.join(self.parts)
        if not self.symbolic:
            return joined
        return Interpolated(joined, tuple(dict.fromkeys(self.refs)))


def _sub(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    variables: Mapping[str, Any] = {}
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], Mapping):
        template = _resolve(arg[0], ctx, depth, path)
        resolved_vars = _resolve(arg[1], ctx, depth, path)
        variables = resolved_vars if isinstance(resolved_vars, Mapping) else {}
    else:
        template = _resolve(arg, ctx, depth, path)
    if not isinstance(template, str) or isinstance(template, Interpolated):
        return Unresolved(_short(raw), "Fn::Sub needs a string")
    builder = _TextBuilder()
    position = 0
    single = _PLACEHOLDER.fullmatch(template)
    for match in _PLACEHOLDER.finditer(template):
        builder.parts.append(template[position:match.start()])
        position = match.end()
        name = match.group(1).strip()
        if name.startswith("!"):
            builder.parts.append("${" + name[1:] + "}")  # ${!Literal} is written as-is
            continue
        value = _sub_variable(name, variables, ctx)
        if value is NO_VALUE:
            return Unresolved(_short(raw), "AWS::NoValue inside Fn::Sub")
        if single and isinstance(value, _Symbol):
            return ctx.pseudo(value.name)
        if single and isinstance(value, Ref | Unresolved):
            return value
        if isinstance(value, _Symbol):
            builder.add_symbol(value.name)
            continue
        spoiled = builder.add(value, None if name in variables else name)
        if spoiled is not None:
            return Unresolved(template, f"${{{name}}}: {spoiled.reason or 'unresolved'}")
    builder.parts.append(template[position:])
    return builder.build()


@dataclass(frozen=True, slots=True)
class _Symbol:
    """A pseudo parameter whose value we do not know, kept by name in Sub/Join text."""

    name: str


def _sub_variable(name: str, variables: Mapping[str, Any], ctx: IntrinsicContext) -> Any:
    if name in variables:
        return variables[name]
    if name in PSEUDO_PARAMETERS:
        value = ctx.pseudo(name)
        return _Symbol(name) if isinstance(value, Unresolved) else value
    if "." in name and name not in ctx.parameters:
        logical_id, _, attribute = name.partition(".")
        target = ctx.target(logical_id)
        if target is None:
            return Unresolved("${" + name + "}", "names nothing the template defines")
        return Ref(target, attribute)
    return _lookup(name, ctx)


def _join(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        return Unresolved(_short(raw), "Fn::Join needs [delimiter, list]")
    sep = _resolve(arg[0], ctx, depth, path)
    items = _resolve(arg[1], ctx, depth, path)
    if not isinstance(sep, str):
        return Unresolved(_short(raw), "Fn::Join delimiter is not text")
    if isinstance(items, Unresolved):
        return items
    if not isinstance(items, list):
        return Unresolved(_short(raw), "Fn::Join needs a list")
    builder = _TextBuilder()
    for item in items:
        spoiled = builder.add(item)
        if spoiled is not None:
            return Unresolved(_short(raw), spoiled.reason or "part unresolved")
    return builder.build(sep)


def _select(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        return Unresolved(_short(raw), "Fn::Select needs [index, list]")
    index = as_int(_resolve(arg[0], ctx, depth, path))
    items = _resolve(arg[1], ctx, depth, path)
    if isinstance(items, Unresolved):
        return Unresolved(_short(raw), items.reason)
    if index is None or not isinstance(items, list):
        return Unresolved(_short(raw), "Fn::Select needs an index and a list")
    if not 0 <= index < len(items):
        return Unresolved(_short(raw), f"index {index} is out of range")
    return items[index]


def _split(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        return Unresolved(_short(raw), "Fn::Split needs [delimiter, string]")
    sep = _resolve(arg[0], ctx, depth, path)
    source = _resolve(arg[1], ctx, depth, path)
    if isinstance(source, Unresolved):
        return Unresolved(_short(raw), source.reason)
    if not isinstance(sep, str) or not sep or not isinstance(source, str) \
            or isinstance(source, Interpolated):
        return Unresolved(_short(raw), "Fn::Split of a value that is not known text")
    return source.split(sep)


def _if(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        return Unresolved(_short(raw), "Fn::If needs [condition, then, else]")
    decided = ctx.condition(arg[0])
    if decided is None:
        return Unresolved(_short(raw), ctx.condition_problem(arg[0]))
    return _resolve(arg[1] if decided else arg[2], ctx, depth, path)


def _find_in_map(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    if not (isinstance(arg, list) and len(arg) in (3, 4)):
        return Unresolved(_short(raw), "Fn::FindInMap needs [map, key, key]")
    keys = [_resolve(part, ctx, depth, path) for part in arg[:3]]
    default: Any = NO_VALUE
    if len(arg) == 4 and isinstance(arg[3], Mapping) and "DefaultValue" in arg[3]:
        default = _resolve(arg[3]["DefaultValue"], ctx, depth, path)
    if not all(isinstance(k, str | int) and not isinstance(k, bool) for k in keys):
        return Unresolved(_short(raw), "Fn::FindInMap keys are not known")
    node: Any = ctx.mappings
    for key in keys:
        if isinstance(node, Mapping) and str(key) in node:
            node = node[str(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            if default is not NO_VALUE:
                return default
            return Unresolved(_short(raw), f"no entry {key!s} in the mapping")
    return _resolve(node, ctx, depth, path)


def _import_value(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    name = _resolve(arg, ctx, depth, path)
    label = name if isinstance(name, str) else _short(arg)
    return Unresolved(f"Fn::ImportValue {label}", "exported by another stack")


def _base64(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    # Kept as the plain text: rules look at what it says, not at its encoding.
    return _resolve(arg, ctx, depth, path)


def _get_azs(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    return Unresolved(_short(raw), "availability zones are " + _DEPLOY_TIME)


def _length(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    items = _resolve(arg, ctx, depth, path)
    if isinstance(items, list):
        return len(items)
    return Unresolved(_short(raw), "Fn::Length of a value that is not a list")


def _to_json(arg: Any, raw: Any, ctx: IntrinsicContext, depth: int, path: set[int]) -> Any:
    value = _resolve(arg, ctx, depth, path)
    if _plain(value):
        return json.dumps(value, separators=(",", ":"))
    return Unresolved(_short(raw), "Fn::ToJsonString of a value that is not fully known")


def _plain(value: Any) -> bool:
    if isinstance(value, Interpolated | Ref | Unresolved):
        return False
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | float | bool)


_HANDLERS = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::FindInMap": _find_in_map,
    "Fn::ImportValue": _import_value,
    "Fn::Base64": _base64,
    "Fn::GetAZs": _get_azs,
    "Fn::Length": _length,
    "Fn::ToJsonString": _to_json,
}


# --- conditions ------------------------------------------------------------------------


def evaluate_condition(expr: Any, ctx: IntrinsicContext, depth: int = 0) -> bool | None:
    """A condition expression: True/False, or None when it depends on unknown values."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, bool):
        return expr
    if not isinstance(expr, Mapping) or len(expr) != 1:
        return None
    key, arg = next(iter(expr.items()))
    if key == "Condition":
        return ctx.condition(arg) if isinstance(arg, str) else None
    if key == "Fn::Equals":
        if not (isinstance(arg, list) and len(arg) == 2):
            return None
        left, right = (_resolve(part, ctx, depth + 1, set()) for part in arg)
        return _equals(left, right)
    if key == "Fn::Not":
        items = arg if isinstance(arg, list) else [arg]
        if len(items) != 1:
            return None
        inner = evaluate_condition(items[0], ctx, depth + 1)
        return None if inner is None else not inner
    if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
        values = [evaluate_condition(item, ctx, depth + 1) for item in arg]
        decisive = key == "Fn::Or"  # a True decides an Or, a False decides an And
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    return None


def _equals(left: Any, right: Any) -> bool | None:
    if isinstance(left, Unresolved | Ref | Interpolated) or \
            isinstance(right, Unresolved | Ref | Interpolated):
        return None
    if isinstance(left, list) and isinstance(right, list):
        return left == right
    lt, rt = text(left), text(right)
    if lt is None or rt is None:
        return None
    return lt == rt
