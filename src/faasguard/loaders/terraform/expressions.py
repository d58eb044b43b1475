"""Terraform expressions: a small syntax tree and its static evaluation.

``hcl.py`` turns the parser's tree into these nodes; ``Evaluator`` computes what can be
known without running Terraform: literals, string templates, ``var.``/``local.``
values with defaults, references to resources of the configuration (a ``Ref``), the
functions that only compute (``jsonencode``, ``format``, ``merge``, ...), ``for``
expressions and conditionals over known values. Anything else, a data source read at
plan time, a variable without a value, ``timestamp()``, becomes ``Unresolved`` with the
expression as written and why, never a guess.

Objects and tuples evaluate to ``LineDict``/``LineList`` so a policy written with
``jsonencode({...})`` keeps the line of every statement, action and resource.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from faasguard.loaders.yamlsafe import LineDict, LineList
from faasguard.model.values import Interpolated, Ref, Unresolved

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

MAX_STEPS = 200_000
"""Evaluation steps per module: bounds ``for`` expressions over large collections."""


# --- syntax --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expr:
    """Base of every expression node: its line and its source text."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    value: Any = None
    """A string, number, bool or None."""


@dataclass(frozen=True, slots=True)
class Template(Expr):
    """A quoted string or heredoc: literal pieces and ``${...}`` expressions."""

    parts: tuple[str | Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class TupleExpr(Expr):
    items: tuple[Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class ObjectExpr(Expr):
    items: tuple[tuple[Expr, Expr], ...] = ()


@dataclass(frozen=True, slots=True)
class Traversal(Expr):
    """``root.attr[index]...``: a reference, or an access into another expression.

    ``root`` is a name (``var``, ``aws_iam_role``, ``each``) or an expression; each
    step is an attribute name or an index expression."""

    root: str | Expr = ""
    steps: tuple[str | Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class Splat(Expr):
    """``source[*].attr`` / ``source.*.attr``."""

    source: Expr | None = None
    steps: tuple[str | Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class Call(Expr):
    name: str = ""
    args: tuple[Expr, ...] = ()
    expand: bool = False
    """The last argument ends in ``...`` (spread into the arguments)."""


@dataclass(frozen=True, slots=True)
class Operation(Expr):
    op: str = ""
    operands: tuple[Expr, ...] = ()


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    condition: Expr | None = None
    then: Expr | None = None
    otherwise: Expr | None = None


@dataclass(frozen=True, slots=True)
class ForExpr(Expr):
    """``[for k, v in coll : value if cond]`` or ``{for ... : key => value}``."""

    key_var: str | None = None
    value_var: str = ""
    collection: Expr | None = None
    key: Expr | None = None
    """Set for the object form."""
    value: Expr | None = None
    condition: Expr | None = None
    group: bool = False


@dataclass(frozen=True, slots=True)
class Opaque(Expr):
    """Syntax we do not evaluate (provider functions, ...)."""

    reason: str = ""


# --- evaluation --------------------------------------------------------------------------


class Names(Protocol):
    """What a module knows by name: ``var``, ``local``, resources, data, modules."""

    def reference(self, expr: Traversal, ev: Evaluator) -> tuple[Any, int]:
        """The value of the reference at the start of ``expr`` and how many of its steps
        that consumed; the evaluator applies the rest."""
        ...


class Budget:
    """Shared step counter, so one module's evaluation stays bounded."""

    __slots__ = ("left",)

    def __init__(self, steps: int = MAX_STEPS) -> None:
        self.left = steps


class FileText(str):
    """The content of a file read by ``file()``, with where it came from, so a policy
    kept in its own JSON file is located in that file."""

    rel: str

    def __new__(cls, text: str, rel: str) -> FileText:
        obj = super().__new__(cls, text)
        obj.rel = rel
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (FileText, (str(self), self.rel))


def unresolved(expr: Expr, reason: str) -> Unresolved:
    return Unresolved(expr.text.strip(), reason)


def plain(value: Any) -> Any:
    """A value with ``LineDict``/``LineList`` turned into plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def contains_unresolved(value: Any) -> Unresolved | None:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, Mapping):
        for item in value.values():
            found = contains_unresolved(item)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for item in value:
            found = contains_unresolved(item)
            if found is not None:
                return found
    return None


def render(value: Any) -> str | None:
    """How Terraform writes a primitive into a string template; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    return None


def join_parts(parts: list[Any], expr: Expr) -> Any:
    """A template's pieces joined: plain text, or ``Interpolated`` when it names other
    resources, or ``Unresolved`` when any piece is."""
    pieces: list[str] = []
    refs: list[Ref] = []
    symbolic = False
    for part in parts:
        if isinstance(part, Unresolved):
            return unresolved(expr, part.reason or f"{part.expr} is not known")
        if isinstance(part, Interpolated):
            symbolic = True
            refs.extend(part.refs)
            pieces.append(str(part))
        elif isinstance(part, Ref):
            refs.append(part)
            pieces.append("${" + str(part) + "}")
        else:
            shown = render(part)
            if shown is None:
                return unresolved(expr, "a null or a collection inside a string")
            pieces.append(shown)
    text = "".join(pieces)
    if refs or symbolic:
        return Interpolated(text, tuple(dict.fromkeys(refs)))
    return text


class Evaluator:
    """Evaluates expressions of one module, with names bound by ``each``, ``count``,
    ``for`` and ``dynamic`` blocks."""

    __slots__ = ("bound", "budget", "functions", "names")

    def __init__(self, names: Names, budget: Budget,
                 bound: Mapping[str, Any] | None = None,
                 functions: Mapping[str, Callable[[Evaluator, Call, list[Any]], Any]]
                 | None = None) -> None:
        self.names = names
        self.budget = budget
        self.bound: Mapping[str, Any] = bound or {}
        self.functions = functions if functions is not None else FUNCTIONS

    def bind(self, **values: Any) -> Evaluator:
        return Evaluator(self.names, self.budget, {**self.bound, **values}, self.functions)

    def eval(self, expr: Expr) -> Any:
        self.budget.left -= 1
        if self.budget.left < 0:
            return unresolved(expr, "evaluation budget exhausted")
        if isinstance(expr, Literal):
            return expr.value
        if isinstance(expr, Template):
            if len(expr.parts) == 1 and isinstance(expr.parts[0], Expr):
                return self.eval(expr.parts[0])  # "${x}" is x itself, of any type
            return join_parts([p if isinstance(p, str) else self.eval(p) for p in expr.parts],
                              expr)
        if isinstance(expr, TupleExpr):
            out = LineList(expr.line)
            for item in expr.items:
                out.append(self.eval(item))
                out.item_lines.append(item.line)
            return out
        if isinstance(expr, ObjectExpr):
            return self._object(expr)
        if isinstance(expr, Traversal):
            return self._traversal(expr)
        if isinstance(expr, Splat):
            return self._splat(expr)
        if isinstance(expr, Call):
            return self._call(expr)
        if isinstance(expr, Operation):
            return _operate(expr, [self.eval(o) for o in expr.operands])
        if isinstance(expr, Conditional):
            return self._conditional(expr)
        if isinstance(expr, ForExpr):
            return self._for(expr)
        if isinstance(expr, Opaque):
            return unresolved(expr, expr.reason)
        return unresolved(expr, "expression not understood")

    def _object(self, expr: ObjectExpr) -> Any:
        out = LineDict(expr.line)
        for key_expr, value_expr in expr.items:
            key = self.eval(key_expr)
            if isinstance(key, Interpolated) or render(key) is None:
                return unresolved(expr, f"object key {key_expr.text.strip()} is not known")
            name = render(key) or ""
            out[name] = self.eval(value_expr)
            out.key_lines[name] = key_expr.line
        return out

    def _traversal(self, expr: Traversal) -> Any:
        if isinstance(expr.root, Expr):
            return self.steps(self.eval(expr.root), expr.steps, expr)
        if expr.root in self.bound:
            return self.steps(self.bound[expr.root], expr.steps, expr)
        value, used = self.names.reference(expr, self)
        return self.steps(value, expr.steps[used:], expr)

    def index(self, step: str | Expr) -> Any:
        return step if isinstance(step, str) else self.eval(step)

    def steps(self, value: Any, steps: tuple[str | Expr, ...], expr: Expr) -> Any:
        """Apply attribute and index steps to a value."""
        for step in steps:
            if isinstance(value, Unresolved):
                return value
            key = self.index(step)
            if isinstance(key, Unresolved):
                return key
            if isinstance(value, Ref):
                if value.attribute is None and isinstance(step, str):
                    value = Ref(value.target, step)
                    continue
                return unresolved(expr, f"an attribute of {value} known only after apply")
            if isinstance(value, Mapping):
                name = render(key)
                if name is None or name not in value:
                    return unresolved(expr, f"no key {key!r}")
                value = value[name]
            elif isinstance(value, list | tuple) and not isinstance(key, bool) \
                    and isinstance(key, int | float) and float(key).is_integer():
                position = int(key)
                if not 0 <= position < len(value):
                    return unresolved(expr, f"index {position} out of range")
                value = value[position]
            else:
                return unresolved(expr, f"cannot take {key!r} of this value")
        return value

    def _splat(self, expr: Splat) -> Any:
        assert expr.source is not None
        source = self.eval(expr.source)
        if isinstance(source, Unresolved):
            return source
        items = list(source) if isinstance(source, list | tuple) else (
            [] if source is None else [source])
        out = LineList(expr.line)
        for item in items:
            out.append(self.steps(item, expr.steps, expr))
            out.item_lines.append(expr.line)
        return out

    def _conditional(self, expr: Conditional) -> Any:
        assert expr.condition is not None and expr.then is not None \
            and expr.otherwise is not None
        test = self.eval(expr.condition)
        if isinstance(test, str) and test in ("true", "false"):
            test = test == "true"
        if not isinstance(test, bool):
            return unresolved(expr, f"condition {expr.condition.text.strip()} is not known")
        return self.eval(expr.then if test else expr.otherwise)

    def _call(self, expr: Call) -> Any:
        function = self.functions.get(expr.name)
        if function is None:
            return unresolved(expr, f"function {expr.name}() is not evaluated statically")
        args = [self.eval(a) for a in expr.args]
        if expr.name not in _TOLERANT:
            for arg in args:
                if isinstance(arg, Unresolved):
                    return unresolved(expr, arg.reason or f"{arg.expr} is not known")
        if expr.expand and args:
            spread = args.pop()
            if not isinstance(spread, list | tuple):
                return unresolved(expr, "spread argument is not a known list")
            args.extend(spread)
        try:
            return function(self, expr, args)
        except (TypeError, ValueError, KeyError, IndexError, OverflowError, StopIteration,
                RecursionError) as exc:
            return unresolved(expr, f"{expr.name}() failed: {exc}")

    def _for(self, expr: ForExpr) -> Any:
        assert expr.collection is not None and expr.value is not None
        collection = self.eval(expr.collection)
        if isinstance(collection, Unresolved):
            return collection
        if isinstance(collection, Mapping):
            pairs = list(collection.items())
        elif isinstance(collection, list | tuple):
            pairs = list(enumerate(collection))
        else:
            return unresolved(expr, "for over a value that is not a collection")
        items: list[tuple[Any, Any]] = []
        for key, value in pairs:
            bound = {expr.value_var: value}
            if expr.key_var:
                bound[expr.key_var] = key
            inner = self.bind(**bound)
            if expr.condition is not None:
                keep = inner.eval(expr.condition)
                if not isinstance(keep, bool):
                    return unresolved(expr, "for condition is not known")
                if not keep:
                    continue
            out_key = inner.eval(expr.key) if expr.key is not None else None
            items.append((out_key, inner.eval(expr.value)))
        if expr.key is None:
            result = LineList(expr.line)
            for _, value in items:
                result.append(value)
                result.item_lines.append(expr.line)
            return result
        mapping = LineDict(expr.line)
        for key, value in items:
            name = render(key)
            if name is None or isinstance(key, Interpolated):
                return unresolved(expr, "for key is not known")
            if expr.group:
                mapping.setdefault(name, LineList(expr.line)).append(value)
            else:
                mapping[name] = value
            mapping.key_lines[name] = expr.line
        return mapping


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    return None


def _operate(expr: Operation, values: list[Any]) -> Any:
    for value in values:
        if isinstance(value, Unresolved):
            return unresolved(expr, value.reason or f"{value.expr} is not known")
    op = expr.op
    if op == "!":
        return (not values[0]) if isinstance(values[0], bool) else unresolved(expr, "not a bool")
    if op in ("&&", "||"):
        if not all(isinstance(v, bool) for v in values):
            return unresolved(expr, "not a bool")
        return (values[0] and values[1]) if op == "&&" else (values[0] or values[1])
    if op in ("==", "!="):
        if any(isinstance(v, Ref | Interpolated) for v in values):
            return unresolved(expr, "compares a value known only after apply")
        equal = plain(values[0]) == plain(values[1])
        return equal if op == "==" else not equal
    numbers = [_number(v) for v in values]
    if any(n is None for n in numbers):
        return unresolved(expr, "arithmetic on a value that is not a number")
    if op == "neg":
        return -numbers[0]  # type: ignore[operator]
    a, b = numbers[0], numbers[1]
    assert a is not None and b is not None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op in ("/", "%") and b == 0:
        return unresolved(expr, "division by zero")
    if op == "/":
        return a / b
    if op == "%":
        return a % b
    comparisons = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}
    if op in comparisons:
        return comparisons[op]
    return unresolved(expr, f"operator {op}")


# --- functions ----------------------------------------------------------------------------

_TOLERANT = frozenset({"try", "coalesce", "jsonencode"})
"""Functions that take unknown arguments as they are: the others are unknown with them."""


def _known(expr: Call, args: list[Any]) -> None:
    """Raise when an argument is not known, so the call stays unresolved."""
    for arg in args:
        found = contains_unresolved(arg)
        if found is not None:
            raise ValueError(f"argument {found.expr} is not known")


def _jsonencode(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    # The document itself is kept (with its lines): policy fields accept it as is.
    return args[0]


def _jsondecode(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    _known(expr, args)
    if not isinstance(args[0], str) or isinstance(args[0], Interpolated):
        raise ValueError("not a known string")
    return json.loads(args[0])


def _format(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    spec = args[0]
    if not isinstance(spec, str) or isinstance(spec, Interpolated):
        raise ValueError("format string is not known")
    parts: list[Any] = []
    rest = iter(args[1:])
    i = 0
    while i < len(spec):
        char = spec[i]
        if char == "%" and i + 1 < len(spec):
            verb = spec[i + 1]
            i += 2
            if verb == "%":
                parts.append("%")
            elif verb in "sdvq":
                value = next(rest)
                parts.append(f'"{value}"' if verb == "q" and isinstance(value, str) else value)
            else:
                raise ValueError(f"format verb %{verb}")
            continue
        parts.append(char)
        i += 1
    return join_parts(parts, expr)


def _join(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    separator, lists = args[0], args[1:]
    if not isinstance(separator, str) or not all(isinstance(a, list | tuple) for a in lists):
        raise ValueError("arguments are not known")
    items = [item for part in lists for item in part]
    parts: list[Any] = []
    for index, item in enumerate(items):
        if index:
            parts.append(separator)
        parts.append(item)
    return join_parts(parts, expr)


def _concat(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    out = LineList(expr.line)
    for arg in args:
        if not isinstance(arg, list | tuple):
            raise ValueError("argument is not a known list")
        lines = arg.item_lines if isinstance(arg, LineList) else []
        for index, item in enumerate(arg):
            out.append(item)
            out.item_lines.append(lines[index] if index < len(lines) else expr.line)
    return out


def _merge(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    out = LineDict(expr.line)
    for arg in args:
        if arg is None:
            continue
        if not isinstance(arg, Mapping):
            raise ValueError("argument is not a known map")
        for key, value in arg.items():
            out[key] = value
            out.key_lines[key] = arg.line_of(key) if isinstance(arg, LineDict) else expr.line
    return out


def _lookup(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    mapping, key = args[0], args[1]
    if not isinstance(mapping, Mapping) or render(key) is None:
        raise ValueError("arguments are not known")
    name = render(key)
    if name in mapping:
        return mapping[name]
    if len(args) > 2:
        return args[2]
    raise KeyError(name)


def _element(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    items, index = args[0], _number(args[1])
    if not isinstance(items, list | tuple) or not isinstance(index, int) or not items:
        raise ValueError("arguments are not known")
    return items[index % len(items)]


def _coalesce(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unresolved):
            raise ValueError(f"{arg.expr} is not known")
        if arg not in (None, ""):
            return arg
    raise ValueError("no non-empty argument")


def _try(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    for arg in args:
        if contains_unresolved(arg) is None:
            return arg
    raise ValueError("no argument is known")


def _collection(kind: str) -> Callable[[Evaluator, Call, list[Any]], Any]:
    def convert(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
        value = args[0]
        if kind == "map":
            if not isinstance(value, Mapping):
                raise ValueError("not a known map")
            return value
        if not isinstance(value, list | tuple):
            raise ValueError("not a known list")
        if kind == "set":
            out = LineList(getattr(value, "line", expr.line))
            for item in value:
                if item not in out:
                    out.append(item)
                    out.item_lines.append(expr.line)
            return out
        return value
    return convert


def _string(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, Ref | Interpolated):
        return value
    shown = render(value)
    if shown is None:
        raise ValueError("not a primitive")
    return shown


def _tonumber(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    number = _number(args[0])
    if number is None:
        raise ValueError("not a number")
    return number


def _tobool(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("not a bool")


def _text_function(apply: Callable[..., str]) -> Callable[[Evaluator, Call, list[Any]], Any]:
    def call(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
        if not all(isinstance(a, str) and not isinstance(a, Interpolated) for a in args):
            raise ValueError("arguments are not known strings")
        return apply(*args)
    return call


def _length(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, Mapping | list | tuple) or (
            isinstance(value, str) and not isinstance(value, Interpolated)):
        return len(value)
    raise ValueError("not a known collection")


def _keys(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    value = args[0]
    if not isinstance(value, Mapping):
        raise ValueError("not a known map")
    return list(sorted(value))


def _values(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    value = args[0]
    if not isinstance(value, Mapping):
        raise ValueError("not a known map")
    return [value[k] for k in sorted(value)]


def _contains(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    _known(expr, args)
    if not isinstance(args[0], list | tuple):
        raise ValueError("not a known list")
    return plain(args[1]) in [plain(v) for v in args[0]]


def _flatten(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    def walk(value: Any) -> list[Any]:
        if isinstance(value, list | tuple):
            return [leaf for item in value for leaf in walk(item)]
        return [value]
    if not isinstance(args[0], list | tuple):
        raise ValueError("not a known list")
    return walk(args[0])


def _distinct(ev: Evaluator, expr: Call, args: list[Any]) -> Any:
    return _collection("set")(ev, expr, args)


FUNCTIONS: Mapping[str, Callable[[Evaluator, Call, list[Any]], Any]] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "format": _format,
    "join": _join,
    "concat": _concat,
    "merge": _merge,
    "lookup": _lookup,
    "element": _element,
    "coalesce": _coalesce,
    "try": _try,
    "tolist": _collection("list"),
    "toset": _collection("set"),
    "tomap": _collection("map"),
    "distinct": _distinct,
    "flatten": _flatten,
    "tostring": _string,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "lower": _text_function(str.lower),
    "upper": _text_function(str.upper),
    "trimspace": _text_function(str.strip),
    "replace": _text_function(lambda s, old, new: s.replace(old, new)),
    "trimprefix": _text_function(lambda s, p: s[len(p):] if s.startswith(p) else s),
    "trimsuffix": _text_function(lambda s, p: s[:-len(p)] if p and s.endswith(p) else s),
    "length": _length,
    "keys": _keys,
    "values": _values,
    "contains": _contains,
}
