"""Bounded JavaScript/TypeScript parsing with tree-sitter.

tree-sitter is imported on first use, so a scan that never reaches JavaScript code
never loads it. Every bound here turns into ``None`` (the caller records an
``Unknown``), never an exception: files over ``MAX_BYTES``, parses that run past
``PARSE_SECONDS`` and walks past ``MAX_NODES``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

MAX_BYTES = 1_000_000
"""Bigger sources are bundles or generated code, not handlers someone wrote."""
PARSE_SECONDS = 2.0
MAX_NODES = 400_000
"""A cap on nodes visited by one walk, so a pathological tree cannot stall a scan."""
SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")


@cache
def _parser(dialect: str) -> Parser:
    import tree_sitter

    if dialect == "javascript":
        import tree_sitter_javascript

        language = tree_sitter_javascript.language()
    else:
        import tree_sitter_typescript

        language = (tree_sitter_typescript.language_tsx() if dialect == "tsx"
                    else tree_sitter_typescript.language_typescript())
    return tree_sitter.Parser(tree_sitter.Language(language))


def dialect_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".ts", ".mts", ".cts"):
        return "typescript"
    if suffix == ".tsx":
        return "tsx"
    return "javascript"


def parse_source(source: bytes, dialect: str = "javascript") -> Tree | None:
    """The syntax tree of ``source``, or None when it is too big or too slow to parse.

    Syntax errors do not fail: tree-sitter recovers and marks ERROR nodes, and the
    analysis works on what it could read.
    """
    if len(source) > MAX_BYTES:
        return None
    parser = _parser(dialect)
    deadline = time.monotonic() + PARSE_SECONDS

    def read(offset: int, _point: Any) -> bytes:
        return source[offset:offset + 65536]

    def too_slow(_offset: int, _has_error: bool) -> bool:
        return time.monotonic() > deadline

    try:
        tree = parser.parse(read, progress_callback=too_slow)
    except ValueError:  # the progress callback cancelled the parse
        return None
    # A tree parsed through a callback keeps no source, so every ``node.text`` would
    # call back again. Re-parsing the bytes with the finished tree as the old one
    # reuses all of it (no edits) and gives a tree that slices its own source.
    return parser.parse(source, old_tree=tree)


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def line(node: Node) -> int:
    return node.start_point[0] + 1


def walk(node: Node, *, into_functions: bool = True) -> Iterator[Node]:
    """Every named descendant of ``node`` (itself first), depth-first, without recursion.

    With ``into_functions=False`` the bodies of nested functions are skipped; ``node``
    itself is always entered.
    """
    stack = [node]
    seen = 0
    while stack and seen < MAX_NODES:
        current = stack.pop()
        seen += 1
        yield current
        if not into_functions and current is not node and current.type in FUNCTION_TYPES:
            continue
        stack.extend(reversed(current.named_children))


FUNCTION_TYPES = frozenset({
    "function_declaration", "function_expression", "function", "arrow_function",
    "method_definition", "generator_function_declaration", "generator_function",
})


def unwrap(node: Node | None) -> Node | None:
    """``node`` without parentheses, ``await``, TypeScript casts and ``!``."""
    while node is not None and node.type in (
        "parenthesized_expression", "await_expression", "as_expression",
        "non_null_expression", "satisfies_expression", "type_assertion",
    ):
        children = [c for c in node.named_children if c.type not in TYPE_NODES]
        node = children[0] if children else None
    return node


TYPE_NODES = frozenset({"type_annotation", "type_arguments", "type_identifier",
                        "predefined_type", "generic_type", "object_type", "union_type"})


def string_value(node: Node | None) -> str | None:
    """The value of a string literal or a template without substitutions."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        return "".join(text(c) if c.type == "string_fragment" else _escape(c)
                       for c in node.named_children)
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        raw = text(node)
        return raw[1:-1]
    return None


def _escape(node: Node) -> str:
    raw = text(node)
    if node.type == "escape_sequence" and len(raw) == 2:
        return {"n": "\n", "t": "\t", "r": "\r"}.get(raw[1], raw[1])
    return ""


def arguments(call: Node) -> list[Node]:
    args = call.child_by_field_name("arguments")
    if args is None:
        return []
    if args.type == "template_string":  # tagged template: tag`...`
        return [args]
    return [c for c in args.named_children if c.type != "comment"]


def object_properties(node: Node | None) -> dict[str, Node]:
    """The ``key: value`` pairs of an object literal with static keys (shorthand too)."""
    node = unwrap(node)
    found: dict[str, Node] = {}
    if node is None or node.type != "object":
        return found
    for child in node.named_children:
        if child.type == "pair":
            key = child.child_by_field_name("key")
            value = child.child_by_field_name("value")
            name = property_name(key)
            if name is not None and value is not None:
                found[name] = value
        elif child.type == "shorthand_property_identifier":
            found[text(child)] = child
    return found


def property_name(key: Node | None) -> str | None:
    if key is None:
        return None
    if key.type in ("property_identifier", "identifier", "number"):
        return text(key)
    if key.type == "string":
        return string_value(key)
    return None
