"""What a name in JavaScript code stands for, read from the module's imports.

``qualify`` turns a callee such as ``cp.exec`` (after ``const cp = require('child_process')``)
into the dotted name ``child_process.exec``; SDK and sink tables are keyed on those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from faasguard.code.js.parse import string_value, text, unwrap
from faasguard.code.js.project import Module, module_name, require_spec

if TYPE_CHECKING:
    from tree_sitter import Node


def qualify(module: Module, node: Node | None) -> str | None:
    """The dotted name of an identifier or member chain, with its import resolved;
    None when any part is computed (``a[b]`` with a non-literal ``b``, a call...)."""
    parts: list[str] = []
    node = unwrap(node)
    while node is not None:
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            parts.append(text(prop))
            node = unwrap(node.child_by_field_name("object"))
        elif node.type == "subscript_expression":
            key = string_value(node.child_by_field_name("index"))
            if key is None:
                return None
            parts.append(key)
            node = unwrap(node.child_by_field_name("object"))
        elif node.type == "identifier":
            name = text(node)
            imp = module.imports.get(name)
            if imp is None:
                parts.append(name)
            else:
                parts.append(module_name(imp.spec) + (f".{imp.name}" if imp.name else ""))
            break
        elif node.type == "this":
            parts.append("this")
            break
        elif node.type == "call_expression":
            spec = require_spec(node)
            if spec is None:
                return None
            parts.append(module_name(spec))
            break
        else:
            return None
    return ".".join(reversed(parts)) if parts else None


def callee_name(module: Module, call: Node) -> str | None:
    """The dotted name of what a call or ``new`` expression calls."""
    field = "constructor" if call.type == "new_expression" else "function"
    return qualify(module, call.child_by_field_name(field))


def method_name(call: Node) -> str | None:
    """``m`` for a call ``x.m(...)``; None for plain function calls."""
    callee = unwrap(call.child_by_field_name("function"))
    if callee is not None and callee.type == "member_expression":
        return text(callee.child_by_field_name("property"))
    return None


def receiver(call: Node) -> Node | None:
    callee = unwrap(call.child_by_field_name("function"))
    if callee is not None and callee.type == "member_expression":
        return unwrap(callee.child_by_field_name("object"))
    return None
