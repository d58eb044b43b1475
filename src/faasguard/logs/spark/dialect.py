"""DuckDB SQL, as the reports and detections write it, rewritten for Spark SQL.

The reports and rules are written once, in DuckDB's dialect; this module rewrites the
few constructs that differ so Spark runs the same query with the same meaning:

- ``quantile_cont(x, q)`` -> ``percentile(x, q)``: both exact, with linear
  interpolation between the closest ranks (h = (n - 1) q); never ``percentile_approx``;
- ``first(x ORDER BY a DESC, b)`` -> ``min_by(x, named_struct(-(a), b))`` (DESC keys
  must be numeric, as they are in the reports);
- ``list``/``list_sort``/``list_distinct``/``list_filter``/``list_transform``/
  ``list_bool_or``/``len``, ``[...]`` list literals and ``[a:b]`` slices -> Spark's array
  functions (``len`` is taken to be a list's length: the reports use it on lists only);
- ``x->>'$.p'``, ``json_extract_string`` -> ``get_json_object``; a ``[*]`` path and
  ``json_type`` through Spark's VARIANT (``try_parse_json``), which keeps JSON's types;
  ``TRY_CAST(j AS VARCHAR[])`` -> ``from_json(j, 'array<string>')``;
- ``regexp_matches`` -> ``rlike``, ``regexp_extract`` with DuckDB's default group 0;
- ``epoch_us``, ``time_bucket``, ``date_trunc``, ``to_seconds``, ``to_microseconds``
  over naive UTC timestamps (``TIMESTAMP_NTZ`` in Spark, session time zone UTC);
- string literals (Spark reads backslash escapes), ``"identifiers"`` (backquoted),
  ``VARCHAR`` types, and ``ORDER BY`` items without a null order (DuckDB puts NULLs
  last, Spark first for ASC: ``NULLS LAST`` is made explicit).

Anything else passes through unchanged; Spark has the same name for most functions
(``regexp_extract``, ``split_part``, ``any_value``, ``bool_or``, ``count(*) FILTER``,
``GROUP BY ALL``, ``::`` casts). A construct that cannot be rewritten faithfully raises
`DialectError` rather than running with a different meaning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


class DialectError(ValueError):
    """DuckDB SQL that has no faithful Spark SQL rewrite here."""


@dataclass(frozen=True)
class Tok:
    kind: str
    """str (a '...' literal), ident ("..."), num, word, op, ws."""
    text: str


@dataclass(frozen=True)
class Group:
    open: str
    """``(`` or ``[``."""
    items: tuple[Node, ...]


Node = Tok | Group

_TOKEN = re.compile(r"""
    (?P<str>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*")
  | (?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<ws>\s+|--[^\n]*)
  | (?P<op>->>|->|::|\|\||<>|<=|>=|!=|[-+*/%=<>,.;:?(){}\[\]])
""", re.X)
_CLOSE = {"(": ")", "[": "]"}
_ORDER_END = {"limit", "offset", "rows", "range", "groups", "union", "except",
              "intersect", "having", "window", "qualify"}


def tokens(sql: str) -> list[Tok]:
    out, pos = [], 0
    while pos < len(sql):
        found = _TOKEN.match(sql, pos)
        if found is None:
            raise DialectError(f"cannot read SQL at {sql[pos:pos + 20]!r}")
        kind = found.lastgroup or "op"
        out.append(Tok(kind, found.group()))
        pos = found.end()
    return out


def tree(toks: Sequence[Tok]) -> tuple[Node, ...]:
    stack: list[tuple[str, list[Node]]] = [("", [])]
    for tok in toks:
        if tok.kind == "op" and tok.text in _CLOSE:
            stack.append((tok.text, []))
        elif tok.kind == "op" and tok.text in (")", "]"):
            opener, items = stack.pop()
            if not stack or _CLOSE.get(opener) != tok.text:
                raise DialectError(f"unbalanced {tok.text!r}")
            stack[-1][1].append(Group(opener, tuple(items)))
        else:
            stack[-1][1].append(tok)
    if len(stack) != 1:
        raise DialectError("unbalanced brackets")
    return tuple(stack[0][1])


def _word(node: Node | None, *words: str) -> bool:
    return isinstance(node, Tok) and node.kind == "word" and node.text.lower() in words


def _solid(items: Sequence[Node]) -> list[Node]:
    return [n for n in items if not (isinstance(n, Tok) and n.kind == "ws")]


def split_commas(items: Sequence[Node]) -> list[list[Node]]:
    parts: list[list[Node]] = [[]]
    for node in items:
        if isinstance(node, Tok) and node.kind == "op" and node.text == ",":
            parts.append([])
        else:
            parts[-1].append(node)
    return parts


def spark_string(value: str) -> str:
    """A Spark SQL string literal holding `value` exactly."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _duck_string(text: str) -> str:
    return text[1:-1].replace("''", "'")


def _nulls_last(items: Sequence[Node]) -> list[Node]:
    """Make DuckDB's default null order (last) explicit in each ORDER BY of this level."""
    out: list[Node] = []
    in_order = has_nulls = False
    last_solid: Node | None = None

    def close() -> None:
        while out and isinstance(out[-1], Tok) and out[-1].kind == "ws":
            out.pop()
        if not has_nulls:
            out.extend((Tok("ws", " "), Tok("word", "NULLS"), Tok("ws", " "),
                        Tok("word", "LAST"), Tok("ws", " ")))

    for node in items:
        if in_order:
            if node == Tok("op", ","):
                close()
                has_nulls = False
            elif _word(node, "nulls"):
                has_nulls = True
            elif _word(node, *_ORDER_END) or node == Tok("op", ";"):
                close()
                in_order = False
        elif _word(node, "by") and _word(last_solid, "order"):
            in_order, has_nulls = True, False
        out.append(node)
        if not (isinstance(node, Tok) and node.kind == "ws"):
            last_solid = node
    if in_order:
        close()
    return out


_TYPES = {"varchar": "STRING", "text": "STRING", "json": "STRING", "ubigint": "DECIMAL(20,0)",
          "hugeint": "DECIMAL(38,0)", "timestamp": "TIMESTAMP_NTZ"}


def _type(items: Sequence[Node]) -> str:
    """A DuckDB type as written (``VARCHAR``, ``VARCHAR[]``, ``DECIMAL(18,3)``)."""
    solid = _solid(items)
    if not solid or not isinstance(solid[0], Tok):
        raise DialectError("a cast without a type")
    name = solid[0].text
    rest = solid[1:]
    base = _TYPES.get(name.lower(), name.upper())
    if rest and isinstance(rest[0], Group) and rest[0].open == "(":
        base += "(" + render(rest[0].items) + ")"
        rest = rest[1:]
    for node in rest:
        if isinstance(node, Group) and node.open == "[" and not _solid(node.items):
            base = f"ARRAY<{base}>"
        else:
            raise DialectError(f"unsupported type {_arg(solid)!r}")
    return base


def _cast(args: Sequence[Node], kind: str) -> str:
    solid = list(args)
    at = max((i for i, n in enumerate(solid) if _word(n, "as")), default=-1)
    if at < 0:
        raise DialectError(f"{kind} without AS")
    value, target = _arg(solid[:at]), _type(solid[at + 1:])
    if kind == "try_cast" and target == "ARRAY<STRING>":
        return f"from_json({value}, 'array<string>')"
    return f"{kind.upper()}({value} AS {target})"


def _literal_arg(node: list[Node], what: str) -> str:
    solid = _solid(node)
    if len(solid) != 1 or not isinstance(solid[0], Tok) or solid[0].kind != "str":
        raise DialectError(f"{what} must be a string literal")
    return _duck_string(solid[0].text)


def _int_arg(node: list[Node], what: str) -> int:
    solid = _solid(node)
    if len(solid) != 1 or not isinstance(solid[0], Tok) or solid[0].kind != "num" \
            or not solid[0].text.isdigit():
        raise DialectError(f"{what} must be a whole number")
    return int(solid[0].text)


def _micros(ts: str) -> str:
    return f"unix_micros(CAST({ts} AS TIMESTAMP))"


def _ntz(ts: str) -> str:
    return f"CAST({ts} AS TIMESTAMP_NTZ)"


_PATH_PART = re.compile(r'\.(?:"((?:[^"]|"")*)"|([A-Za-z0-9_]+))|\[(\d+|\*)\]')


def json_path(path: str) -> str:
    """A DuckDB JSON path (``$.a."b-c"[0]``) in the syntax Spark's get_json_object and
    variant_get read (``$.a['b-c'][0]``)."""
    if not path.startswith("$"):
        raise DialectError(f"JSON path {path!r}: only paths from $ are rewritten")
    out, pos = ["$"], 1
    while pos < len(path):
        found = _PATH_PART.match(path, pos)
        if found is None:
            raise DialectError(f"JSON path {path!r} is not rewritten")
        quoted, plain, index = found.groups()
        if index is not None:
            out.append(f"[{index}]")
        else:
            key = plain if plain is not None else quoted.replace('""', '"')
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                out.append("." + key)
            elif "'" in key or "]" in key:
                raise DialectError(f"JSON path {path!r}: key {key!r} is not rewritten")
            else:
                out.append(f"['{key}']")
        pos = found.end()
    return "".join(out)


def _json_type(column: str, path: str) -> str:
    value = f"try_variant_get(try_parse_json({column}), {spark_string(json_path(path))})"
    schema = f"schema_of_variant({value})"
    return (f"(CASE WHEN {value} IS NULL THEN NULL WHEN {schema} LIKE 'ARRAY%' THEN 'ARRAY' "
            f"WHEN {schema} LIKE 'OBJECT%' THEN 'OBJECT' WHEN {schema} = 'VOID' THEN 'NULL' "
            f"WHEN {schema} = 'STRING' THEN 'VARCHAR' WHEN {schema} = 'BOOLEAN' "
            f"THEN 'BOOLEAN' ELSE 'NUMBER' END)")


def _json_string(column: str, path: str) -> str:
    if path.endswith("[*]") and "[*]" not in path[:-3]:
        return (f"try_variant_get(try_parse_json({column}), "
                f"{spark_string(json_path(path[:-3]))}, 'array<string>')")
    if "[*]" in path:
        raise DialectError(f"JSON path {path!r}: a wildcard inside a path is DuckDB only")
    return f"get_json_object({column}, {spark_string(json_path(path))})"


def _first(arg: list[Node]) -> str:
    """``first(x ORDER BY a DESC, b)``: the x of the least (-(a), b)."""
    at = next((i for i in range(len(arg) - 2) if _word(arg[i], "order")), None)
    if at is None:
        return f"first({_arg(arg)})"
    value = _arg(arg[:at])
    rest = arg[at + 1:]
    by = next(i for i, n in enumerate(rest) if _word(n, "by"))
    keys = []
    for i, item in enumerate(split_commas(rest[by + 1:])):
        solid = _solid(item)
        desc = bool(solid) and _word(solid[-1], "desc")
        if solid and _word(solid[-1], "asc", "desc"):
            solid = solid[:-1]
        if any(_word(n, "nulls") for n in solid):
            raise DialectError("first(... ORDER BY ... NULLS ...) is not rewritten")
        expr = _arg(solid)
        keys.append(f"'k{i}', " + (f"-({expr})" if desc else expr))
    return f"min_by({value}, named_struct({', '.join(keys)}))"


def _regexp_matches(args: list[list[Node]]) -> str:
    if len(args) == 2:
        return f"rlike({_arg(args[0])}, {_arg(args[1])})"
    flags = _literal_arg(args[2], "regexp_matches options")
    if flags != "i":
        raise DialectError(f"regexp_matches options {flags!r}: only 'i' is rewritten")
    return f"rlike({_arg(args[0])}, concat('(?i)', {_arg(args[1])}))"


def _time_bucket(args: list[list[Node]]) -> str:
    width = _solid(args[0])
    if len(args) != 3 or len(width) != 2 or not _word(width[0], "to_seconds") \
            or not isinstance(width[1], Group):
        raise DialectError("time_bucket: only time_bucket(to_seconds(N), ts, "
                           "TIMESTAMP '1970-01-01') is rewritten")
    origin = _solid(args[2])
    if len(origin) != 2 or not _word(origin[0], "timestamp") \
            or _duck_string(origin[1].text if isinstance(origin[1], Tok) else "''") \
            not in ("1970-01-01", "1970-01-01 00:00:00"):
        raise DialectError("time_bucket: only the epoch origin is rewritten")
    micros = _int_arg(list(width[1].items), "time_bucket width") * 1_000_000
    ts = _micros(_arg(args[1]))
    return _ntz(f"timestamp_micros(({ts} div {micros}L) * {micros}L)")


def _date_trunc(args: list[list[Node]]) -> str:
    unit = _literal_arg(args[0], "date_trunc unit").upper()
    return _ntz(f"date_trunc({spark_string(unit)}, CAST({_arg(args[1])} AS TIMESTAMP))")


def _seconds_interval(seconds: str) -> str:
    return f"make_dt_interval(0, 0, 0, CAST({seconds} AS DECIMAL(18,6)))"


def _arity(name: str, count: int) -> Callable[[Callable[[list[str]], str]],
                                              Callable[[list[list[Node]]], str]]:
    def wrap(build: Callable[[list[str]], str]) -> Callable[[list[list[Node]]], str]:
        def call(args: list[list[Node]]) -> str:
            if len(args) != count:
                raise DialectError(f"{name}: expected {count} argument(s)")
            return build([_arg(a) for a in args])
        return call
    return wrap


def _rename(spark: str) -> Callable[[list[list[Node]]], str]:
    return lambda args: f"{spark}({', '.join(_arg(a) for a in args)})"


_FUNCTIONS: dict[str, Callable[[list[list[Node]]], str]] = {
    "quantile_cont": _arity("quantile_cont", 2)(lambda a: f"percentile({a[0]}, {a[1]})"),
    "list": _arity("list", 1)(lambda a: f"collect_list({a[0]})"),
    "list_sort": _arity("list_sort", 1)(lambda a: f"array_sort({a[0]})"),
    "list_distinct": _arity("list_distinct", 1)(lambda a: f"array_distinct({a[0]})"),
    "list_filter": _rename("filter"),
    "list_transform": _rename("transform"),
    "list_bool_or": _arity("list_bool_or", 1)(lambda a: f"exists({a[0]}, b -> b)"),
    "len": _arity("len", 1)(lambda a: f"size({a[0]})"),
    "epoch_us": _arity("epoch_us", 1)(lambda a: _micros(a[0])),
    "to_seconds": _arity("to_seconds", 1)(lambda a: _seconds_interval(a[0])),
    "to_microseconds": _arity("to_microseconds", 1)(
        lambda a: _seconds_interval(f"CAST({a[0]} AS DECIMAL(24,0)) / 1000000")),
    "time_bucket": _time_bucket,
    "date_trunc": _date_trunc,
    "regexp_matches": _regexp_matches,
}


def _call(name: str, group: Group) -> str:
    low = name.lower()
    args = [list(a) for a in split_commas(group.items)]
    if low in ("cast", "try_cast"):
        return _cast(group.items, low)
    if low == "first":
        return _first(list(group.items))
    if low == "regexp_extract":
        extra = "" if len(args) > 2 else ", 0"
        return f"regexp_extract({', '.join(_arg(a) for a in args)}{extra})"
    if low == "json_extract_string":
        return _json_string(_arg(args[0]), _literal_arg(args[1], "a JSON path"))
    if low == "json_type":
        return _json_type(_arg(args[0]), _literal_arg(args[1], "a JSON path"))
    if low == "json_array_length" and len(args) == 2:
        path = _literal_arg(args[1], "a JSON path")
        return f"json_array_length({_json_string(_arg(args[0]), path)})"
    if low in _FUNCTIONS:
        return _FUNCTIONS[low](args)
    # not a function of its own (IN, EXISTS, OVER, FILTER, AS, VALUES...) or one Spark
    # names the same: rewrite inside, keep the rest
    return f"{name}({render(group.items)})"


def _arg(items: Sequence[Node]) -> str:
    return render(items).strip()


def render(items: Sequence[Node]) -> str:
    """Spark SQL for a DuckDB token tree."""
    items = _nulls_last(items)
    out: list[str] = []
    solid_before: Node | None = None
    i = 0
    while i < len(items):
        node = items[i]
        after = _solid(items[i + 1:i + 6])[:2]
        nxt = after[0] if after else None
        if isinstance(node, Tok) and node.kind == "word" and isinstance(nxt, Group) \
                and nxt.open == "(" and not _word(node, "and", "or", "not", "then", "else",
                                                    "when", "in", "exists"):
            out.append(_call(node.text, nxt))
            i = items.index(nxt, i + 1) + 1
            solid_before = nxt
            continue
        if isinstance(node, Tok) and node.kind == "word" and node.text.lower() == "lambda" \
                and len(after) == 2 and isinstance(after[0], Tok) and after[1] == Tok("op", ":"):
            out.append(f"{after[0].text} ->")
            i = items.index(after[1], i + 1) + 1
            continue
        if isinstance(node, Tok) and node.text == "->>":
            target = nxt
            if not isinstance(target, Tok) or target.kind != "str" or not out:
                raise DialectError("->> must be followed by a JSON path literal")
            operand = out.pop()
            while operand.isspace() and out:
                operand = out.pop()
            while len(out) >= 2 and out[-1] == ".":  # a qualified column: t.c
                operand = out.pop(-2) + out.pop() + operand
            out.append(_json_string(operand, _duck_string(target.text)))
            i = items.index(target, i + 1) + 1
            solid_before = target
            continue
        if isinstance(node, Tok) and node.text == "::":
            j = i + 1
            type_nodes: list[Node] = []
            while j < len(items):  # the type name, then any [] after it
                part = items[j]
                name = isinstance(part, Tok) and part.kind == "word" and not type_nodes
                brackets = isinstance(part, Group) and part.open == "[" and bool(type_nodes)
                if not (name or brackets):
                    break
                type_nodes.append(part)
                j += 1
            if out and out[-1] == "array()":
                i = j  # []::T[] is an empty array of any type
                continue
            out.append("::" + _type(type_nodes))
            i = j
            continue
        if isinstance(node, Group):
            if node.open == "(":
                out.append("(" + render(node.items) + ")")
            elif _indexable(solid_before):
                operand = out.pop()
                out.append(_subscript(operand, node))
            else:
                parts = [_arg(a) for a in split_commas(node.items) if _solid(a)]
                out.append("array(" + ", ".join(parts) + ")")
        elif node.kind == "str":
            out.append(spark_string(_duck_string(node.text)))
        elif node.kind == "ident":
            out.append("`" + node.text[1:-1].replace('""', '"').replace("`", "``") + "`")
        else:
            out.append(node.text)
        if not (isinstance(node, Tok) and node.kind == "ws"):
            solid_before = node
        i += 1
    return "".join(out)


_KEYWORDS = {"select", "where", "and", "or", "not", "case", "when", "then", "else", "in",
             "by", "as", "on", "is", "like", "ilike", "between", "return", "having"}


def _indexable(before: Node | None) -> bool:
    """A ``[`` right after a value subscripts it; elsewhere it opens a list literal."""
    if isinstance(before, Group):
        return before.open in ("(", "[")
    return isinstance(before, Tok) and (before.kind == "ident" or (
        before.kind == "word" and before.text.lower() not in _KEYWORDS))


def _subscript(operand: str, group: Group) -> str:
    parts = [list(p) for p in _split_colon(group.items)]
    if len(parts) == 1:
        return f"element_at({operand}, {_arg(parts[0])})"
    if len(parts) == 2:
        lo, hi = _int_arg(parts[0], "a slice start"), _int_arg(parts[1], "a slice end")
        return f"slice({operand}, {lo}, {max(hi - lo + 1, 0)})"
    raise DialectError("a slice with a step is not rewritten")


def _split_colon(items: Sequence[Node]) -> list[list[Node]]:
    parts: list[list[Node]] = [[]]
    for node in items:
        if node == Tok("op", ":"):
            parts.append([])
        else:
            parts[-1].append(node)
    return parts


def translate(sql: str) -> str:
    """Spark SQL meaning what the DuckDB `sql` means (parameters left as ``?``)."""
    return render(tree(tokens(sql)))


def literal(value: Any) -> str:
    """A query parameter as a literal (DuckDB's quoting: `translate` then rewrites it)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return f"CAST('{value}' AS BIGINT)" if abs(value) >= 2**31 else str(value)
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return f"TIMESTAMP_NTZ '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.timedelta):
        micros = value // dt.timedelta(microseconds=1)
        days, rest = divmod(micros, 86_400_000_000)
        return (f"make_dt_interval({days}, 0, 0, "
                f"CAST('{rest // 1_000_000}.{rest % 1_000_000:06d}' AS DECIMAL(18,6)))")
    raise DialectError(f"no Spark literal for a parameter of type {type(value).__name__}")


def bind(sql: str, params: Sequence[Any]) -> str:
    """DuckDB `sql` with each ``?`` outside literals replaced by its parameter."""
    out, used = [], 0
    for tok in tokens(sql):
        if tok == Tok("op", "?"):
            if used >= len(params):
                raise DialectError("fewer parameters than ? in the query")
            out.append(literal(params[used]))
            used += 1
        else:
            out.append(tok.text)
    if used != len(params):
        raise DialectError("more parameters than ? in the query")
    return "".join(out)


def to_spark(sql: str, params: Sequence[Any] = ()) -> str:
    """Spark SQL for DuckDB `sql` with its parameters bound."""
    return translate(bind(sql, params))
