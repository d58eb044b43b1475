"""Terraform files (``.tf``, ``.tfvars``) into blocks, attributes and expressions, each
with the line it was written on.

Parsing uses python-hcl2's grammar (a Lark LALR parser, imported on first use: it costs
~150 ms, paid only when a scan meets Terraform). We read its syntax tree directly rather
than its dictionary output, which flattens expressions back into text and keeps no line
for attributes or list items.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from faasguard.loaders.terraform.expressions import (
    Call,
    Conditional,
    Expr,
    ForExpr,
    Literal,
    ObjectExpr,
    Opaque,
    Operation,
    Splat,
    Template,
    Traversal,
    TupleExpr,
)

if TYPE_CHECKING:
    from dataclasses import dataclass

    from lark import Tree
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


class HclError(ValueError):
    """The text is not valid HCL; ``line`` is where the parser stopped."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    expr: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Block:
    """``type "label" "label" { ... }``."""

    type: str
    labels: tuple[str, ...]
    file: str
    """Relative to the scan root."""
    line: int
    end_line: int
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    def attr(self, name: str) -> Attribute | None:
        return self.attributes.get(name)

    def children(self, kind: str) -> list[Block]:
        return [b for b in self.blocks if b.type == kind]


@dataclass(frozen=True, slots=True)
class Body:
    """A parsed file: its top-level blocks and attributes (a ``.tfvars`` has only these)."""

    file: str
    blocks: tuple[Block, ...] = ()
    attributes: Mapping[str, Attribute] = field(default_factory=dict)


def parse(text: str, rel: str, line_offset: int = 0) -> Body:
    """Parse HCL text. ``line_offset`` shifts every line (text cut out of a bigger file)."""
    from hcl2.parser import parser
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        tree = parser().parse(text + "\n")
    except UnexpectedInput as exc:
        what = "unexpected text"
        if isinstance(exc, UnexpectedToken):
            shown = str(exc.token).strip().splitlines()
            what = f"unexpected {shown[0][:40]!r}" if shown else "unexpected end"
        elif isinstance(exc, UnexpectedCharacters):
            pos = exc.pos_in_stream
            what = f"unexpected character {text[pos]!r}" \
                if isinstance(pos, int) and 0 <= pos < len(text) else "unexpected end"
        line = getattr(exc, "line", None)
        raise HclError(f"invalid HCL: {what}",
                       line + line_offset if isinstance(line, int) and line > 0 else None) \
            from None
    except LarkError as exc:
        raise HclError(f"invalid HCL: {type(exc).__name__}") from None
    body = tree.children[0]
    if not _is_tree(body, "body"):
        raise HclError("invalid HCL: no body")
    return _Reader(text, rel, line_offset).body_of(body)  # type: ignore[arg-type]


def _is_tree(node: Any, name: str | None = None) -> bool:
    data = getattr(node, "data", None)
    return data is not None and (name is None or data == name)


_SKIP = frozenset({"new_line_or_comment"})
_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_HEREDOC = re.compile(r"<<(-?)([A-Za-z][\w.-]*)\n?(.*)\n\s*\2\n?\Z", re.DOTALL)


def _unescape(raw: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, "\\" + code)
    return _ESCAPES.sub(one, raw).replace("%%{", "%{")


class _Reader:
    """Converts one file's Lark tree."""

    def __init__(self, text: str, rel: str, offset: int) -> None:
        self.text = text
        self.rel = rel
        self.offset = offset

    def _line(self, node: Any) -> int:
        meta = getattr(node, "meta", None)
        line = getattr(meta, "line", None) if meta is not None else getattr(node, "line", None)
        return (line or 1) + self.offset

    def _source(self, node: Any) -> str:
        meta = getattr(node, "meta", None)
        start = getattr(meta, "start_pos", None) if meta is not None else getattr(
            node, "start_pos", None)
        end = getattr(meta, "end_pos", None) if meta is not None else getattr(
            node, "end_pos", None)
        if isinstance(start, int) and isinstance(end, int):
            return self.text[start:end]
        return str(node)

    def body_of(self, body: Tree) -> Body:
        blocks, attributes = self._body(body)
        return Body(self.rel, blocks, attributes)

    def _body(self, body: Tree) -> tuple[tuple[Block, ...], dict[str, Attribute]]:
        blocks: list[Block] = []
        attributes: dict[str, Attribute] = {}
        for child in body.children:
            if _is_tree(child, "attribute"):
                name = self._identifier(child.children[0])
                attributes[name] = Attribute(name, self.expr(child.children[-1]),
                                             self._line(child))
            elif _is_tree(child, "block"):
                blocks.append(self._block(child))
        return tuple(blocks), attributes

    def _block(self, node: Tree) -> Block:
        parts = [c for c in node.children if not _is_tree(c, "new_line_or_comment")]
        kind = self._identifier(parts[0])
        labels = tuple(self._label(p) for p in parts[1:-1])
        blocks, attributes = self._body(parts[-1])
        meta = node.meta
        return Block(kind, labels, self.rel, self._line(node),
                     (getattr(meta, "end_line", None) or meta.line) + self.offset,
                     attributes, blocks)

    def _identifier(self, node: Any) -> str:
        if _is_tree(node, "identifier"):
            return str(node.children[0])
        return str(node)

    def _label(self, node: Any) -> str:
        if _is_tree(node, "string"):
            return "".join(_unescape(str(p.children[0])) for p in node.children
                           if p.children and not _is_tree(p.children[0]))
        return self._identifier(node)

    # --- expressions -----------------------------------------------------------------

    def expr(self, node: Any) -> Expr:
        line, text = self._line(node), self._source(node)
        if not _is_tree(node):
            return Opaque(line, text, reason="token")
        data = node.data
        children = [c for c in node.children if not (_is_tree(c) and c.data in _SKIP)]
        if data == "expr_term":
            inner = [c for c in children if _is_tree(c)]
            if len(inner) == 1:
                return self.expr(inner[0])
            return Opaque(line, text, reason="expression not understood")
        handler = getattr(self, f"_x_{data}", None)
        if handler is None:
            return Opaque(line, text, reason=f"{data.replace('_', ' ')} not evaluated")
        result: Expr = handler(node, children, line, text)
        return result

    def _x_int_lit(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        return Literal(line, text, value=int("".join(str(c) for c in children)))

    def _x_float_lit(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        return Literal(line, text, value=float("".join(str(c) for c in children)))

    def _x_identifier(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        name = str(children[0])
        if name in ("true", "false"):
            return Literal(line, text, value=name == "true")
        if name == "null":
            return Literal(line, text, value=None)
        return Traversal(line, text, root=name)

    def _x_string(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        parts: list[str | Expr] = []
        for part in children:
            if not _is_tree(part):
                continue
            piece: Any = part.children[0] if part.children else ""
            if _is_tree(piece, "interpolation"):
                inner = [c for c in piece.children if _is_tree(c)]
                parts.append(self.expr(inner[0]) if inner else Literal(line, "", value=""))
            elif getattr(piece, "type", "") == "ESCAPED_INTERPOLATION":
                parts.append(str(piece)[1:])
            else:
                parts.append(_unescape(str(piece)))
        return _template(line, text, parts)

    def _heredoc(self, node: Tree, line: int, text: str, trim: bool) -> Expr:
        token = str(node.children[0])
        match = _HEREDOC.match(token)
        if not match:
            return Opaque(line, text, reason="heredoc not understood")
        content = match.group(3)
        if trim:
            rows = content.split("\n")
            indents = [len(r) - len(r.lstrip()) for r in rows if r.strip()]
            cut = min(indents, default=0)
            content = "\n".join(r[cut:] for r in rows)
        content += "\n"
        if "${" not in content:
            return Literal(line, text, value=content.replace("$${", "${"))
        # Interpolations in a heredoc: read the content again as a quoted string, so each
        # ${...} becomes an expression. The content starts on the line after the marker.
        quoted = content.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        try:
            body = parse(f'v = "{quoted}"', self.rel, line_offset=line)
        except HclError:
            return Opaque(line, text, reason="interpolation in heredoc not understood")
        value = body.attributes.get("v")
        if value is None or not isinstance(value.expr, Template):
            return Opaque(line, text, reason="heredoc not understood")
        return Template(line, text, parts=value.expr.parts)

    def _x_heredoc_template(self, node: Tree, children: list[Any], line: int,
                            text: str) -> Expr:
        return self._heredoc(node, line, text, trim=False)

    def _x_heredoc_template_trim(self, node: Tree, children: list[Any], line: int,
                                 text: str) -> Expr:
        return self._heredoc(node, line, text, trim=True)

    def _x_tuple(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        return TupleExpr(line, text, items=tuple(self.expr(c) for c in children if _is_tree(c)))

    def _x_object(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        items: list[tuple[Expr, Expr]] = []
        for elem in children:
            if not _is_tree(elem, "object_elem"):
                continue
            key_node = elem.children[0]
            value_node = elem.children[-1]
            items.append((self._object_key(key_node), self.expr(value_node)))
        return ObjectExpr(line, text, items=tuple(items))

    def _object_key(self, node: Tree) -> Expr:
        line, text = self._line(node), self._source(node)
        inner = node.children[0]
        if _is_tree(inner, "identifier"):
            return Literal(line, text, value=self._identifier(inner))
        if _is_tree(inner, "object_elem_key_dot_accessor"):
            return Literal(line, text, value=".".join(
                self._identifier(c) for c in inner.children if _is_tree(c, "identifier")))
        if _is_tree(inner, "object_elem_key_expression"):
            parts = [c for c in inner.children if _is_tree(c)]
            return self.expr(parts[0]) if parts else Opaque(line, text, reason="empty key")
        return self.expr(inner)

    def _x_function_call(self, node: Tree, children: list[Any], line: int,
                         text: str) -> Expr:
        name = self._identifier(children[0])
        args: tuple[Expr, ...] = ()
        if len(children) > 1 and _is_tree(children[1], "arguments"):
            args = tuple(self.expr(c) for c in children[1].children
                         if _is_tree(c) and c.data not in _SKIP)
        expand = text.rstrip().rstrip(")").rstrip().endswith("...")
        return Call(line, text, name=name, args=args, expand=expand)

    def _access(self, children: list[Any]) -> tuple[str | Expr, tuple[str | Expr, ...]]:
        """Flatten ``a.b[c].d`` into a root and its steps."""
        base = children[0]
        step = self._step(children[1])
        inner = [c for c in base.children if _is_tree(c)] if _is_tree(base, "expr_term") else []
        if len(inner) == 1 and inner[0].data in ("get_attr_expr_term", "index_expr_term"):
            root, steps = self._access([c for c in inner[0].children if _is_tree(c)])
            return root, (*steps, step)
        if len(inner) == 1 and inner[0].data == "identifier":
            name = self._identifier(inner[0])
            if name not in ("true", "false", "null"):
                return name, (step,)
        return self.expr(base), (step,)

    def _step(self, node: Tree) -> str | Expr:
        if node.data == "get_attr":
            return self._identifier(node.children[0])
        inner = [c for c in node.children if _is_tree(c) and c.data not in _SKIP]
        if inner:
            return self.expr(inner[0])
        digits = "".join(str(c) for c in node.children)
        return Literal(self._line(node), digits, value=int(digits))

    def _x_get_attr_expr_term(self, node: Tree, children: list[Any], line: int,
                              text: str) -> Expr:
        root, steps = self._access(children)
        return Traversal(line, text, root=root, steps=steps)

    _x_index_expr_term = _x_get_attr_expr_term

    def _splat(self, children: list[Any], line: int, text: str) -> Expr:
        source = self.expr(children[0])
        steps = tuple(self._step(c) for c in children[1].children if _is_tree(c))
        return Splat(line, text, source=source, steps=steps)

    def _x_attr_splat_expr_term(self, node: Tree, children: list[Any], line: int,
                                text: str) -> Expr:
        return self._splat(children, line, text)

    _x_full_splat_expr_term = _x_attr_splat_expr_term

    def _x_conditional(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        parts = [self.expr(c) for c in children if _is_tree(c)]
        return Conditional(line, text, condition=parts[0], then=parts[1], otherwise=parts[2])

    def _x_unary_op(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        op = str(children[0])
        return Operation(line, text, op="neg" if op == "-" else op,
                         operands=(self.expr(children[1]),))

    def _x_binary_op(self, node: Tree, children: list[Any], line: int, text: str) -> Expr:
        # The grammar nests every chain to the right (``a * b + c`` as ``a * (b + c)``,
        # ``a > b ? c : d`` as ``a > (b ? c : d)``): flatten the chain, then rebuild it
        # with Terraform's precedence, left to right.
        operands: list[Expr] = [self.expr(children[0])]
        ops: list[str] = []
        rest: Any = children[1]
        tail: Conditional | None = None
        while rest is not None:
            term = [c for c in rest.children if _is_tree(c) and c.data not in _SKIP]
            ops.append(str(term[0].children[0]))
            right = term[1]
            if _is_tree(right, "binary_op"):
                inner = [c for c in right.children if _is_tree(c) and c.data not in _SKIP]
                operands.append(self.expr(inner[0]))
                rest = inner[1]
                continue
            last = self.expr(right)
            if isinstance(last, Conditional) and last.condition is not None:
                tail, last = last, last.condition
            operands.append(last)
            rest = None
        combined = _precedence(operands, ops, line,
                               text.split("?", 1)[0] if tail is not None else text)
        if tail is not None:
            return Conditional(line, text, condition=combined, then=tail.then,
                               otherwise=tail.otherwise)
        return combined

    def _for(self, node: Tree, children: list[Any], line: int, text: str,
             is_object: bool) -> Expr:
        intro = next(c for c in children if _is_tree(c, "for_intro"))
        names = [self._identifier(c) for c in intro.children if _is_tree(c, "identifier")]
        collection = next(c for c in intro.children if _is_tree(c) and c.data not in
                          ("identifier", *_SKIP))
        body = [c for c in children if _is_tree(c) and c.data not in
                ("for_intro", "for_cond", *_SKIP)]
        cond = next((c for c in children if _is_tree(c, "for_cond")), None)
        condition = None
        if cond is not None:
            condition = self.expr(next(c for c in cond.children if _is_tree(c)
                                       and c.data not in _SKIP))
        key_var, value_var = (names[0], names[1]) if len(names) > 1 else (None, names[0])
        group = is_object and any(str(c) == "..." for c in children if not _is_tree(c))
        return ForExpr(line, text, key_var=key_var, value_var=value_var,
                       collection=self.expr(collection),
                       key=self.expr(body[0]) if is_object else None,
                       value=self.expr(body[-1]), condition=condition, group=group)

    def _x_for_tuple_expr(self, node: Tree, children: list[Any], line: int,
                          text: str) -> Expr:
        return self._for(node, children, line, text, is_object=False)

    def _x_for_object_expr(self, node: Tree, children: list[Any], line: int,
                           text: str) -> Expr:
        return self._for(node, children, line, text, is_object=True)


_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
               "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def _precedence(operands: list[Expr], ops: list[str], line: int, text: str) -> Expr:
    """Left-associative operators by precedence (shunting-yard)."""
    values: list[Expr] = [operands[0]]
    pending: list[str] = []

    def reduce() -> None:
        right, left = values.pop(), values.pop()
        values.append(Operation(line, f"{left.text} {pending[-1]} {right.text}",
                                op=pending.pop(), operands=(left, right)))

    for op, operand in zip(ops, operands[1:], strict=True):
        while pending and _PRECEDENCE.get(pending[-1], 0) >= _PRECEDENCE.get(op, 0):
            reduce()
        pending.append(op)
        values.append(operand)
    while pending:
        reduce()
    result = values[0]
    return Operation(line, text, op=result.op, operands=result.operands) \
        if isinstance(result, Operation) else result


def _template(line: int, text: str, parts: list[str | Expr]) -> Expr:
    merged: list[str | Expr] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    if not merged:
        return Literal(line, text, value="")
    if len(merged) == 1 and isinstance(merged[0], str):
        return Literal(line, text, value=merged[0])
    return Template(line, text, parts=tuple(merged))


__all__ = ["Attribute", "Block", "Body", "HclError", "parse"]
