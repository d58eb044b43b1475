"""Code findings that are not data flows: unbounded reads (D2), error details returned to
the caller (D3), sensitive data in logs (D4) and hard-coded secrets (B3).

Each check reads the functions the handler can run (the entry function and the project
functions it calls, found as in ``taint.py``) and reports the line to change. Secrets are
looked for in every project file the handler imports, and only ever leave masked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from faasguard.code.facts import CodeIssue
from faasguard.code.handlers import HandlerRef
from faasguard.code.python.project import PythonProject, walk
from faasguard.code.python.sinks import SQL_KWARGS, SQL_METHODS
from faasguard.code.python.taint import FunctionNode, engine_for, reachable_functions
from faasguard.model import Location

_SELECT = re.compile(r"^[\s(]*(?:WITH\b.*?\)\s*)?SELECT\b(?P<columns>.*?)(?:\bFROM\b(?P<rest>.*))?$",
                     re.I | re.S)
_BOUNDED = re.compile(r"\bLIMIT\b|\bTOP\s*\(?\s*[\d?%:$]|\bFETCH\s+(?:FIRST|NEXT)\b|\bROWNUM\b",
                      re.I)
_AGGREGATE = re.compile(r"^\s*(?:COUNT|SUM|MIN|MAX|AVG|EXISTS)\s*\(", re.I)
_KEY_LOOKUP = re.compile(r"\bWHERE\b.*?(?<![\w.])(?:\w+\.)?(?:id|uuid|pk)\s*=", re.I | re.S)
"""Equality on a column named id/uuid/pk: a primary-key lookup reads one row."""
MAX_SQL = 4000
"""Longer query text is not judged: the patterns below must stay fast on any input."""
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception",
                          "critical", "fatal", "log"})
_SENSITIVE_KEY = re.compile(
    r"authorization|token|passw(?:or)?d|passwd|\bpwd\b|secret|api[-_ ]?key|cookie|"
    r"card|cvv|cvc|\bssn\b|\bpan\b|credit|iban|social[-_ ]?security|date[-_ ]?of[-_ ]?birth",
    re.I)
_SENSITIVE_WORDS = frozenset({"token", "password", "passwd", "pwd", "secret", "authorization",
                              "cvv", "cvc", "ssn", "pan", "card", "iban", "cookie", "credentials",
                              "apikey"})
_DESCRIPTIVE_WORDS = frozenset({"arn", "id", "name", "type", "count", "len", "length", "ttl",
                                "expiry", "expires", "url", "uri", "path", "header", "field",
                                "param", "env", "version", "hash", "mask", "masked", "last4",
                                "brand", "prefix", "kind", "format", "present", "valid"})
_FLAG_WORDS = frozenset({"has", "is", "no", "use", "uses", "should", "with", "without", "num",
                         "max", "min", "needs", "requires"})
"""``has_token``, ``is_secret``: a flag or a number about the value, not the value."""
_TRACEBACK = frozenset({"format_exc", "format_exception", "format_tb", "format_stack",
                        "extract_tb"})
_ERROR_ATTRS = frozenset({"args", "message", "msg", "response", "strerror", "__str__"})


def find_issues(project: PythonProject, handler: HandlerRef) -> list[CodeIssue]:
    # per project: issues of each function and file, shared by the handlers that reach them
    cache: dict[object, list[CodeIssue]] = project.derived.setdefault("issues", {})
    functions = reachable_functions(project, handler)
    issues: list[CodeIssue] = []
    event = None
    if functions:
        params = [*functions[0][2].args.posonlyargs, *functions[0][2].args.args]
        event = params[0].arg if params else None
    for index, (rel, path, fn) in enumerate(functions):
        entry = index == 0
        key = (path, id(fn), entry, event if entry else None)
        if key not in cache:
            cache[key] = _function_issues(project, rel, path, fn, entry=entry,
                                          event=event if entry else None)
        issues.extend(cache[key])
    for path in project.reachable(handler.file):
        if path not in cache:
            cache[path] = list(_secrets(project, path))
        issues.extend(cache[path])
    unique: dict[tuple[str, Location], CodeIssue] = {}
    for issue in issues:
        unique.setdefault((issue.kind, issue.loc), issue)
    return sorted(unique.values(), key=lambda i: (i.loc.file, i.loc.line or 0, i.kind))


def _function_issues(project: PythonProject, rel: str, path: Path, fn: FunctionNode, *,
                     entry: bool, event: str | None) -> list[CodeIssue]:
    engine = engine_for(project)
    module = engine.module(path)
    constants = module.constants if module is not None else {}
    nodes = engine.nodes(fn)
    found = [*_unbounded_selects(rel, fn, nodes, constants),
             *_error_leaks(rel, fn, nodes, entry=entry),
             *_sensitive_logs(rel, fn, nodes, event)]
    if module is not None and "boto3" in module.top_modules:
        found.extend(_table_scans(rel, fn, nodes))
    return found


# --- walking ---------------------------------------------------------------------------


def _attr(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _keyword(node: ast.Call, *names: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg in names), None)


# --- D2: unbounded reads -----------------------------------------------------------------


def _assignments(nodes: list[ast.AST]) -> dict[str, list[tuple[int, ast.expr]]]:
    found: dict[str, list[tuple[int, ast.expr]]] = {}
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append((node.lineno, node.value))
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            # ``sql += " LIMIT 10"``: the text grows; keep the addition as one expression
            earlier = found.get(node.target.id, [])
            if earlier:
                combined = ast.BinOp(earlier[-1][1], ast.Add(), node.value)
                found[node.target.id].append((node.lineno, combined))
    return found


def _sql_text(node: ast.expr, line: int, assigns: dict[str, list[tuple[int, ast.expr]]],
              constants: dict[str, ast.expr], depth: int = 0) -> str | None:
    """The text of a query as far as it is written in the code; "?" for values."""
    if depth > 6:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts = [p.value if isinstance(p, ast.Constant) and isinstance(p.value, str) else "?"
                 for p in node.values]
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _sql_text(node.left, line, assigns, constants, depth + 1)
        right = _sql_text(node.right, line, assigns, constants, depth + 1)
        if left is None and right is None:
            return None
        return (left or "?") + (right or "?")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _sql_text(node.left, line, assigns, constants, depth + 1)
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return _sql_text(node.func.value, line, assigns, constants, depth + 1)
        if _attr(node.func) == "text" and node.args:  # sqlalchemy.text("...")
            return _sql_text(node.args[0], line, assigns, constants, depth + 1)
        return None
    if isinstance(node, ast.Name):
        earlier = [value for at, value in assigns.get(node.id, []) if at <= line]
        if earlier:
            return _sql_text(earlier[-1], line, assigns, constants, depth + 1)
        if node.id in constants:
            return _sql_text(constants[node.id], line, assigns, constants, depth + 1)
    return None


def unbounded_select(sql: str) -> bool:
    """A SELECT that reads rows from a table with no row limit (aggregates excepted)."""
    text = _SQL_COMMENT.sub(" ", sql[:MAX_SQL])
    match = _SELECT.match(text)
    if match is None or match.group("rest") is None:
        return False  # not a SELECT, or no FROM: a constant or function call
    if _BOUNDED.search(text) or _KEY_LOOKUP.search(text):
        return False
    columns = _split_columns(match.group("columns"))
    return not (columns and all(_AGGREGATE.match(c) for c in columns)
                and not re.search(r"\bGROUP\s+BY\b", match.group("rest"), re.I))


def _split_columns(columns: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current = ""
    for char in columns:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip() and p.strip().upper() != "DISTINCT"]


def _unbounded_selects(rel: str, fn: FunctionNode, nodes: list[ast.AST],
                       constants: dict[str, ast.expr]) -> Iterator[CodeIssue]:
    assigns = _assignments(nodes)
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        name = _attr(node.func)
        if not ((isinstance(node.func, ast.Attribute) and name in SQL_METHODS)
                or name in ("read_sql", "read_sql_query")):
            continue
        query = node.args[0] if node.args else _keyword(node, *SQL_KWARGS)
        if query is None:
            continue
        sql = _sql_text(query, node.lineno, assigns, constants)
        if sql is not None and unbounded_select(sql):
            shown = " ".join(sql.split())
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            yield CodeIssue("unbounded-select", Location(rel, node.lineno),
                            f"{fn.name}() runs a SELECT without LIMIT: {shown!r}",
                            {"sql": shown, "function": fn.name})


def _table_scans(rel: str, fn: FunctionNode, nodes: list[ast.AST]) -> Iterator[CodeIssue]:
    scan_paginators: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign) and _is_scan_paginator(node.value):
            scan_paginators.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "scan" and _keyword(node, "Limit") is None \
                and _keyword(node, "Segment") is None:
            yield CodeIssue("table-scan", Location(rel, node.lineno),
                            f"{fn.name}() scans a whole DynamoDB table (no Limit)",
                            {"function": fn.name})
        elif node.func.attr == "paginate" and (
                _is_scan_paginator(node.func.value)
                or (isinstance(node.func.value, ast.Name) and node.func.value.id in scan_paginators)):
            config = _keyword(node, "PaginationConfig")
            bounded = isinstance(config, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value == "MaxItems" for k in config.keys)
            if not bounded:
                yield CodeIssue("table-scan", Location(rel, node.lineno),
                                f"{fn.name}() pages through a whole DynamoDB table "
                                "(Scan paginator without MaxItems)", {"function": fn.name})


def _is_scan_paginator(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and _attr(node.func) == "get_paginator"
            and bool(node.args) and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "scan")


# --- D3: error details in responses --------------------------------------------------------


def _leak(node: ast.AST, errors: set[str], leaky: set[str]) -> ast.AST | None:
    """The part of an expression that carries exception text, if any."""
    for sub in walk(node):
        if isinstance(sub, ast.Call):
            name = _attr(sub.func)
            if name in _TRACEBACK:
                return sub
            if name in ("type", "isinstance", "getattr") and sub.args \
                    and isinstance(sub.args[0], ast.Name) and sub.args[0].id in errors:
                return None  # the exception's class name is not its text
        if isinstance(sub, ast.Name) and (sub.id in errors or sub.id in leaky):
            return sub
    return None


def _response_like(value: ast.expr) -> bool:
    if isinstance(value, ast.Tuple) and value.elts:
        value = value.elts[0]
    if isinstance(value, ast.Dict):
        keys = {k.value for k in value.keys if isinstance(k, ast.Constant)}
        return bool(keys & {"body", "statusCode", "error", "message", "errorMessage"})
    if isinstance(value, ast.Call):
        name = _attr(value.func) or ""
        return name in ("dumps", "jsonify", "make_response", "Response", "JSONResponse")
    return False


def _error_leaks(rel: str, fn: FunctionNode, nodes: list[ast.AST], *, entry: bool
                 ) -> Iterator[CodeIssue]:
    errors: set[str] = set()
    leaky: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ExceptHandler) and node.name:
            errors.add(node.name)
        elif isinstance(node, ast.Assign) and _leak(node.value, errors, leaky) is not None:
            leaky.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.Return) and node.value is not None:
            if not (entry or _response_like(node.value)):
                continue
            found = _leak(node.value, errors, leaky)
            if found is not None:
                what = _describe_leak(found)
                yield CodeIssue("error-leak", Location(rel, getattr(found, "lineno", node.lineno)),
                                f"{fn.name}() returns {what} to the caller",
                                {"function": fn.name, "expression": what})


def _describe_leak(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return "a traceback"
    name = node.id if isinstance(node, ast.Name) else "it"
    return f"exception text ({name})"


# --- D4: sensitive data in logs ---------------------------------------------------------


def _is_log_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in ("print", "log", "log_info", "log_debug")
    if isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS:
        try:
            receiver = ast.unparse(func.value).lower()
        except (ValueError, TypeError, RecursionError):
            return False
        return "log" in receiver
    return False


def _sensitive_name(name: str) -> bool:
    words = [w for w in re.split(r"_|(?<=[a-z])(?=[A-Z])", name.strip("_")) if w]
    words = [w.lower() for w in words]
    if not words or words[-1] in _DESCRIPTIVE_WORDS or words[0] in _FLAG_WORDS:
        return False
    joined = "".join(words)
    return bool(set(words) & _SENSITIVE_WORDS) or joined in ("apikey", "accesstoken",
                                                              "creditcard", "cardnumber")


def _sensitive_part(arg: ast.expr, event: str | None) -> str | None:
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(arg):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(arg):
        if isinstance(node, ast.Name) and event is not None and node.id == event:
            parent = parents.get(id(node))
            read = isinstance(parent, ast.Subscript | ast.Attribute) and parent.value is node
            if not read:
                return "the whole event"
            key = _key_of(parent) if parent is not None else None
            if parent is not None and key is not None \
                    and key.lower() in ("headers", "multivalueheaders"):
                grand = parents.get(id(parent))
                if not (isinstance(grand, ast.Subscript | ast.Attribute)
                        and grand.value is parent) and not _is_get(grand, parent):
                    return "all request headers"
        if isinstance(node, ast.Subscript | ast.Call):
            key = _key_of(node)
            if key is not None and _SENSITIVE_KEY.search(key) and not _descriptive(key):
                return f"{key!r}"
        if isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            parent = parents.get(id(node))
            if isinstance(parent, ast.Call) and parent.func is node:
                continue
            if _sensitive_name(name):
                return name
    return None


def _descriptive(key: str) -> bool:
    words = re.split(r"[-_ ]|(?<=[a-z])(?=[A-Z])", key)
    return bool(words) and words[-1].lower() in _DESCRIPTIVE_WORDS


def _is_get(node: ast.AST | None, receiver: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.value is receiver and node.attr == "get")


def _key_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Attribute):
        return node.attr if node.attr not in ("get",) else None
    if isinstance(node, ast.Call) and _attr(node.func) == "get" and node.args \
            and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def _sensitive_logs(rel: str, fn: FunctionNode, nodes: list[ast.AST], event: str | None
                    ) -> Iterator[CodeIssue]:
    for decorator in fn.decorator_list:
        if isinstance(decorator, ast.Call) and _attr(decorator.func) == "inject_lambda_context":
            flag = _keyword(decorator, "log_event")
            if isinstance(flag, ast.Constant) and flag.value is True:
                yield CodeIssue("sensitive-log", Location(rel, decorator.lineno),
                                f"{fn.name}() logs the whole event (log_event=True)",
                                {"function": fn.name, "data": "the whole event"})
    for node in nodes:
        if not isinstance(node, ast.Call) or not _is_log_call(node):
            continue
        values = [*node.args, *(k.value for k in node.keywords
                                if k.arg not in ("exc_info", "stack_info", "level"))]
        for value in values:
            what = _sensitive_part(value, event)
            if what is not None:
                yield CodeIssue("sensitive-log", Location(rel, node.lineno),
                                f"{fn.name}() writes {what} to the logs",
                                {"function": fn.name, "data": what})
                break


# --- B3: secrets in code ---------------------------------------------------------------------


_BODIES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_SECRET_NODES = frozenset({*_BODIES, ast.Constant, ast.Assign, ast.AnnAssign, ast.Call,
                           ast.Dict, ast.arguments})
"""The node types the secrets pass reads."""


def _secrets(project: PythonProject, path: Path) -> Iterator[CodeIssue]:
    from faasguard.secrets import Confidence, detect

    tree = project.parse(path)
    if tree is None:
        return
    rel = project.rel(path)
    judged: set[int] = set()

    def pairs() -> Iterator[tuple[str | None, ast.Constant]]:
        """Named literals first (a name makes a finding surer), then every other string."""
        loose: list[ast.Constant] = []
        docstrings: set[int] = set()
        for node in project.nodes(path):
            if type(node) not in _SECRET_NODES:
                continue  # most nodes: one set lookup instead of the tests below
            if isinstance(node, _BODIES) and node.body and isinstance(node.body[0], ast.Expr):
                docstrings.add(id(node.body[0].value))
            if isinstance(node, ast.Constant):
                if isinstance(node.value, str) and len(node.value) >= 6:
                    loose.append(node)
            elif isinstance(node, ast.Assign | ast.AnnAssign) \
                    and isinstance(node.value, ast.Constant):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = target.id if isinstance(target, ast.Name) else (
                        target.attr if isinstance(target, ast.Attribute) else None)
                    if name:
                        yield name, node.value
            elif isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg and isinstance(keyword.value, ast.Constant):
                        yield keyword.arg, keyword.value
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str) \
                            and isinstance(value, ast.Constant):
                        yield key.value, value
            elif isinstance(node, ast.arguments):
                named = [*node.posonlyargs, *node.args]
                for arg, default in zip(named[len(named) - len(node.defaults):], node.defaults,
                                        strict=True):
                    if isinstance(default, ast.Constant):
                        yield arg.arg, default
        for constant in loose:
            if id(constant) not in docstrings:
                yield None, constant

    for name, constant in pairs():
        if id(constant) in judged or not isinstance(constant.value, str):
            continue
        detection = detect(name, constant.value)
        if detection is None or detection.confidence < Confidence.MEDIUM:
            continue
        judged.add(id(constant))
        where = f"{name} " if name else ""
        yield CodeIssue("hardcoded-secret", Location(rel, constant.lineno),
                        f"hard-coded {detection.kind} {where}in code ({detection.masked})",
                        {"kind": detection.kind, "masked": detection.masked,
                         "confidence": str(detection.confidence), "reason": detection.reason})
