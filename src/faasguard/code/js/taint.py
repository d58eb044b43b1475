"""Event data to dangerous calls in JavaScript/TypeScript handlers (D1).

The handler's first parameter (the event) is the source. Statements are walked in
order; a variable carries a ``Taint`` (the path from the event) or nothing. Data
moves through assignments, destructuring, template literals, ``+``, object and array
literals, spread, ``await``, ``.then``/``.map`` callbacks, modelled library calls
(``JSON.parse``, ``path.join``, ...), methods of tainted strings, and calls into
project functions (analysed with the caller's tainted arguments, across modules,
``MAX_CALL_DEPTH`` deep). Sanitisers end it: number conversions, escaping and quoting
helpers, ``path.basename``, and ``if`` checks (allow-lists, ``regex.test``, ``validator``,
``startsWith`` root checks) that guard the use or return/throw before it.

Expressions are evaluated recursively up to ``MAX_EXPR_DEPTH``: deeper nesting is cut
off (treated as clean) rather than risking Python's recursion limit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from faasguard.code.facts import FlowStep, TaintFlow
from faasguard.code.js import sinks
from faasguard.code.js.names import method_name, qualify, receiver
from faasguard.code.js.parse import (
    FUNCTION_TYPES,
    arguments,
    object_properties,
    property_name,
    string_value,
    text,
    unwrap,
    walk,
)
from faasguard.code.js.project import JsProject, Module
from faasguard.model import Location

if TYPE_CHECKING:
    from dataclasses import dataclass

    from tree_sitter import Node
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

MAX_CALL_DEPTH = 6
MAX_EXPR_DEPTH = 150
MAX_STMT_DEPTH = 120
MAX_NESTING = 220
"""Open statements + expressions at once, callbacks and callees included: each costs a
few Python frames, so this keeps the walk well inside the recursion limit."""
MAX_ANALYSES = 3000
"""Function bodies analysed per handler, whatever the call graph looks like."""
FIXED_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]+[/?#]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Taint:
    source: str
    steps: tuple[FlowStep, ...]
    fixed_host: bool = False
    """The value is a URL whose scheme and host come from the code (only its path or
    query is event data): not server-side request forgery."""

    def then(self, loc: Location, note: str) -> Taint:
        if len(self.steps) >= 40:  # keep paths readable in loops and long chains
            return self
        return Taint(self.source, (*self.steps, FlowStep(loc, note)), self.fixed_host)


Env = dict[str, Taint]
"""Variable name -> its taint. A dotted key (``q.mode``) maps to ``CLEAN`` when an
``if`` check vetted that member of a tainted object."""
CLEAN = Taint("", ())


@dataclass(slots=True)
class Frame:
    """One function being analysed."""

    module: Module
    function: Node
    depth: int
    returns: list[Taint]


class TaintAnalysis:
    def __init__(self, project: JsProject, modules: list[Module]) -> None:
        self.project = project
        self.modules = modules
        """The modules reachable from the handler."""
        self.flows: dict[tuple[str, int | None, str], TaintFlow] = {}
        self._summaries: dict[tuple[int, tuple[int, ...]], bool] = {}
        self._active: set[tuple[int, tuple[int, ...]]] = set()
        self._analyses = 0
        self._nesting = 0
        """Statements and expressions being evaluated right now, over all frames."""
        self._module_flags: dict[str, frozenset[str]] = {}
        self._new_fields: dict[int, dict[str, Taint]] = {}
        """``new`` expression -> the fields its constructor stored event data in."""

    # --- entry -----------------------------------------------------------------------

    def run_handler(self, module: Module, function: Node) -> None:
        env: Env = {}
        params = parameters(function)
        if params:
            for name in bound_names(params[0]):
                env[name] = Taint(name, (FlowStep(module.loc(params[0]),
                                                  f"handler parameter {name}"),))
        self._analyse(module, function, env, 0)

    def _analyse(self, module: Module, function: Node, env: Env, depth: int) -> Taint | None:
        if self._analyses >= MAX_ANALYSES:
            return None
        self._analyses += 1
        frame = Frame(module, function, depth, [])
        body = function.child_by_field_name("body")
        if body is None:
            return None
        if body.type == "statement_block":
            self._block(body.named_children, env, frame, 0)
        else:
            result = self.eval(body, env, frame, 0)
            if result is not None:
                frame.returns.append(result)
        return frame.returns[0] if frame.returns else None

    # --- statements ------------------------------------------------------------------

    def _block(self, statements: list[Node], env: Env, frame: Frame, depth: int) -> None:
        for statement in statements:
            self._statement(statement, env, frame, depth + 1)

    def _statement(self, node: Node, env: Env, frame: Frame, depth: int) -> None:
        if depth > MAX_STMT_DEPTH or self._nesting > MAX_NESTING:
            return
        self._nesting += 1
        try:
            self._statement_kind(node, env, frame, depth)
        finally:
            self._nesting -= 1

    def _statement_kind(self, node: Node, env: Env, frame: Frame, depth: int) -> None:
        kind = node.type
        if kind in ("lexical_declaration", "variable_declaration"):
            for declarator in node.named_children:
                if declarator.type != "variable_declarator":
                    continue
                value = declarator.child_by_field_name("value")
                pattern = declarator.child_by_field_name("name")
                if value is None or pattern is None:
                    continue
                self._bind(pattern, self.eval(value, env, frame, 0), env, frame)
                self._bind_fields(pattern, value, env)
        elif kind == "expression_statement":
            for child in node.named_children:
                self.eval(child, env, frame, 0)
        elif kind == "return_statement":
            for child in node.named_children:
                result = self.eval(child, env, frame, 0)
                if result is not None:
                    frame.returns.append(result.then(frame.module.loc(node), "returned"))
        elif kind == "throw_statement":
            for child in node.named_children:
                self.eval(child, env, frame, 0)
        elif kind == "if_statement":
            self._if(node, env, frame, depth)
        elif kind == "statement_block":
            self._block(node.named_children, env, frame, depth)
        elif kind == "for_in_statement":
            right = node.child_by_field_name("right")
            left = node.child_by_field_name("left")
            taint = self.eval(right, env, frame, 0) if right is not None else None
            if left is not None:
                self._bind(left, taint, env, frame)
            self._body(node, env, frame, depth)
        elif kind in ("for_statement", "while_statement", "do_statement"):
            for field in ("initializer", "condition", "increment"):
                part = node.child_by_field_name(field)
                if part is not None:
                    self._statement_or_expr(part, env, frame, depth)
            self._body(node, env, frame, depth)
        elif kind == "try_statement":
            for field in ("body", "handler", "finalizer"):
                part = node.child_by_field_name(field)
                if part is None:
                    continue
                block = part.child_by_field_name("body") if part.type in (
                    "catch_clause", "finally_clause") else part
                if block is not None:
                    self._block(block.named_children, env, frame, depth)
        elif kind == "switch_statement":
            value = node.child_by_field_name("value")
            if value is not None:
                self.eval(value, env, frame, 0)
            body = node.child_by_field_name("body")
            merged = dict(env)
            for case in body.named_children if body is not None else []:
                case_env = dict(env)  # a case runs on what came before the switch
                self._block([c for c in case.named_children
                             if c != case.child_by_field_name("value")], case_env, frame,
                            depth)
                merged.update(case_env)
            env.update(merged)
        elif kind == "labeled_statement":
            self._body(node, env, frame, depth)
        elif kind in ("export_statement",):
            declaration = node.child_by_field_name("declaration")
            if declaration is not None:
                self._statement(declaration, env, frame, depth)

    def _statement_or_expr(self, node: Node, env: Env, frame: Frame, depth: int) -> None:
        if node.type.endswith(("statement", "declaration")):
            self._statement(node, env, frame, depth)
        else:
            self.eval(node, env, frame, 0)

    def _body(self, node: Node, env: Env, frame: Frame, depth: int) -> None:
        body = node.child_by_field_name("body")
        if body is not None:
            self._statement(body, env, frame, depth + 1)

    def _if(self, node: Node, env: Env, frame: Frame, depth: int) -> None:
        condition = node.child_by_field_name("condition")
        consequence = node.child_by_field_name("consequence")
        alternative = node.child_by_field_name("alternative")
        if condition is not None:
            self.eval(condition, env, frame, 0)
        checked, positive = checked_names(condition, frame.module)
        then_env = dict(env)
        else_env = dict(env)
        for name in checked:
            vetted = then_env if positive else else_env
            if "." in name:
                vetted[name] = CLEAN
            else:
                vetted.pop(name, None)
        if consequence is not None:
            self._statement(consequence, then_env, frame, depth + 1)
        if alternative is not None:
            for part in alternative.named_children:
                self._statement(part, else_env, frame, depth + 1)
        if consequence is not None and terminates(consequence):
            merged = else_env
        elif alternative is not None and terminates(alternative):
            merged = then_env
        else:
            merged = {}
            for name in set(then_env) | set(else_env):
                first, second = then_env.get(name), else_env.get(name)
                if first is not None and first is not CLEAN:
                    merged[name] = first
                elif second is not None and second is not CLEAN:
                    merged[name] = second
                elif first is CLEAN and second is CLEAN:
                    merged[name] = CLEAN
        env.clear()
        env.update(merged)

    def _bind_fields(self, pattern: Node, value: Node, env: Env) -> None:
        """``const job = new Job(event.body)``: what the constructor stored in ``this``
        becomes ``job``'s fields."""
        made = unwrap(value)
        if made is not None and made.type == "await_expression" and made.named_children:
            made = unwrap(made.named_children[0])
        if pattern.type != "identifier" or made is None:
            return
        name = text(pattern)
        for key in [k for k in env if k.startswith(f"{name}.")]:
            del env[key]
        for field_name, taint in self._new_fields.get(made.id, {}).items():
            env[f"{name}.{field_name}"] = taint

    def _bind(self, pattern: Node, taint: Taint | None, env: Env, frame: Frame) -> None:
        for name in bound_names(pattern):
            if taint is None:
                env.pop(name, None)
            else:
                env[name] = taint.then(frame.module.loc(pattern), f"assigned to {name}")

    # --- expressions -----------------------------------------------------------------

    def eval(self, node: Node | None, env: Env, frame: Frame, depth: int) -> Taint | None:
        if node is None or depth > MAX_EXPR_DEPTH or self._nesting > MAX_NESTING:
            return None
        self._nesting += 1
        try:
            return self._expression(node, env, frame, depth)
        finally:
            self._nesting -= 1

    def _expression(self, node: Node, env: Env, frame: Frame, depth: int) -> Taint | None:
        kind = node.type
        deeper = depth + 1
        if kind == "identifier":
            found = env.get(text(node))
            return None if found is CLEAN else found
        if kind in ("parenthesized_expression", "await_expression", "as_expression",
                    "non_null_expression", "satisfies_expression", "spread_element",
                    "type_assertion", "template_substitution"):
            result = None
            for child in node.named_children:
                found = self.eval(child, env, frame, deeper)
                result = result or found
            return result
        if kind == "member_expression":
            field_taint = env.get(text(node))
            if field_taint is CLEAN:
                return None
            if field_taint is not None:  # this.cmd / job.cmd: a field stored before
                return field_taint
            taint = self.eval(node.child_by_field_name("object"), env, frame, deeper)
            prop = text(node.child_by_field_name("property"))
            if taint is None or prop == "length":
                return None
            if len(taint.steps) == 1:  # first read off the event names the source
                return Taint(text(node)[:80], taint.steps, taint.fixed_host).then(
                    frame.module.loc(node), f"{text(node)[:80]} read")
            return taint
        if kind == "subscript_expression":
            self.eval(node.child_by_field_name("index"), env, frame, deeper)
            return self.eval(node.child_by_field_name("object"), env, frame, deeper)
        if kind == "call_expression":
            return self._call(node, env, frame, deeper)
        if kind == "new_expression":
            return self._new(node, env, frame, deeper)
        if kind == "template_string":
            parts = [self.eval(c, env, frame, deeper) for c in node.named_children
                     if c.type == "template_substitution"]
            part = next((t for t in parts if t is not None), None)
            if part is not None and self._fixed_host(node, frame):
                return Taint(part.source, part.steps, True)
            return part
        if kind == "binary_expression":
            operator = text(node.child_by_field_name("operator"))
            left = self.eval(node.child_by_field_name("left"), env, frame, deeper)
            right = self.eval(node.child_by_field_name("right"), env, frame, deeper)
            if operator == "+":
                joined = left or right
                if joined is not None and left is None and self._fixed_host(node, frame):
                    return Taint(joined.source, joined.steps, True)
                return joined
            if operator in ("||", "??", "&&"):
                return right if operator == "&&" else (left or right)
            return None
        if kind == "ternary_expression":
            self.eval(node.child_by_field_name("condition"), env, frame, deeper)
            return (self.eval(node.child_by_field_name("consequence"), env, frame, deeper)
                    or self.eval(node.child_by_field_name("alternative"), env, frame,
                                 deeper))
        if kind in ("object", "array"):
            return self._container(node, env, frame, deeper)
        if kind == "assignment_expression":
            return self._assign(node, env, frame, deeper)
        if kind == "augmented_assignment_expression":
            target = node.child_by_field_name("left")
            added = self.eval(node.child_by_field_name("right"), env, frame, deeper)
            if target is not None and target.type == "identifier" and added is not None:
                env[text(target)] = added.then(frame.module.loc(node),
                                               f"added to {text(target)}")
            return added or self.eval(target, env, frame, deeper)
        if kind == "sequence_expression":
            result = None
            for child in node.named_children:
                result = self.eval(child, env, frame, deeper)
            return result
        if kind in FUNCTION_TYPES:
            # A callback defined here runs later with what it closes over.
            self._analyse_nested(node, dict(env), frame, None)
            return None
        if kind in ("unary_expression", "update_expression"):
            for child in node.named_children:
                self.eval(child, env, frame, deeper)
            return None
        return None

    def _container(self, node: Node, env: Env, frame: Frame, depth: int) -> Taint | None:
        result: Taint | None = None
        for child in node.named_children:
            if child.type == "pair":
                value = child.child_by_field_name("value")
                taint = self.eval(value, env, frame, depth)
                key = property_name(child.child_by_field_name("key"))
                if taint is not None and key is not None:
                    self._object_key_sink(key, child, taint, frame)
            elif child.type == "shorthand_property_identifier":
                taint = env.get(text(child))
                if taint is not None:
                    self._object_key_sink(text(child), child, taint, frame)
            elif child.type == "method_definition":
                continue
            else:
                taint = self.eval(child, env, frame, depth)
            result = result or taint
        return result

    def _assign(self, node: Node, env: Env, frame: Frame, depth: int) -> Taint | None:
        left = node.child_by_field_name("left")
        taint = self.eval(node.child_by_field_name("right"), env, frame, depth)
        if left is None:
            return taint
        if left.type in ("identifier", "object_pattern", "array_pattern"):
            self._bind(left, taint, env, frame)
        elif left.type == "member_expression" and taint is None and _plain_path(left, this=True):
            env.pop(text(left), None)  # this.cmd = 'uptime' replaces what it held
        elif left.type in ("member_expression", "subscript_expression") and taint is not None:
            if left.type == "member_expression" and _plain_path(left, this=True):
                env[text(left)] = taint.then(frame.module.loc(node), f"stored in {text(left)}")
            base = left
            while base.type in ("member_expression", "subscript_expression"):
                base = base.child_by_field_name("object") or base
                if base.type not in ("member_expression", "subscript_expression"):
                    break
            if base.type == "identifier":  # obj.x = tainted taints obj (weakly)
                env[text(base)] = taint.then(frame.module.loc(node), f"stored in {text(left)}")
        return taint

    def _fixed_host(self, node: Node, frame: Frame) -> bool:
        """Whether a template or ``+`` chain starts with a literal ``scheme://host/``."""
        first = node
        while first.type == "binary_expression":
            first = first.child_by_field_name("left") or first
        if first.type == "template_string":
            head = first.named_children[0] if first.named_children else None
            if head is None:
                return False
            if head.type == "template_substitution":
                inner = head.named_children[0] if head.named_children else None
                return inner is not None and self._configured_base(inner, frame)
            return bool(FIXED_HOST.match(text(head)))
        if self._configured_base(first, frame):
            return True
        literal = string_value(first)
        return literal is not None and bool(FIXED_HOST.match(literal))

    def _configured_base(self, node: Node, frame: Frame) -> bool:
        """``process.env.API_URL`` or a module constant holding a URL literal."""
        node = unwrap(node) or node
        if text(node).startswith("process.env"):
            return True
        if node.type == "identifier":
            value = frame.module.values.get(text(node))
            literal = string_value(value)
            if literal is not None and "://" in literal:
                return True
            return value is not None and text(value).startswith("process.env")
        return False

    # --- calls -----------------------------------------------------------------------

    def _call(self, node: Node, env: Env, frame: Frame, depth: int) -> Taint | None:
        module = frame.module
        args = arguments(node)
        callee = unwrap(node.child_by_field_name("function"))
        name = self._sink_name(module, callee)
        method = method_name(node)
        recv = receiver(node)
        recv_taint = self.eval(recv, env, frame, depth) if recv is not None else None
        if callee is not None and callee.type not in ("member_expression", "identifier"):
            self.eval(callee, env, frame, depth)
        taints = [None if a.type in FUNCTION_TYPES else self.eval(a, env, frame, depth)
                  for a in args]
        self._check_sink(node, name, method, recv, args, taints, env, frame)
        if method in sinks.ITERATORS:
            return self._iterate(node, method, args, recv_taint, env, frame)
        for arg in args:  # callbacks given to anything else still run with the closure
            if arg.type in FUNCTION_TYPES:
                self._analyse_nested(arg, dict(env), frame, None)
        if name is not None and (name in sinks.SANITIZERS or
                                 name.split(".")[0] in sinks.SANITIZER_MODULES):
            return None
        if method in sinks.SANITIZER_METHODS:
            return None
        target = self._project_function(callee, frame)
        if target is not None:
            made = unwrap(callee.child_by_field_name("object")) \
                if callee is not None and callee.type == "member_expression" else None
            # a method of an object of a project class sees and updates its fields
            on_object = self.project.instance_class(module, made) is not None
            owner, call_env = (_object_prefix(callee) if on_object else None), env
            if made is not None and made.id in self._new_fields:  # new Job(x).run()
                owner = NEW_OBJECT
                call_env = {NEW_OBJECT + k: t for k, t in self._new_fields[made.id].items()}
            return self._into(node, target, taints, call_env, frame, owner)
        if name is not None and sinks.propagates(name):
            taint = next((t for t in taints if t is not None), None)
            return taint.then(module.loc(node), f"through {name}()") if taint else None
        if recv_taint is not None:  # methods of event data: body.trim(), s.split(',')
            return recv_taint
        if method in sinks.JOINING_METHODS:
            joined = next((t for t in taints if t is not None), None)
            if joined is not None and recv is not None and recv.type == "identifier" and \
                    method in ("push", "unshift", "append", "set"):
                env[text(recv)] = joined.then(module.loc(node), f"added to {text(recv)}")
            return joined
        return None

    def _new(self, node: Node, env: Env, frame: Frame, depth: int) -> Taint | None:
        args = arguments(node)
        taints = [self.eval(a, env, frame, depth) for a in args]
        name = self._sink_name(frame.module, node.child_by_field_name("constructor"))
        self._check_sink(node, name, None, None, args, taints, env, frame)
        if name in ("URL", "url.URL", "URLSearchParams", "String", "Buffer"):
            return next((t for t in taints if t is not None), None)
        made = self.project.class_of(frame.module, node.child_by_field_name("constructor"))
        constructor = self.project.method(*made, "constructor") if made is not None else None
        if constructor is None:
            return None
        fields: Env = {}
        self._into(node, constructor, taints, fields, frame, NEW_OBJECT)
        stored = {key[len(NEW_OBJECT):]: taint for key, taint in fields.items()
                  if key.startswith(NEW_OBJECT) and taint is not CLEAN}
        if stored:
            self._new_fields[node.id] = stored
        return next(iter(stored.values()), None)  # the object holds event data

    def _sink_name(self, module: Module, callee: Node | None) -> str | None:
        name = qualify(module, callee)
        if name is None:
            return None
        callee = unwrap(callee)
        if callee is not None and callee.type == "identifier":  # util.promisify(exec)
            value = unwrap(module.values.get(text(callee)))
            if value is not None and value.type == "call_expression" and (
                    qualify(module, value.child_by_field_name("function")) or ""
            ).endswith("promisify"):
                inner = arguments(value)
                name = qualify(module, inner[0]) if inner else name
        return normalise(name) if name else None

    def _iterate(self, node: Node, method: str | None, args: list[Node],
                 recv_taint: Taint | None, env: Env, frame: Frame) -> Taint | None:
        result = recv_taint if method not in ("some", "every") else None
        for index, arg in enumerate(args):
            if arg.type not in FUNCTION_TYPES:
                continue
            # reduce's callback gets the element second; others first
            position = 1 if method == "reduce" else 0
            param_taint = recv_taint if method != "catch" else None
            returned = self._analyse_nested(arg, dict(env), frame,
                                            (position, param_taint) if param_taint else None)
            if method == "then" and index == 0:
                result = returned
        return result

    def _analyse_nested(self, function: Node, env: Env, frame: Frame,
                        tainted_param: tuple[int, Taint] | None) -> Taint | None:
        params = parameters(function)
        for index, param in enumerate(params):
            for name in bound_names(param):
                env.pop(name, None)
                if tainted_param is not None and tainted_param[0] == index:
                    env[name] = tainted_param[1].then(frame.module.loc(param),
                                                      f"callback parameter {name}")
        return self._analyse(frame.module, function, env, frame.depth)

    def _project_function(self, callee: Node | None,
                          frame: Frame) -> tuple[Module, Node] | None:
        module = frame.module
        if callee is None:
            return None
        if callee.type == "identifier":
            return self.project.function_of(module, callee)
        if callee.type == "member_expression":
            obj = unwrap(callee.child_by_field_name("object"))
            prop = text(callee.child_by_field_name("property"))
            made = self.project.instance_class(module, obj) or self.project.class_of(module, obj)
            if made is not None:  # this.run(), job.run(), new Job().run(), Job.create()
                return self.project.method(made[0], made[1], prop)
            if obj is None or obj.type != "identifier":
                return None
            imp = module.imports.get(text(obj))
            if imp is not None and imp.name is None:
                path = self.project.resolve(module.path, imp.spec)
                other = self.project.module(path) if path else None
                return self.project.export(other, prop) if other is not None else None
            value = unwrap(module.values.get(text(obj)))
            if value is not None and value.type == "object":  # const utils = { f() {} }
                props = object_properties(value)
                if prop in props:
                    return self.project.function_of(module, props[prop])
        return None

    def _into(self, call: Node, target: tuple[Module, Node], taints: list[Taint | None],
              env: Env, frame: Frame, owner: str | None = None) -> Taint | None:
        """Analyse a project function with the caller's tainted arguments. A method
        called on an object (``owner``: "this." or "job.") also sees the fields stored in
        it, and what it stores in ``this`` comes back to the caller's object."""
        module, function = target
        tainted = tuple(i for i, t in enumerate(taints) if t is not None)
        name = text(call.child_by_field_name("function")
                    or call.child_by_field_name("constructor"))[:60]
        key = (function.id, tainted)
        closure = function.start_byte >= frame.function.start_byte and \
            function.end_byte <= frame.function.end_byte and module is frame.module
        fields = {THIS + k[len(owner):]: t for k, t in env.items()
                  if owner and k.startswith(owner) and t is not CLEAN}
        if not tainted and not closure and not fields:
            return None
        if owner is not None:
            closure = True  # the object's state is part of the input: no summary
        if key in self._summaries and not closure:
            if not self._summaries[key]:
                return None
            first = taints[tainted[0]]
            return first.then(frame.module.loc(call), f"returned from {name}()") if first \
                else None
        if key in self._active or frame.depth >= MAX_CALL_DEPTH:
            return None
        callee_env: Env = dict(env) if closure and owner is None else {}
        callee_env.update(fields)
        for index, param in enumerate(parameters(function)):
            for bound in bound_names(param):
                callee_env.pop(bound, None)
                taint = taints[index] if index < len(taints) else None
                if taint is not None:
                    callee_env[bound] = taint.then(frame.module.loc(call),
                                                   f"passed to {name}() as {bound}")
        self._active.add(key)
        try:
            returned = self._analyse(module, function, callee_env, frame.depth + 1)
        finally:
            self._active.discard(key)
        if owner is not None:  # fields the method stored in this
            for field_key, taint in callee_env.items():
                if field_key.startswith(THIS) and taint is not CLEAN:
                    env[owner + field_key[len(THIS):]] = taint
        if not closure:
            self._summaries[key] = returned is not None
        return returned.then(frame.module.loc(call), f"returned from {name}()") \
            if returned else None

    # --- sinks -----------------------------------------------------------------------

    def _check_sink(self, node: Node, name: str | None, method: str | None,
                    recv: Node | None, args: list[Node], taints: list[Taint | None],
                    env: Env, frame: Frame) -> None:
        module = frame.module
        flags = self._flags(module)
        sink = sinks.SINKS.get(name or "")
        label = text(node.child_by_field_name("function") or
                     node.child_by_field_name("constructor"))[:60]
        if sink is not None:
            positions = range(len(args)) if sinks.ANY in sink.args else sink.args
            if sink.kind == "xxe" and not _option_true(args, "noent"):
                return
            for position in positions:
                if position < len(taints) and taints[position] is not None:
                    taint = taints[position]
                    assert taint is not None
                    if sink.kind == "ssrf" and taint.fixed_host:
                        continue
                    self._report(sink.kind, f"{label}()", taint, node, frame)
                    return
            if sink.kind == "ssrf" and args and unwrap(args[0]) is not None:
                self._ssrf_options(args[0], label, node, env, frame)
            return
        if name in sinks.SPAWN:
            shell = _option_true(args, "shell")
            for position in (range(len(args)) if shell else (0,)):
                if position < len(taints) and taints[position] is not None:
                    taint = taints[position]
                    assert taint is not None
                    self._report("command", f"{label}({'shell: true' if shell else ''})",
                                 taint, node, frame)
                    return
            return
        if name in sinks.TIMERS and args and taints and taints[0] is not None and \
                args[0].type not in FUNCTION_TYPES:
            self._report("code", f"{label}(string)", taints[0], node, frame)
            return
        if name in sinks.YAML_LOADS and taints and taints[0] is not None and (
                "js-yaml<4" in flags or "DEFAULT_FULL_SCHEMA" in text(node)):
            self._report("deserialization", f"{label}()", taints[0], node, frame)
            return
        if method is None or not args or recv is None or text(recv) in ("Promise", "this"):
            return
        if "sql" in flags and method in sinks.SQL_METHODS and not _regex(recv, module):
            statement_arg = unwrap(args[0])
            if statement_arg is not None and statement_arg.type == "identifier":
                # const params = { TableName, ... }; docClient.query(params)
                bound = unwrap(module.values.get(text(statement_arg)))
                if bound is not None and bound.type == "object":
                    statement_arg = bound
            props = object_properties(statement_arg)
            statement = next((props[k] for k in sinks.SQL_TEXT_KEYS if k in props), None)
            taint = self.eval(statement, env, frame, 0) if props else taints[0]
            if taint is not None:
                self._report("sql", f"{label}()", taint, node, frame)
            return
        if "mongo" in flags and method in sinks.MONGO_METHODS and taints[0] is not None \
                and (unwrap(args[0]) or args[0]).type != "object":
            self._report("nosql", f"{label}(<query from event>)", taints[0], node, frame)

    def _ssrf_options(self, options: Node, label: str, node: Node, env: Env,
                      frame: Frame) -> None:
        """``axios({ url })``, ``http.request({ hostname })`` carry the URL inside."""
        props = object_properties(options)
        for key in ("url", "uri", "host", "hostname", "baseURL"):
            if key in props:
                taint = self.eval(props[key], env, frame, 0)
                if taint is not None and not taint.fixed_host:
                    self._report("ssrf", f"{label}({{{key}}})", taint, node, frame)
                    return

    def _object_key_sink(self, key: str, pair: Node, taint: Taint, frame: Frame) -> None:
        flags = self._flags(frame.module)
        if key in sinks.DYNAMO_EXPRESSION_KEYS and "aws" in flags:
            self._report("nosql", f"DynamoDB {key}", taint, pair, frame)
        elif key == "$where" and "mongo" in flags:
            self._report("nosql", "Mongo $where", taint, pair, frame)

    def _report(self, kind: str, sink: str, taint: Taint, node: Node, frame: Frame) -> None:
        loc = frame.module.loc(node)
        key = (loc.file, loc.line, kind)
        if key in self.flows:
            return
        steps = (*taint.steps, FlowStep(loc, f"reaches {sink}"))
        self.flows[key] = TaintFlow(kind, sink, taint.source, steps)

    def _flags(self, module: Module) -> frozenset[str]:
        """What decides ambiguous sinks: a SQL driver or Mongo client imported anywhere
        in the project (a connection is often made in one module and used in another),
        the AWS SDK or an old js-yaml imported by the module itself."""
        cached = self._module_flags.get(module.rel)
        if cached is not None:
            return cached
        project_wide: set[str] = set()
        for other in self.modules:
            specs = other.packages
            if specs & sinks.SQL_MODULES:
                project_wide.add("sql")
            if specs & sinks.MONGO_MODULES:
                project_wide.add("mongo")
        specs = module.packages
        flags = project_wide
        if specs & sinks.SQL_MODULES:
            flags.add("sql")
        if specs & sinks.MONGO_MODULES:
            flags.add("mongo")
        if any(s.startswith(sinks.AWS_MODULE_PREFIXES) for s in specs):
            flags.add("aws")
        if "js-yaml" in specs:
            major = self.project.dependency_major(module.path, "js-yaml")
            if major is not None and major < 4:
                flags.add("js-yaml<4")
        result = frozenset(flags)
        self._module_flags[module.rel] = result
        return result


THIS = "this."
NEW_OBJECT = "new."
"""The fields of an object being built, while its constructor runs."""


def _object_prefix(callee: Node | None) -> str | None:
    """``this.run`` -> "this."; ``job.run`` -> "job."; None for anything else."""
    callee = unwrap(callee)
    if callee is None or callee.type != "member_expression":
        return None
    obj = unwrap(callee.child_by_field_name("object"))
    if obj is None:
        return None
    if obj.type == "this":
        return THIS
    return f"{text(obj)}." if obj.type == "identifier" else None


def normalise(name: str) -> str:
    for prefix in ("global.", "globalThis.", "window."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    name = name.replace("fs/promises", "fs.promises").replace("node-fetch.default",
                                                                "node-fetch")
    if name.startswith(("lodash.", "underscore.")) or name in ("lodash", "underscore"):
        return name
    if name.startswith("_."):
        return "lodash." + name[2:]
    return name.replace(".default", "")


def _regex(node: Node, module: Module) -> bool:
    """``/x/.exec(s)`` or ``PATTERN.exec(s)``: a regular expression, not a database."""
    node = unwrap(node) or node
    if node.type == "identifier":
        node = unwrap(module.values.get(text(node))) or node
    return node.type == "regex" or (node.type == "new_expression" and
                                    text(node.child_by_field_name("constructor")) == "RegExp")


def _option_true(args: list[Node], key: str) -> bool:
    for arg in args:
        value = object_properties(arg).get(key)
        if value is not None and text(value) == "true":
            return True
    return False


def parameters(function: Node) -> list[Node]:
    params = function.child_by_field_name("parameters")
    if params is None:
        single = function.child_by_field_name("parameter")  # x => ...
        return [single] if single is not None else []
    return [p for p in params.named_children if p.type != "comment"]


def bound_names(pattern: Node) -> list[str]:
    """Every name a parameter or binding pattern introduces."""
    names: list[str] = []
    for node in walk(pattern):
        if node.type in ("identifier", "shorthand_property_identifier_pattern"):
            parent = node.parent
            if parent is not None and parent.type in ("assignment_pattern",
                                                     "object_assignment_pattern") \
                    and parent.child_by_field_name("right") == node:
                continue
            if parent is not None and parent.type in ("pair_pattern",) and \
                    parent.child_by_field_name("key") == node:
                continue
            names.append(text(node))
        elif node.type in ("type_annotation", "default_value"):
            continue
    return names


def terminates(node: Node) -> bool:
    """A statement (or block) that always leaves: return, throw, or a block ending so."""
    while node.type == "statement_block":
        children = [c for c in node.named_children if c.type != "comment"]
        if not children:
            return False
        node = children[-1]
    return node.type in ("return_statement", "throw_statement", "continue_statement",
                         "break_statement")


def checked_names(condition: Node | None, module: Module,
                  depth: int = 0) -> tuple[set[str], bool]:
    """Names an ``if`` condition vets, and whether the check holds when it is true
    (``ALLOWED.includes(x)``) or false (``!ALLOWED.includes(x)``)."""
    node = unwrap(condition)
    positive = True
    while node is not None and node.type == "unary_expression" and \
            text(node.child_by_field_name("operator")) == "!":
        positive = not positive
        node = unwrap(node.child_by_field_name("argument"))
    if node is None or depth > 32:
        return set(), positive
    if node.type == "binary_expression":
        operator = text(node.child_by_field_name("operator"))
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if operator in ("&&", "||"):
            left_names, left_positive = checked_names(left, module, depth + 1)
            right_names, right_positive = checked_names(right, module, depth + 1)
            if operator == "&&" and positive and left_positive and right_positive:
                return left_names | right_names, True
            if operator == "||" and not left_positive and not right_positive:
                return left_names | right_names, not positive
            return set(), positive
        if operator in ("===", "!==", "==", "!=") and left is not None and right is not None:
            equal = operator in ("===", "==")
            for side, other in ((left, right), (right, left)):
                inner = unwrap(side)
                if inner is not None and inner.type == "unary_expression" and \
                        text(inner.child_by_field_name("operator")) == "typeof":
                    arg = unwrap(inner.child_by_field_name("argument"))
                    if arg is not None and arg.type == "identifier" and \
                            string_value(other) in ("number", "boolean"):
                        return {text(arg)}, positive == equal
                if inner is not None and inner.type == "call_expression" and \
                        method_name(inner) == "indexOf" and text(other) in ("-1",):
                    names = _call_checked(inner)
                    return names, positive != equal
        return set(), positive
    if node.type == "call_expression":
        return _call_checked(node), positive
    return set(), positive


def _call_checked(call: Node) -> set[str]:
    method = method_name(call)
    callee = text(call.child_by_field_name("function"))
    last = method or callee.split(".")[-1]
    if last not in sinks.CHECKS:
        return set()
    names = {text(a) for a in arguments(call) if _plain_path(a)}
    if method in ("startsWith", "match"):  # x.startsWith(root): x is vetted
        recv = receiver(call)
        if recv is not None and _plain_path(recv):
            names.add(text(recv))
    return names


def _plain_path(node: Node, this: bool = False) -> bool:
    """``x`` or ``x.y.z`` (``this.x`` too with ``this``): a name the environment can hold."""
    while node.type == "member_expression":
        obj = node.child_by_field_name("object")
        if obj is None:
            return False
        node = obj
    return node.type == "identifier" or (this and node.type == "this")


def find_flows(project: JsProject, modules: list[Module], module: Module,
               function: Node) -> list[TaintFlow]:
    analysis = TaintAnalysis(project, modules)
    analysis.run_handler(module, function)
    return sorted(analysis.flows.values(),
                  key=lambda f: (f.loc.file, f.loc.line or 0, f.sink_kind))

