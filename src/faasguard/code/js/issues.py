"""Code findings in JavaScript/TypeScript handlers that are not taint flows.

- ``table-scan`` (D2): a DynamoDB ``Scan`` without ``Limit``: it reads the whole table.
- ``unbounded-select`` (D2): a SQL ``SELECT`` in a module that imports a SQL driver,
  without ``LIMIT``/``TOP``/``FETCH FIRST`` and not a single aggregate row.
- ``error-leak`` (D3): in a ``catch`` (or a ``.catch`` callback), the error's
  ``message``/``stack``/text put into what the handler returns or sends.
- ``sensitive-log`` (D4): the whole event, its headers, or a credential/card field
  written to ``console``/a logger.
- ``hardcoded-secret`` (B3): a quoted secret in the source, by the same detector as
  template settings (reported masked).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from faasguard.code.facts import CodeIssue
from faasguard.code.js import sinks
from faasguard.code.js.names import callee_name, method_name
from faasguard.code.js.parse import (
    FUNCTION_TYPES,
    arguments,
    string_value,
    text,
    unwrap,
    walk,
)
from faasguard.code.js.project import Module
from faasguard.code.js.taint import bound_names, parameters

if TYPE_CHECKING:
    from tree_sitter import Node

SELECT = re.compile(r"^[\s(]*(?:WITH\b.*?\)\s*)?SELECT\b", re.IGNORECASE | re.DOTALL)
BOUNDED = re.compile(r"\bLIMIT\b|\bTOP\s*\(?\s*[\d?$:@]|\bFETCH\s+(FIRST|NEXT)\b|\bROWNUM\b",
                     re.IGNORECASE)
AGGREGATE = re.compile(r"^[\s(]*SELECT\s+(COUNT|SUM|AVG|MIN|MAX|EXISTS)\s*\(", re.IGNORECASE)
KEY_LOOKUP = re.compile(r"\bWHERE\b.*?(?<![\w.])(?:\w+\.)?(?:id|uuid|pk)\s*=",
                        re.IGNORECASE | re.DOTALL)
"""Equality on a column named id/uuid/pk reads one row (as the Python side judges)."""
SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
LOG_METHODS = frozenset({"log", "info", "warn", "error", "debug", "trace"})
LOGGERS = frozenset({"console", "logger", "log", "LOGGER", "Logger", "pino", "winston"})
SENSITIVE_WORDS = frozenset({"authorization", "cookie", "password", "passwd", "pwd", "token",
                             "secret", "apikey", "cvv", "cvc", "ssn", "pan", "card", "iban",
                             "credentials", "credit"})
DESCRIPTIVE_WORDS = frozenset({"arn", "id", "name", "type", "count", "len", "length", "ttl",
                               "expiry", "expires", "url", "uri", "path", "header", "field",
                               "param", "env", "version", "hash", "mask", "masked", "last",
                               "brand", "prefix", "kind", "format", "present", "valid"})
"""After the secret word (``tokenType``, ``cardLast4``, ``secretArn``): about the value."""
FLAG_WORDS = frozenset({"has", "is", "no", "num", "max", "min", "use", "should", "with",
                        "without", "needs", "requires"})
"""Before it (``hasPassword``, ``isSecret``): a flag or a number about the value."""
WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
LEAK_CALLS = frozenset({"String", "JSON.stringify", "util.inspect", "util.format"})
QUOTES = ("'", '"', "`")
RESPONDERS = frozenset({"callback", "cb", "done", "send", "json", "end", "write",
                        "succeed", "fail", "jsonp"})


def table_scans(scans: Iterable[tuple[Node, Module, bool]]) -> list[CodeIssue]:
    return [CodeIssue("table-scan", module.loc(node),
                      "DynamoDB Scan without Limit reads the whole table on every call",
                      {"service": "dynamodb", "operation": "Scan"})
            for node, module, bounded in scans if not bounded]


def unbounded_selects(module: Module) -> list[CodeIssue]:
    if not module.packages & sinks.SQL_MODULES:
        return []
    found: list[CodeIssue] = []
    seen: set[int] = set()
    for node in module.nodes:
        if node.type not in ("string", "template_string"):
            continue
        # 'SELECT ... WHERE id = ' + id + ' LIMIT 1' is judged as a whole
        while node.parent is not None and node.parent.type == "binary_expression" and \
                text(node.parent.child_by_field_name("operator")) == "+":
            node = node.parent
        if node.id in seen:
            continue
        seen.add(node.id)
        sql = SQL_COMMENT.sub(" ", text(node).strip("'\"`"))
        if not SELECT.match(sql) or BOUNDED.search(sql) or KEY_LOOKUP.search(sql) or (
                AGGREGATE.match(sql) and "group by" not in sql.lower()):
            continue
        found.append(CodeIssue("unbounded-select", module.loc(node),
                               "SQL SELECT without LIMIT: the result grows with the table",
                               {"statement": " ".join(sql.split())[:120]}))
    return found


def error_leaks(module: Module) -> list[CodeIssue]:
    found: list[CodeIssue] = []
    for node in module.nodes:
        if node.type == "catch_clause":
            param = node.child_by_field_name("parameter")
            body = node.child_by_field_name("body")
            if param is not None and body is not None:
                found += _leaks_in(module, set(bound_names(param)), body, expression=False)
        elif node.type == "call_expression" and method_name(node) == "catch":
            for arg in arguments(node):
                params = parameters(arg) if arg.type in FUNCTION_TYPES else []
                body = arg.child_by_field_name("body")
                if params and body is not None:
                    found += _leaks_in(module, set(bound_names(params[0])), body,
                                       expression=body.type != "statement_block")
    return found


def _leaks_in(module: Module, names: set[str], body: Node, expression: bool) -> list[CodeIssue]:
    responses: list[Node] = [body] if expression else []
    held: dict[str, Node] = {}
    for node in walk(body):
        if node.type == "return_statement":
            responses.append(node)
        elif node.type == "call_expression":
            callee = text(node.child_by_field_name("function"))
            if callee.split(".")[-1] in RESPONDERS and not callee.startswith(("console.",
                                                                              "logger.")):
                responses.append(node)
        elif node.type == "variable_declarator":
            name = node.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                held[text(name)] = node
    # const body = JSON.stringify({ error: err.message }); return { body }
    used = {text(n) for r in responses for n in walk(r)
            if n.type in ("identifier", "shorthand_property_identifier")}
    responses += [node for name, node in held.items() if name in used]
    found: list[CodeIssue] = []
    seen: set[int] = set()
    for response in responses:
        for node in walk(response):
            if node.id in seen or not _leaks(module, node, names):
                continue
            seen.add(node.id)
            found.append(CodeIssue("error-leak", module.loc(node),
                                   f"exception details ({text(node)[:60]}) returned to the "
                                   "caller", {"expression": text(node)[:120]}))
    return found


def _leaks(module: Module, node: Node, names: set[str]) -> bool:
    if node.type == "member_expression":
        obj = unwrap(node.child_by_field_name("object"))
        prop = text(node.child_by_field_name("property"))
        return obj is not None and text(obj) in names and prop in ("message", "stack")
    if node.type == "call_expression":
        args = arguments(node)
        name = callee_name(module, node)
        if name in LEAK_CALLS and args and text(args[0]) in names:
            return True
        callee = unwrap(node.child_by_field_name("function"))
        return method_name(node) == "toString" and callee is not None and \
            text(callee.child_by_field_name("object")) in names
    if node.type == "template_substitution":
        inner = node.named_children[0] if node.named_children else None
        return inner is not None and text(inner) in names
    if node.type == "binary_expression" and text(node.child_by_field_name("operator")) == "+":
        return any(text(node.child_by_field_name(side)) in names for side in ("left", "right"))
    return False


def sensitive_logs(module: Module, event_names: set[str]) -> list[CodeIssue]:
    found: list[CodeIssue] = []
    for node in module.nodes:
        if node.type != "call_expression" or not _is_log(node):
            continue
        reason = _sensitive_argument(node, event_names)
        if reason is not None:
            found.append(CodeIssue("sensitive-log", module.loc(node),
                                   f"{reason} written to the logs", {"call": text(node)[:120]}))
    return found


def _is_log(call: Node) -> bool:
    callee = unwrap(call.child_by_field_name("function"))
    if callee is None or callee.type != "member_expression":
        return False
    obj = unwrap(callee.child_by_field_name("object"))
    return text(callee.child_by_field_name("property")) in LOG_METHODS and \
        obj is not None and text(obj).split(".")[-1] in LOGGERS


def _sensitive_argument(call: Node, event_names: set[str]) -> str | None:
    for arg in arguments(call):
        for node in walk(arg, into_functions=False):
            if node.type == "identifier" and text(node) in event_names:
                parent = node.parent
                if parent is None or parent.type not in ("member_expression",
                                                         "subscript_expression") or \
                        parent.child_by_field_name("object") != node:
                    return "the whole event"
                prop = _key(parent)
                if prop == "headers" and not _accessed(parent):
                    return "the request headers"
            if node.type in ("member_expression", "subscript_expression"):
                key = _key(node)
                if key is not None and sensitive_name(key) and not _accessed(node):
                    return f"a {key.lower()} value"
            if node.type in ("shorthand_property_identifier", "identifier") and \
                    sensitive_name(text(node)) and node.parent is not None and \
                    node.parent.type in ("arguments", "object", "template_substitution"):
                return f"a {text(node).lower()} value"
    return None


def sensitive_name(name: str) -> bool:
    """``authorization``, ``accessToken``, ``card_number``, ``x-api-key``: a name that
    holds a credential or card data; ``tokenType`` or ``cardLast4`` do not."""
    words = [w.lower() for w in WORD.findall(name)]
    if "".join(words).endswith("apikey"):
        words = [*words, "apikey"]
    marks = [i for i, w in enumerate(words) if w in SENSITIVE_WORDS]
    if not marks:
        return False
    after = words[marks[-1] + 1:]
    before = words[:marks[-1]]
    return not any(w in DESCRIPTIVE_WORDS or w.isdigit() for w in after) and \
        not any(w in FLAG_WORDS for w in before)


def _key(node: Node) -> str | None:
    if node.type == "member_expression":
        return text(node.child_by_field_name("property"))
    return string_value(node.child_by_field_name("index"))


def _accessed(node: Node) -> bool:
    """``x.headers`` used only to read a further member (``x.headers.host``) or length."""
    parent = node.parent
    return parent is not None and parent.type in ("member_expression",
                                                  "subscript_expression") and \
        parent.child_by_field_name("object") == node


def hardcoded_secrets(module: Module) -> list[CodeIssue]:
    from faasguard.secrets import Confidence, scan_text

    found: list[CodeIssue] = []
    for number, raw in enumerate(module.source.decode("utf-8", "replace").splitlines(), 1):
        if len(raw) > 2000:  # minified lines: the detector bounds itself, we skip them
            continue
        if not any(quote in raw for quote in QUOTES):  # a literal in code is quoted
            continue
        for detection in scan_text(raw, quoted_only=True):
            if detection.confidence < Confidence.MEDIUM:
                continue
            found.append(CodeIssue(
                "hardcoded-secret", module.loc_line(number),
                f"hard-coded {detection.kind} {detection.masked} ({detection.reason})",
                {"kind": detection.kind, "masked": detection.masked,
                 "confidence": str(detection.confidence),
                 "fingerprint": detection.fingerprint}))
    return found
