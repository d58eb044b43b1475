"""Event-injection data flow (D1) for Python handlers, on the syntax tree.

The handler's first parameter (the event) is the source; every value computed from it is
tainted. Each function is analysed once, flow-sensitively over its statements, with
every parameter carrying its own label; the result is a summary (which parameters reach
the return value, which reach a sink, through which steps). A call into a project
function applies the callee's summary to the caller's argument taint, so flows cross
functions and modules without re-analysing the callee per call. Recursion and depth are
bounded: a function already on the analysis stack is assumed to return its arguments.

A tainted value remembers the steps it went through (for SARIF ``codeFlows``) and the
sink kinds it was made safe for (``int()`` for all of them, ``shlex.quote`` for
commands, an allow-list guard for all, ``realpath`` + ``startswith(root)`` for paths).
Calls the analysis does not know pass their arguments' taint to their result; calls of
known sanitisers and boolean tests do not.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.code.facts import FlowStep, TaintFlow
from faasguard.code.python import sinks as S
from faasguard.code.python.project import children
from faasguard.model import Location

if TYPE_CHECKING:
    from dataclasses import dataclass

    from faasguard.code.handlers import HandlerRef
    from faasguard.code.python.project import PythonProject
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

MAX_DEPTH = 12
"""Nested project calls followed from the handler."""
MAX_STEPS = 24
"""Steps kept per flow (the first and the last ones)."""
MAX_INLINE = 4
"""Nested functions and lambdas followed inside one another."""
MAX_DISPATCH = 24
"""Methods a ``getattr`` with a computed name may pick."""
EVENT = "event"

Label = str | int
"""``EVENT`` for the handler's event, the index of a parameter (summaries), or a module
global that holds state (``"g:<file>:<name>"``, see :func:`_global_label`): what a
function reads from one is tainted when any code of the run stored tainted data in it."""
GLOBAL = "g:"
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_CONTROL_EXIT = (ast.Return, ast.Raise, ast.Continue, ast.Break)


@dataclass(frozen=True, slots=True)
class Trace:
    """How one tainted value got here."""

    source: str
    steps: tuple[FlowStep, ...]
    safe: frozenset[str] = frozenset()
    """Sink kinds (and the ``NORMALISED`` marker) this value was made safe for."""

    def then(self, step: FlowStep) -> Trace:
        if self.steps and self.steps[-1].loc == step.loc:
            return self  # one step per line is enough to follow a flow
        steps = (*self.steps, step)
        if len(steps) > MAX_STEPS:
            steps = (*steps[:4], *steps[-(MAX_STEPS - 4):])
        return Trace(self.source, steps, self.safe)  # not replace(): a hot path

    def joined(self, steps: Iterable[FlowStep], safe: frozenset[str]) -> Trace:
        trace = Trace(self.source, self.steps, self.safe | safe)
        for step in steps:
            trace = trace.then(step)
        return trace


Taint = dict[Label, Trace]


def _union(*taints: Mapping[Label, Trace]) -> Taint:
    out: Taint = {}
    for taint in taints:
        for label, trace in taint.items():
            old = out.get(label)
            if old is None:
                out[label] = trace
            elif not trace.safe >= old.safe:
                # keep the more dangerous path: safe only for what both were safe for
                out[label] = Trace(trace.source, trace.steps, trace.safe & old.safe)
    return out


def _safe(taint: Mapping[Label, Trace], kinds: Iterable[str]) -> Taint:
    kinds = frozenset(kinds)
    return {label: Trace(t.source, t.steps, t.safe | kinds) for label, t in taint.items()}


@dataclass(frozen=True, slots=True)
class _Hit:
    """Tainted data reaching a sink inside the analysed function (or its callees)."""

    label: Label
    kind: str
    sink: str
    trace: Trace


@dataclass(slots=True)
class _Summary:
    returns: dict[Label, Trace] = field(default_factory=dict)
    hits: list[_Hit] = field(default_factory=list)
    checks: dict[int, frozenset[str]] = field(default_factory=dict)
    """Parameters the function validates: when it returns normally (does not raise),
    the argument is safe for these kinds (``check_name(x)`` raising on a bad name)."""
    stores: dict[int, dict[int, Trace]] = field(default_factory=dict)
    """Parameter j -> parameters stored into it (``self.cmd = cmd``, ``out.append(x)``):
    after the call, the caller's object holds the argument's taint."""
    global_writes: dict[str, Taint] = field(default_factory=dict)
    """Module global -> what the function stores in it (parameters, other globals)."""


@dataclass(slots=True)
class _Module:
    path: Path
    rel: str
    tree: ast.Module
    imports: dict[str, tuple[str, str, int]]
    """Local name -> ("module", dotted, 0) for ``import x as y`` or ("from", module.name,
    level) for ``from module import name``."""
    functions: dict[str, FunctionNode]
    classes: dict[str, ast.ClassDef]
    constants: dict[str, ast.expr]
    """Module-level ``NAME = <expr>``, for fixed URL prefixes and SQL text."""
    top_modules: frozenset[str]
    state: frozenset[str] = frozenset()
    """Module globals that hold state between calls (and between invocations of a warm
    Lambda): names a function declares ``global``, and module-level ``None``,
    containers and project objects. Data stored in them reaches every reader."""


def _index_module(path: Path, rel: str, tree: ast.Module) -> _Module:
    imports: dict[str, tuple[str, str, int]] = {}
    functions: dict[str, FunctionNode] = {}
    classes: dict[str, ast.ClassDef] = {}
    constants: dict[str, ast.expr] = {}
    tops: set[str] = set()
    for node in _module_statements(tree.body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            tops.update(_bind_import(node, imports))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            functions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.value is not None:
            constants[node.target.id] = node.value
    state = {name for name, value in constants.items() if _holds_state(value, classes, imports)}
    for fn in [*functions.values(), *(m for c in classes.values() for m in c.body
                                      if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef))]:
        for stmt in fn.body:  # ``global`` comes first in a function, by convention
            if isinstance(stmt, ast.Global):
                state.update(stmt.names)
    state -= functions.keys() | classes.keys() | imports.keys()
    return _Module(path, rel, tree, imports, functions, classes, constants, frozenset(tops),
                   frozenset(state))


_STATE_CALLS = frozenset({"dict", "list", "set", "defaultdict", "OrderedDict", "deque",
                          "Counter", "collections.defaultdict", "collections.OrderedDict",
                          "collections.deque", "collections.Counter"})


def _holds_state(value: ast.expr, classes: Mapping[str, ast.ClassDef],
                 imports: Mapping[str, tuple[str, str, int]]) -> bool:
    """A module-level value that code fills in later: None, a container, an object of a
    class of the module or an imported one (``Service()``)."""
    if isinstance(value, ast.Constant):
        return value.value is None
    if isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp
                  | ast.SetComp):
        return True
    if isinstance(value, ast.Call):
        name = _dotted(value.func)
        return name is not None and (name in _STATE_CALLS or name in classes or (
            name in imports and imports[name][0] == "from" and name[:1].isupper()))
    return False


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If | ast.Try):
            yield from _module_statements(stmt.body)
            yield from _module_statements(stmt.orelse)
            for handler in getattr(stmt, "handlers", ()):
                yield from _module_statements(handler.body)


def _bind_import(node: ast.Import | ast.ImportFrom, into: dict[str, tuple[str, str, int]]
                 ) -> set[str]:
    tops: set[str] = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            tops.add(alias.name.split(".")[0])
            if alias.asname:
                into[alias.asname] = ("module", alias.name, 0)
            else:
                top = alias.name.split(".")[0]
                into[top] = ("module", top, 0)
    else:
        module = node.module or ""
        if node.level == 0:
            tops.add(module.split(".")[0])
        for alias in node.names:
            if alias.name != "*":
                dotted = f"{module}.{alias.name}" if module else alias.name
                into[alias.asname or alias.name] = ("from", dotted, node.level)
    return tops


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
"""Code that runs only when called: not part of the enclosing function's body."""


class Engine:
    """Summaries and module indexes for one project, shared by every handler in it."""

    def __init__(self, project: PythonProject) -> None:
        self.project = project
        self._modules: dict[Path, _Module | None] = {}
        self._summaries: dict[tuple[Path, int], _Summary] = {}
        self._stack: list[tuple[Path, int]] = []
        self._callees: dict[int, list[tuple[_Module, FunctionNode, ast.ClassDef | None]]] = {}
        self._nodes: dict[int, list[ast.AST]] = {}
        self._globals: dict[tuple[Path, str], Taint | None] = {}

    def nodes(self, fn: FunctionNode) -> list[ast.AST]:
        """Every node of a function body in source order, nested functions and classes
        left out (they run only when called); walked once per function."""
        found = self._nodes.get(id(fn))
        if found is None:
            found = []
            stack: list[ast.AST] = list(reversed(fn.body))
            while stack:
                node = stack.pop()
                found.append(node)
                if not isinstance(node, _NESTED):
                    stack.extend(reversed(children(node)))
            self._nodes[id(fn)] = found
        return found

    def callees(self, module: _Module, fn: FunctionNode, cls: ast.ClassDef | None
                ) -> list[tuple[_Module, FunctionNode, ast.ClassDef | None]]:
        """The project functions ``fn`` calls, as the data flow resolves them."""
        if id(fn) in self._callees:
            return self._callees[id(fn)]
        walker = _Function(self, module, fn, cls, event_param=None)
        found: list[tuple[_Module, FunctionNode, ast.ClassDef | None]] = []
        for node in self.nodes(fn):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                instance = walker.project_class(node.value.func)
                if instance is not None:
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            walker.instances[target.id] = instance
            elif isinstance(node, ast.Call):
                called = walker.callee(node.func)
                if called is not None:
                    found.append((called[0], called[1], called[2]))
                found.extend((m, f, None) for m, f in walker.dispatch_table(node.func))
        self._callees[id(fn)] = found
        return found

    def module(self, path: Path) -> _Module | None:
        if path not in self._modules:
            tree = self.project.parse(path)
            self._modules[path] = (None if tree is None
                                   else _index_module(path, self.project.rel(path), tree))
        return self._modules[path]

    def summary(self, module: _Module, fn: FunctionNode, cls: ast.ClassDef | None
                ) -> _Summary | None:
        """None when the depth bound is reached (the caller falls back to propagation)."""
        key = (module.path, id(fn))
        if key in self._summaries:
            return self._summaries[key]
        if key in self._stack:  # recursion: assume the arguments come back
            return _Summary(returns={i: Trace("", ()) for i in range(len(_params(fn)))})
        if len(self._stack) >= MAX_DEPTH:
            return None
        self._stack.append(key)
        try:
            analysis = _Function(self, module, fn, cls, event_param=None)
            analysis.run()
        finally:
            self._stack.pop()
        summary = _Summary(returns={label: t for label, t in analysis.returned.items()
                                    if label != EVENT},
                           hits=[h for h in analysis.hits.values() if h.label != EVENT],
                           checks=analysis.checks(), stores=analysis.stores(),
                           global_writes=analysis.global_writes)
        self._summaries[key] = summary
        return summary

    def resolve_module(self, importer: Path, dotted: str, level: int) -> _Module | None:
        target = self.project.resolve_import(importer, dotted, level)
        return self.module(target) if target is not None else None

    def lookup(self, module: _Module, name: str, depth: int = 0
               ) -> tuple[_Module, FunctionNode | ast.ClassDef] | None:
        """A module-level function or class ``name`` of ``module``, following re-exports."""
        if name in module.functions:
            return module, module.functions[name]
        if name in module.classes:
            return module, module.classes[name]
        bound = module.imports.get(name)
        if bound is None or bound[0] != "from" or depth > 6:
            return None
        dotted, level = bound[1], bound[2]
        parent, _, attr = dotted.rpartition(".")
        target = self.resolve_module(module.path, parent, level) if parent or level else None
        if target is None:
            return None
        return self.lookup(target, attr, depth + 1)

    def global_read(self, module: _Module, name: str) -> Taint | None:
        """What reading module global ``name`` gives (a label standing for whatever the
        run stores in it); None when the name is not a global that holds state.
        ``from state import CACHE`` reads ``state``'s global."""
        key = (module.path, name)
        if key in self._globals:
            return self._globals[key]
        found: Taint | None = None
        owner: _Module | None = module
        if name not in module.state:
            bound = module.imports.get(name)
            owner = None
            if bound is not None and bound[0] == "from":
                parent, _, member = bound[1].rpartition(".")
                if parent or bound[2]:
                    owner = self.resolve_module(module.path, parent, bound[2])
                if owner is not None and member not in owner.state:
                    owner = None
                name = member
        if owner is not None:
            value = owner.constants.get(name)
            line = getattr(value, "lineno", None) or 1
            found = {_global_label(owner, name): Trace(name, (FlowStep(
                Location(owner.rel, line), f"module global {name}"),))}
        self._globals[key] = found
        return found

    def module_of_name(self, module: _Module, name: str) -> _Module | None:
        """The project module a local name is bound to (``import pkg.mod as m``,
        ``from pkg import mod``)."""
        bound = module.imports.get(name)
        if bound is None:
            return None
        return self.resolve_module(module.path, bound[1], bound[2])


def _global_label(module: _Module, name: str) -> str:
    return f"{GLOBAL}{module.rel}:{name}"


_LAMBDAS: weakref.WeakKeyDictionary[ast.Lambda, ast.FunctionDef] = weakref.WeakKeyDictionary()


def _lambda_def(node: ast.Lambda) -> ast.FunctionDef:
    """A lambda as the function it is (``def <lambda>(args): return body``), built once."""
    found = _LAMBDAS.get(node)
    if found is None:
        body = ast.copy_location(ast.Return(node.body), node.body)
        found = ast.copy_location(ast.FunctionDef(name="<lambda>", args=node.args, body=[body],
                                                  decorator_list=[]), node)
        _LAMBDAS[node] = found
    return found


_REWRITES: weakref.WeakKeyDictionary[ast.Call, ast.expr] = weakref.WeakKeyDictionary()


def _literal_getattr(node: ast.Call) -> ast.Attribute | None:
    """``getattr(obj, "name")`` is ``obj.name`` (built once per call node)."""
    if not (isinstance(node.func, ast.Name) and node.func.id == "getattr"
            and 2 <= len(node.args) <= 3 and not node.keywords):
        return None
    name = node.args[1]
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)
            and name.value.isidentifier()):
        return None
    found = _REWRITES.get(node)
    if found is None:
        found = _REWRITES[node] = ast.copy_location(
            ast.Attribute(node.args[0], name.value, ast.Load()), node)
    assert isinstance(found, ast.Attribute)
    return found


def _via_getattr(node: ast.Call) -> ast.Call:
    """``getattr(os, "system")(cmd)`` is ``os.system(cmd)``."""
    if not isinstance(node.func, ast.Call):
        return node
    attr = _literal_getattr(node.func)
    if attr is None:
        return node
    found = _REWRITES.get(node)
    if found is None:
        found = _REWRITES[node] = ast.copy_location(
            ast.Call(attr, node.args, node.keywords), node)
    assert isinstance(found, ast.Call)
    return found


def _params(fn: FunctionNode) -> list[ast.arg]:
    return [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]


def _methods(cls: ast.ClassDef) -> list[FunctionNode]:
    return [m for m in cls.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)]


def _method(cls: ast.ClassDef, name: str) -> FunctionNode | None:
    found = None
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
            found = stmt
    return found


_TEXTS: weakref.WeakKeyDictionary[ast.AST, str] = weakref.WeakKeyDictionary()
"""Source text per node: the passes ask for the same expressions many times (every
subscript read, every method call), and ``ast.unparse`` is slow."""


def _text(node: ast.AST, limit: int = 80) -> str:
    text = _TEXTS.get(node)
    if text is None:
        try:
            text = " ".join(ast.unparse(node).split())
        except (ValueError, TypeError, RecursionError):
            text = f"\0{type(node).__name__}"  # marked: shown whatever the limit
        _TEXTS[node] = text
    if text.startswith("\0"):
        return text[1:]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dotted(node: ast.expr) -> str | None:
    """``self.a.b`` -> "self.a.b" for names and attribute chains, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _terminates(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, _CONTROL_EXIT):
        return True
    if isinstance(last, ast.If):
        return _terminates(last.body) and _terminates(last.orelse)
    return False


class _Function:
    """One flow-sensitive pass over a function body."""

    def __init__(self, engine: Engine, module: _Module, fn: FunctionNode,
                 cls: ast.ClassDef | None, event_param: str | None) -> None:
        self.engine = engine
        self.module = module
        self.fn = fn
        self.cls = cls
        self.event_param = event_param
        self.env: dict[str, Taint] = {}
        self.heads: dict[str, Taint] = {}
        """Taint of element 0 of list variables (the program of an argv list)."""
        self.types: dict[str, str] = {}
        """Variable -> qualified name of the call that made it (``requests.Session``)."""
        self.instances: dict[str, tuple[_Module, ast.ClassDef]] = {}
        """Variable -> project class it is an instance of."""
        self.safe_parsers: set[str] = set()
        self.guard_nodes: dict[str, ast.expr] = {}
        """Guarded expressions by their text (``body['cmd']``), for ``apply_guard``."""
        self.local_imports: dict[str, tuple[str, str, int]] = {}
        self.returned: Taint = {}
        self.exits: list[dict[str, Taint]] = []
        """The variables at each normal return, for ``checks``."""
        self.hits: dict[tuple[Label, str, Location], _Hit] = {}
        self.locals: set[str] = set()
        """Names this function binds (parameters, assignments): not module globals."""
        self.declared_globals: set[str] = set()
        self.global_writes: dict[str, Taint] = {}
        """Module global label -> what this function (and its callees) stored in it."""
        self.local_defs: dict[str, FunctionNode] = {}
        """Nested functions and lambdas bound to a name, analysed where they are called,
        with the variables of this function as they are then (the closure)."""
        self.aliases: dict[str, ast.expr] = {}
        """``run = helpers.run_command``: a name for a function of the project."""
        self.inline_depth = 0

    # --- entry -----------------------------------------------------------------------

    def loc(self, node: ast.AST) -> Location:
        return Location(self.module.rel, getattr(node, "lineno", None) or self.fn.lineno)

    def step(self, node: ast.AST, note: str) -> FlowStep:
        return FlowStep(self.loc(node), note)

    def run(self) -> None:
        params = _params(self.fn)
        self.locals.update(arg.arg for arg in params)
        for index, arg in enumerate(params):
            if self.event_param is not None:
                if arg.arg == self.event_param:
                    self.env[arg.arg] = {EVENT: Trace(
                        arg.arg, (self.step(arg, f"event parameter {arg.arg} of "
                                            f"{self.fn.name}()"),))}
                continue
            if index == 0 and self.cls is not None and arg.arg in ("self", "cls"):
                # the receiver: tainted when the object was built from tainted data
                self.env[arg.arg] = {index: Trace(arg.arg, (self.step(
                    arg, f"object {arg.arg} of {self.cls.name}.{self.fn.name}()"),))}
                continue
            self.env[arg.arg] = {index: Trace(arg.arg, (self.step(
                arg, f"parameter {arg.arg} of {self.fn.name}()"),))}
        self.block(self.fn.body)
        if not _terminates(self.fn.body):
            self.exits.append(dict(self.env))

    def checks(self) -> dict[int, frozenset[str]]:
        """Kinds each parameter is safe for on every normal return (see ``_Summary``)."""
        found: dict[int, frozenset[str]] = {}
        for index, arg in enumerate(_params(self.fn)):
            kinds: frozenset[str] | None = None
            for env in self.exits:
                trace = env.get(arg.arg, {}).get(index)
                safe = trace.safe if trace is not None else frozenset()
                kinds = safe if kinds is None else kinds & safe
            if kinds:
                found[index] = kinds
        return found

    def stores(self) -> dict[int, dict[int, Trace]]:
        found: dict[int, dict[int, Trace]] = {}
        for index, arg in enumerate(_params(self.fn)):
            held = _union(*(env.get(arg.arg, {}) for env in self.exits))
            others = {label: t for label, t in held.items()
                      if isinstance(label, int) and label != index}
            if others:
                found[index] = others
        return found

    # --- statements ------------------------------------------------------------------

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value)
            for target in stmt.targets:
                self.bind(target, value, stmt.value)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.bind(stmt.target, self.eval(stmt.value), stmt.value)
        elif isinstance(stmt, ast.AugAssign):
            value = _union(self.eval(stmt.value), self.eval(_as_load(stmt.target)))
            self.bind(stmt.target, value, stmt.value)
        elif isinstance(stmt, ast.Expr):
            self.eval(stmt.value)
        elif isinstance(stmt, ast.Return):
            if stmt.value is not None:
                value = self.eval(stmt.value)
                self.returned = _union(self.returned, {
                    label: t.then(self.step(stmt, f"returned from {self.fn.name}()"))
                    for label, t in value.items()})
            self.exits.append(dict(self.env))
        elif isinstance(stmt, ast.If):
            self.branch(stmt.test, stmt.body, stmt.orelse)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            iterated = self.eval(stmt.iter)
            for _ in range(2):  # a second pass carries values around the loop
                self.bind(stmt.target, iterated, stmt.iter)
                self.block(stmt.body)
            self.block(stmt.orelse)
        elif isinstance(stmt, ast.While):
            for _ in range(2):
                self.eval(stmt.test)
                self.block(stmt.body)
            self.block(stmt.orelse)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                value = self.eval(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, item.context_expr)
            self.block(stmt.body)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            self.try_statement(stmt)
        elif isinstance(stmt, ast.Match):
            self.eval(stmt.subject)
            self.alternatives([case.body for case in stmt.cases] + [[]])
        elif isinstance(stmt, ast.Assert):
            self.eval(stmt.test)
            self.apply_guard(self.guard(stmt.test)[0])
        elif isinstance(stmt, ast.Raise):
            if stmt.exc is not None:
                self.eval(stmt.exc)
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            _bind_import(stmt, self.local_imports)
        elif isinstance(stmt, ast.Global):
            self.declared_globals.update(stmt.names)
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            self.env.pop(stmt.name, None)
            self.local_defs[stmt.name] = stmt
            self.locals.add(stmt.name)
        elif isinstance(stmt, ast.Delete):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self.env.pop(target.id, None)

    def try_statement(self, stmt: ast.Try | ast.TryStar) -> None:
        self.block(stmt.body)
        self.block(stmt.orelse)
        after_body = dict(self.env)
        ends = [after_body]
        for handler in stmt.handlers:
            self.env = dict(after_body)
            if handler.name:
                self.env.pop(handler.name, None)
            self.block(handler.body)
            if not _terminates(handler.body):
                ends.append(self.env)
        self.env = _merge_envs(ends)
        self.block(stmt.finalbody)

    def alternatives(self, bodies: list[list[ast.stmt]]) -> None:
        start = dict(self.env)
        ends = []
        for body in bodies:
            self.env = dict(start)
            self.block(body)
            if not _terminates(body):
                ends.append(self.env)
        self.env = _merge_envs(ends) if ends else start

    def branch(self, test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt]) -> None:
        self.eval(test)
        when_true, when_false = self.guard(test)
        start = dict(self.env)
        self.apply_guard(when_true)
        self.block(body)
        after_body = self.env
        self.env = dict(start)
        self.apply_guard(when_false)
        self.block(orelse)
        after_else = self.env
        ends = [env for env, stmts in ((after_body, body), (after_else, orelse))
                if not _terminates(stmts)]
        self.env = _merge_envs(ends) if ends else after_else

    # --- guards ----------------------------------------------------------------------

    def guard(self, test: ast.expr) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """What holds for which variables when ``test`` is true, and when it is false."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            when_true, when_false = self.guard(test.operand)
            return when_false, when_true
        if isinstance(test, ast.BoolOp):
            parts = [self.guard(v) for v in test.values]
            if isinstance(test.op, ast.And):
                return _merge_guards(p[0] for p in parts), {}
            return {}, _merge_guards(p[1] for p in parts)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            if isinstance(op, ast.In | ast.NotIn) and not _from_input(self.peek(right)):
                names = dict.fromkeys(self.guard_keys(test.left), S.ALL_KINDS)
                return (names, {}) if isinstance(op, ast.In) else ({}, names)
            if isinstance(op, ast.Eq | ast.NotEq | ast.Is | ast.IsNot) and _is_constant(right):
                names = dict.fromkeys(self.guard_keys(test.left), S.ALL_KINDS)
                return (names, {}) if isinstance(op, ast.Eq | ast.Is) else ({}, names)
            if isinstance(op, ast.Eq) and isinstance(test.left, ast.Call) \
                    and _attr(test.left.func) == "commonpath":
                return self.path_check(test.left.args), {}
            return {}, {}
        if isinstance(test, ast.Call):
            return self.call_guard(test), {}
        return {}, {}

    def call_guard(self, call: ast.Call) -> dict[str, frozenset[str]]:
        name = _attr(call.func)
        qual = self.qual(call.func) or ""
        if name == "fullmatch" or (name == "match" and _anchored(call.args[:1])):
            # re.fullmatch(pattern, x), or PATTERN.fullmatch(x) on a compiled pattern
            checked = call.args[1:] if qual in ("re.fullmatch", "re.match") else call.args[:1]
            return {n: S.ALL_KINDS for arg in checked for n in self.guard_keys(arg)}
        if isinstance(call.func, ast.Attribute) and name in S.VALIDATING_METHODS:
            return dict.fromkeys(self.guard_keys(call.func.value), S.ALL_KINDS)
        if isinstance(call.func, ast.Attribute) and name in S.PATH_CHECKS:
            return self.path_check([call.func.value])
        if qual == "isinstance" and len(call.args) == 2 and _numeric_types(call.args[1]):
            return dict.fromkeys(self.guard_keys(call.args[0]), S.ALL_KINDS)
        return {}

    def path_check(self, checked: list[ast.expr]) -> dict[str, frozenset[str]]:
        found: dict[str, frozenset[str]] = {}
        for node in checked:
            for name in self.guard_keys(node):
                taint = self.peek(self.guard_nodes[name])
                if taint and all(S.NORMALISED in t.safe for t in taint.values()):
                    found[name] = frozenset({"path"})
        return found

    def guard_keys(self, node: ast.expr) -> list[str]:
        """The values a test constrains: a variable, ``obj.attr``, ``body["key"]``; inside
        a call (``urlparse(url).hostname``, ``x.lower()``) the variables it reads."""
        if isinstance(node, ast.Name | ast.Attribute | ast.Subscript) and not any(
                isinstance(n, ast.Call) for n in ast.walk(node)):
            key = node.id if isinstance(node, ast.Name) else _text(node, 200)
            self.guard_nodes[key] = node
            return [key]
        keys: list[str] = []
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                for arg in [*sub.args, *(k.value for k in sub.keywords)]:
                    keys.extend(self.guard_keys(arg))
                if isinstance(sub.func, ast.Attribute):
                    keys.extend(self.guard_keys(sub.func.value))
                break
        return keys

    def apply_guard(self, facts: Mapping[str, frozenset[str]]) -> None:
        for key, kinds in facts.items():
            if key in self.env:
                self.env[key] = _safe(self.env[key], kinds)
            elif key in self.guard_nodes:
                taint = self.peek(self.guard_nodes[key])
                if taint:
                    self.env[key] = _safe(taint, kinds)

    # --- binding ---------------------------------------------------------------------

    def bind(self, target: ast.expr, value: Taint, source: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            stale = [k for k in self.env if k.startswith((f"{target.id}[", f"{target.id}."))]
            for key in stale:
                del self.env[key]
            self.env[target.id] = {label: t.then(self.step(target, f"assigned to {target.id}"))
                                   for label, t in value.items()}
            self.note_shape(target.id, source)
            if target.id in self.declared_globals:
                self.write_global(self.module, target.id, value, target)
            else:
                self.locals.add(target.id)
        elif isinstance(target, ast.Tuple | ast.List):
            values = source.elts if isinstance(source, ast.Tuple | ast.List) else None
            if values is not None and len(values) == len(target.elts) \
                    and not any(isinstance(e, ast.Starred) for e in target.elts):
                for elt, node in zip(target.elts, values, strict=True):
                    self.bind(elt, self.peek(node), node)
            else:
                for elt in target.elts:
                    self.bind(elt, value, None)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value, None)
        elif isinstance(target, ast.Attribute):
            dotted = _dotted(target)
            if dotted is not None:
                self.env[dotted] = {label: t.then(self.step(target, f"stored in {dotted}"))
                                    for label, t in value.items()}
            owner = self.module_named(target.value)
            if owner is not None:  # state.CURRENT = x: a global of a project module
                self.write_global(owner, target.attr, value, target)
            self.store_into(target.value, value, target)
        elif isinstance(target, ast.Subscript):
            self.eval(target.slice)
            self.store_into(target.value, value, target)

    def store_into(self, container: ast.expr, value: Taint, at: ast.AST) -> None:
        """A weak update: the container now also holds ``value``."""
        name = _dotted(container) or _root_name(container)
        if name is None or not value:
            return
        stored = {label: t.then(self.step(at, f"stored in {name}")) for label, t in value.items()}
        self.env[name] = _union(self.env.get(name, {}), stored)
        root = _root_name(container)
        if root is not None and root != name:
            self.env[root] = _union(self.env.get(root, {}), stored)
        if root is not None and root not in self.locals:
            self.write_global(self.module, root, value, at)

    def note_shape(self, name: str, source: ast.expr | None) -> None:
        """Remember what kind of object a variable holds, for sink matching."""
        self.heads.pop(name, None)
        self.types.pop(name, None)
        self.instances.pop(name, None)
        self.safe_parsers.discard(name)
        self.local_defs.pop(name, None)
        self.aliases.pop(name, None)
        if isinstance(source, ast.Call):
            source = _literal_getattr(source) or source
        if isinstance(source, ast.Lambda):
            self.local_defs[name] = _lambda_def(source)
        elif isinstance(source, ast.Attribute | ast.Name) and _root_name(source) not in self.env:
            # another name for a function or an object: runner = subprocess.check_output
            if isinstance(source, ast.Name) and source.id in self.local_defs:
                self.local_defs[name] = self.local_defs[source.id]
                return
            self.aliases[name] = source
            qual = self.qual(source)
            if qual:
                self.types[name] = qual
        elif isinstance(source, ast.List | ast.Tuple):
            self.heads[name] = self.peek(source.elts[0]) if source.elts else {}
        elif isinstance(source, ast.Call):
            qual = self.qual(source.func)
            if qual:
                self.types[name] = qual
            if qual in S.LXML_PARSER and _keyword_false(source, "resolve_entities"):
                self.safe_parsers.add(name)
            instance = self.project_class(source.func)
            if instance is not None:
                self.instances[name] = instance
        elif isinstance(source, ast.Await):
            self.note_shape(name, source.value)

    # --- expressions -----------------------------------------------------------------

    def peek(self, node: ast.expr) -> Taint:
        """Taint of an expression already evaluated (no sink is reported twice)."""
        saved = self.hits
        self.hits = dict(saved)
        try:
            return self.eval(node)
        finally:
            self.hits = saved

    def eval(self, node: ast.expr) -> Taint:
        if isinstance(node, ast.Constant):
            return {}
        if isinstance(node, ast.Name):
            found = self.env.get(node.id)
            if found is not None:
                return found
            if node.id in self.locals or not (node.id in self.module.state
                                              or node.id in self.module.imports):
                return {}  # builtins, functions, classes: nothing to carry
            return self.engine.global_read(self.module, node.id) or {}
        if isinstance(node, ast.Attribute | ast.Subscript):
            guarded = self.env.get(_text(node, 200)) if isinstance(node, ast.Subscript) else None
            if guarded is not None:
                return guarded
            source = self.source_read(node)
            if source is not None:
                return source
            if isinstance(node, ast.Subscript):
                self.eval(node.slice)  # a tainted key picks a value, it is not the value
                return self.eval(node.value)
            key = _dotted(node)
            if key is not None and key in self.env:
                return self.env[key]
            owner = self.module_named(node.value)
            if owner is not None:  # state.CURRENT
                return self.engine.global_read(owner, node.attr) or {}
            return self.eval(node.value)
        if isinstance(node, ast.Call):
            attr = _literal_getattr(node)
            if attr is not None:
                value = self.eval(attr)
                return _union(value, self.eval(node.args[2])) if len(node.args) > 2 else value
            node = _via_getattr(node)
            source = self.source_read(node) if _attr(node.func) == "get" else None
            return source if source is not None else self.call(node)
        if isinstance(node, ast.BinOp):
            value = _union(self.eval(node.left), self.eval(node.right))
            return self.fixed_host(node, value)
        if isinstance(node, ast.JoinedStr):
            value = _union(*(self.eval(v) for v in node.values))
            return self.fixed_host(node, value)
        if isinstance(node, ast.FormattedValue):
            return self.eval(node.value)
        if isinstance(node, ast.BoolOp):
            return _union(*(self.eval(v) for v in node.values))
        if isinstance(node, ast.Compare):
            for part in (node.left, *node.comparators):
                self.eval(part)
            return {}
        if isinstance(node, ast.UnaryOp):
            value = self.eval(node.operand)
            return {} if isinstance(node.op, ast.Not) else value
        if isinstance(node, ast.IfExp):
            self.eval(node.test)
            return _union(self.eval(node.body), self.eval(node.orelse))
        if isinstance(node, ast.Dict):
            return _union(*(self.eval(k) for k in node.keys if k is not None),
                          *(self.eval(v) for v in node.values))
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return _union(*(self.eval(e) for e in node.elts))
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node)
        if isinstance(node, ast.Await | ast.Starred):
            return self.eval(node.value)
        if isinstance(node, ast.Yield | ast.YieldFrom):
            value = self.eval(node.value) if node.value is not None else {}
            self.returned = _union(self.returned, value)
            return {}
        if isinstance(node, ast.NamedExpr):
            value = self.eval(node.value)
            self.bind(node.target, value, node.value)
            return value
        return {}

    def comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
                      ) -> Taint:
        saved = dict(self.env)
        for generator in node.generators:
            self.bind(generator.target, self.eval(generator.iter), None)
            for condition in generator.ifs:
                self.eval(condition)
                self.apply_guard(self.guard(condition)[0])
        if isinstance(node, ast.DictComp):
            value = _union(self.eval(node.key), self.eval(node.value))
        else:
            value = self.eval(node.elt)
        self.env = saved
        return value

    def source_read(self, node: ast.expr) -> Taint | None:
        """``event["body"]``, ``event.get("headers")``: a fresh trace naming the read."""
        if self.event_param is None:
            return None
        base: ast.expr = node
        while True:
            if isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            elif isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute) \
                    and base.func.attr == "get":
                base = base.func.value
            else:
                break
        if not (isinstance(base, ast.Name) and base.id == self.event_param):
            return None
        original = self.env.get(base.id, {}).get(EVENT)
        if original is None or len(original.steps) != 1:
            return None  # the name was reassigned or sanitised: not the raw event
        text = _text(node)
        return {EVENT: Trace(text, (self.step(node, f"{text} read"),), original.safe)}

    def fixed_host(self, node: ast.expr, value: Taint) -> Taint:
        """``f"https://api.example.com/items/{x}"``: the host is fixed, so no SSRF."""
        if value and _fixed_url_prefix(self.prefix_text(node)[0]):
            return _safe(value, {"ssrf"})
        return value

    def prefix_text(self, node: ast.expr, depth: int = 0) -> tuple[str, bool]:
        """The constant text an expression starts with, and whether that is all of it."""
        if depth > 4:
            return "", False
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value, True
        if isinstance(node, ast.JoinedStr):
            text = ""
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    text += part.value
                elif isinstance(part, ast.FormattedValue):
                    inner, complete = self.prefix_text(part.value, depth + 1)
                    text += inner
                    if not complete:
                        return text + "\0", False
            return text, True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, complete = self.prefix_text(node.left, depth + 1)
            if not complete:
                return left, False
            right, complete = self.prefix_text(node.right, depth + 1)
            return left + right + ("" if complete else "\0"), complete
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return self.prefix_text(node.left, depth + 1)[0] + "\0", False
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "format":
            return self.prefix_text(node.func.value, depth + 1)[0] + "\0", False
        if isinstance(node, ast.Name) and node.id not in self.env:
            constant = self.module.constants.get(node.id)
            if constant is not None:
                return self.prefix_text(constant, depth + 1)
        if _from_environment(node):
            return "https://configured.host", True  # a base URL from the settings
        return "", False

    # --- calls -----------------------------------------------------------------------

    def qual(self, node: ast.expr) -> str | None:
        """The qualified name of a callee as the module imported it."""
        if isinstance(node, ast.Name):
            if node.id in self.types:
                return self.types[node.id]
            bound = self.local_imports.get(node.id) or self.module.imports.get(node.id)
            if bound is not None:
                return bound[1] if bound[2] == 0 else "." + bound[1]
            if node.id in self.env or node.id in self.module.functions \
                    or node.id in self.module.classes:
                return None
            made = self.module.constants.get(node.id)
            if isinstance(made, ast.Call):  # a module-level client: session = requests.Session()
                return self.qual(made.func) if not _mentions(made.func, node.id) else None
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.qual(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            return self.qual(node.func)
        return None

    def call(self, node: ast.Call) -> Taint:
        receiver: Taint = {}
        if isinstance(node.func, ast.Attribute):
            receiver = self.eval(node.func.value)
        else:
            self.eval(node.func)
        args = [self.eval(a) for a in node.args]
        kwargs: dict[str | None, Taint] = {k.arg: self.eval(k.value) for k in node.keywords
                                           if k.arg}
        starred = [self.eval(k.value) for k in node.keywords if not k.arg]
        if isinstance(node.func, ast.Name) and node.func.id in self.local_defs:
            return self.inline(self.local_defs[node.func.id], args, kwargs, node)
        self.callbacks(node, receiver, args, kwargs)
        qual = self.qual(node.func)
        name = _attr(node.func)
        self.check_sinks(node, qual, name, receiver, args, kwargs)

        if qual in S.SANITIZE_ALL:
            return {}
        if qual in S.SINKS and qual in S.BUILDERS:
            return _safe(_union(*args, *kwargs.values()), {S.SINKS[qual].kind})
        if qual in S.SANITIZE_FOR:
            return _safe(_union(*args, *kwargs.values()), S.SANITIZE_FOR[qual])
        if qual and qual.startswith(S.DYNAMO_CONDITIONS):
            return _safe(_union(receiver, *args, *kwargs.values()), {"nosql"})
        if name in S.BOOLEAN_METHODS and isinstance(node.func, ast.Attribute):
            return {}
        if name in S.NORMALISING_METHODS and isinstance(node.func, ast.Attribute):
            return _safe(receiver, {S.NORMALISED})

        result = self.project_call(node, receiver, args, kwargs)
        if result is not None:
            return result
        if name in S.MUTATORS and isinstance(node.func, ast.Attribute):
            self.store_into(node.func.value, _union(*args, *kwargs.values()), node)
            return {}
        if name == "get" and isinstance(node.func, ast.Attribute):
            # a lookup: a tainted key picks one of the receiver's values
            return _union(receiver, *args[1:], *kwargs.values())
        return _union(receiver, *args, *kwargs.values(), *starred)

    # --- nested functions, lambdas, module state -----------------------------------------

    def inline(self, fn: FunctionNode, args: list[Taint], kwargs: Mapping[str | None, Taint],
               node: ast.AST) -> Taint:
        """Run a nested function or lambda where it is called: its free variables are
        this function's variables as they are now, its parameters the arguments."""
        if self.inline_depth >= MAX_INLINE:
            return _union(*args, *kwargs.values())
        params = _params(fn)
        names = {p.arg for p in params}
        child = _Function(self.engine, self.module, fn, self.cls,
                          event_param=None if self.event_param in names else self.event_param)
        child.inline_depth = self.inline_depth + 1
        child.env = dict(self.env)
        child.types, child.instances = dict(self.types), dict(self.instances)
        child.local_defs, child.aliases = dict(self.local_defs), dict(self.aliases)
        child.local_imports, child.heads = dict(self.local_imports), dict(self.heads)
        child.safe_parsers = set(self.safe_parsers)
        step = self.step(node, f"passed to {fn.name}()")
        for index, param in enumerate(params):
            value = args[index] if index < len(args) else kwargs.get(param.arg, {})
            child.env[param.arg] = {label: t.then(step) for label, t in value.items()}
            child.locals.add(param.arg)
        for extra in (fn.args.vararg, fn.args.kwarg):
            if extra is not None:
                child.env[extra.arg] = _union(*args[len(params):], *kwargs.values())
                child.locals.add(extra.arg)
        child.block(fn.body)
        for key, hit in child.hits.items():
            self.hits.setdefault(key, hit)
        for label, taint in child.global_writes.items():
            self.global_writes[label] = _union(self.global_writes.get(label, {}), taint)
        for name, taint in child.env.items():  # what it stored in the enclosing variables
            mine = self.env.get(name)
            if mine is not None and taint is not mine and name not in child.locals:
                self.env[name] = _union(mine, taint)
        back = self.step(node, f"returned from {fn.name}()")
        return {label: t.then(back) for label, t in child.returned.items()}

    def callbacks(self, node: ast.Call, receiver: Taint, args: list[Taint],
                  kwargs: Mapping[str | None, Taint]) -> None:
        """A lambda or nested function passed to a call (``map(fn, items)``,
        ``pool.submit(fn, x)``, ``Thread(target=fn, args=(x,))``) runs with the data the
        call was given."""
        given = [*node.args, *(k.value for k in node.keywords)]
        if not any(isinstance(a, ast.Lambda) or (isinstance(a, ast.Name) and a.id in
                                                 self.local_defs) for a in given):
            return
        taints = [*args, *kwargs.values()]
        for index, arg in enumerate(given):
            fn: FunctionNode | None = None
            if isinstance(arg, ast.Lambda):
                fn = _lambda_def(arg)
            elif isinstance(arg, ast.Name) and arg.id in self.local_defs:
                fn = self.local_defs[arg.id]
            if fn is None:
                continue
            data = _union(receiver, *(t for i, t in enumerate(taints) if i != index))
            self.inline(fn, [data] * len(_params(fn)), {}, node)

    def write_global(self, module: _Module, name: str, value: Taint, at: ast.AST) -> None:
        """Data stored in a module global that holds state, for every reader of it."""
        read = self.engine.global_read(module, name)
        if not value or read is None:
            return
        (label,) = read
        step = self.step(at, f"stored in module global {name}")
        stored = {source: t.then(step) for source, t in value.items() if source != label}
        if stored:
            assert isinstance(label, str)
            self.global_writes[label] = _union(self.global_writes.get(label, {}), stored)

    def module_instance(self, name: str) -> tuple[_Module, ast.ClassDef] | None:
        """The project class of an object made at module level (``svc = Service()``)."""
        if name in self.locals:  # (a global's entry in env is what was stored in it)
            return None
        made = self.module.constants.get(name)
        return self.project_class(made.func) if isinstance(made, ast.Call) else None

    def module_named(self, node: ast.expr) -> _Module | None:
        """The project module a name stands for (``import state``), if it is one."""
        if isinstance(node, ast.Name) and node.id not in self.env and node.id not in self.locals:
            bound = self.local_imports.get(node.id) or self.module.imports.get(node.id)
            if bound is not None:
                return self.engine.resolve_module(self.module.path, bound[1], bound[2])
        return None

    def getattr_targets(self, func: ast.expr
                        ) -> list[tuple[_Module, FunctionNode, ast.ClassDef | None, bool]]:
        """``getattr(self, "on_" + kind)(...)``: any method (or function of a project
        module) whose name starts with the fixed part of the name may run."""
        if not (isinstance(func, ast.Call) and isinstance(func.func, ast.Name)
                and func.func.id == "getattr" and len(func.args) >= 2):
            return []
        obj = func.args[0]
        prefix = self.prefix_text(func.args[1])[0].split("\0")[0]
        candidates: list[tuple[_Module, FunctionNode, ast.ClassDef | None, bool]] = []
        if isinstance(obj, ast.Name) and obj.id in ("self", "cls") and self.cls is not None:
            candidates = [(self.module, m, self.cls, True) for m in _methods(self.cls)]
        elif isinstance(obj, ast.Name) and (instance := self.instances.get(obj.id)
                                            or self.module_instance(obj.id)) is not None:
            module, cls = instance
            candidates = [(module, m, cls, True) for m in _methods(cls)]
        else:
            owner = self.module_named(obj)
            if owner is not None:
                candidates = [(owner, f, None, False) for f in owner.functions.values()]
        return [c for c in candidates if c[1].name.startswith(prefix)
                and (prefix.startswith("_") or not c[1].name.startswith("_"))][:MAX_DISPATCH]

    def project_call(self, node: ast.Call, receiver: Taint, args: list[Taint],
                     kwargs: dict[str | None, Taint]) -> Taint | None:
        target = self.callee(node.func)
        if target is not None:
            return self.apply_summary(node, target, receiver, args, kwargs)
        made = self.project_class(node.func)
        init = _method(made[1], "__init__") if made is not None else None
        if made is not None and init is not None:
            return self.apply_summary(node, (made[0], init, made[1], True), {}, args, kwargs,
                                      construct=True)
        dynamic = self.getattr_targets(node.func)
        if dynamic:
            assert isinstance(node.func, ast.Call)
            obj = self.peek(node.func.args[0])
            results = [self.apply_summary(node, t, obj, args, kwargs) for t in dynamic]
            return _union(*(r for r in results if r is not None))
        routes = self.dispatch_table(node.func)
        if not routes:
            return None
        results = [self.apply_summary(node, (module, fn, None, False), {}, args, kwargs)
                   for module, fn in routes]
        return _union(*(r for r in results if r is not None))

    def dispatch_table(self, func: ast.expr) -> list[tuple[_Module, FunctionNode]]:
        """``ROUTES[key](...)`` / ``ROUTES.get(key)(...)`` with a module-level dict of
        project functions: any of them may run."""
        table: ast.expr | None = None
        if isinstance(func, ast.Subscript):
            table = func.value
        elif isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) \
                and func.func.attr == "get":
            table = func.func.value
        if not isinstance(table, ast.Name) or table.id in self.env:
            return []
        mapping = self.module.constants.get(table.id)
        if not isinstance(mapping, ast.Dict):
            return []
        found: list[tuple[_Module, FunctionNode]] = []
        for value in mapping.values:
            if isinstance(value, ast.Name):
                hit = self.engine.lookup(self.module, value.id)
                if hit is not None and isinstance(hit[1], ast.FunctionDef | ast.AsyncFunctionDef):
                    found.append((hit[0], hit[1]))
        return found

    def apply_summary(self, node: ast.Call,
                      target: tuple[_Module, FunctionNode, ast.ClassDef | None, bool],
                      receiver: Taint, args: list[Taint], kwargs: dict[str | None, Taint],
                      construct: bool = False) -> Taint | None:
        """The callee's summary applied to this call; with ``construct``, ``target`` is
        the ``__init__`` of a project class and the result is the new object: what
        ``__init__`` stored in ``self``."""
        module, fn, cls, bound = target
        summary = self.engine.summary(module, fn, cls)
        if summary is None:
            return None
        params = _params(fn)
        actual: dict[int, Taint] = {}
        offset = 0
        if bound:
            actual[0] = receiver
            offset = 1
        for i, value in enumerate(args):
            if isinstance(node.args[i], ast.Starred):
                break
            if i + offset < len(params):
                actual[i + offset] = value
        names = {p.arg: i for i, p in enumerate(params)}
        for key, value in kwargs.items():
            if key in names:
                actual[names[key]] = value
        label = f"{cls.name}.{fn.name}" if cls is not None else fn.name
        call_step = self.step(node, f"passed to {label}()")
        given: dict[int, ast.expr] = {i + offset: a for i, a in enumerate(node.args)
                                      if not isinstance(a, ast.Starred)}
        if bound and isinstance(node.func, ast.Attribute) and not construct:
            given[0] = node.func.value
        names = {p.arg: i for i, p in enumerate(params)}
        given.update({names[k.arg]: k.value for k in node.keywords if k.arg in names})
        for index, kinds in summary.checks.items():
            if index in given:
                self.apply_guard(dict.fromkeys(self.guard_keys(given[index]), kinds))
        for holder, sources in summary.stores.items():
            if holder not in given:
                continue
            for index, inner in sources.items():
                for source_label, trace in actual.get(index, {}).items():
                    stored = trace.then(call_step).joined(inner.steps, inner.safe)
                    self.store_into(given[holder], {source_label: replace(
                        stored, source=trace.source)}, node)
        for glabel, written in summary.global_writes.items():
            mapped: Taint = {}
            for inner_label, inner in written.items():
                if isinstance(inner_label, str):
                    mapped = _union(mapped, {inner_label: inner})
                    continue
                for source_label, trace in actual.get(inner_label, {}).items():
                    mapped = _union(mapped, {source_label: replace(trace.then(call_step).joined(
                        inner.steps, inner.safe), source=trace.source)})
            if mapped:
                self.global_writes[glabel] = _union(self.global_writes.get(glabel, {}), mapped)
        for hit in summary.hits:
            if not isinstance(hit.label, int):
                self.record(hit.label, hit.kind, hit.sink, hit.trace)  # a module global read
                continue
            for source_label, trace in actual.get(hit.label, {}).items():
                if hit.kind in trace.safe:
                    continue
                combined = replace(trace.then(call_step).joined(
                    hit.trace.steps, hit.trace.safe), source=trace.source)
                self.record(source_label, hit.kind, hit.sink, combined)
        result: Taint = {}
        back = self.step(node, f"returned from {label}()")
        if construct:
            made = self.step(node, f"stored in a new {label.split('.')[0]}")
            for index, inner in summary.stores.get(0, {}).items():
                for source_label, trace in actual.get(index, {}).items():
                    combined = trace.then(call_step).joined(inner.steps, inner.safe).then(made)
                    result = _union(result, {source_label: replace(combined,
                                                                   source=trace.source)})
            return result
        for returned, inner in summary.returns.items():
            if not isinstance(returned, int):
                result = _union(result, {returned: inner.then(back)})
                continue
            for source_label, trace in actual.get(returned, {}).items():
                combined = trace.then(call_step).joined(inner.steps, inner.safe).then(back)
                result = _union(result, {source_label: replace(combined, source=trace.source)})
        return result

    def callee(self, func: ast.expr
               ) -> tuple[_Module, FunctionNode, ast.ClassDef | None, bool] | None:
        """The project function a call runs: (module, def, class, bound to a receiver)."""
        engine = self.engine
        if isinstance(func, ast.Name) and func.id in self.aliases:
            alias = self.aliases[func.id]
            return self.callee(alias) if alias is not func else None
        if isinstance(func, ast.Name):
            if func.id in self.env or func.id in self.local_imports:
                return None
            found = engine.lookup(self.module, func.id)
            if found is not None and isinstance(found[1], ast.FunctionDef | ast.AsyncFunctionDef):
                return found[0], found[1], None, False
            return None
        if not isinstance(func, ast.Attribute):
            return None
        base = func.value
        if isinstance(base, ast.Name):
            if base.id in ("self", "cls") and self.cls is not None:
                method = _method(self.cls, func.attr)
                return (self.module, method, self.cls, True) if method else None
            if base.id in self.instances:
                module, cls = self.instances[base.id]
                method = _method(cls, func.attr)
                return (module, method, cls, True) if method else None
            instance = self.module_instance(base.id)
            if instance is not None:
                method = _method(instance[1], func.attr)
                return (instance[0], method, instance[1], True) if method else None
            if base.id not in self.env:
                module_ = engine.module_of_name(self.module, base.id)
                if module_ is not None:
                    found = engine.lookup(module_, func.attr)
                    if found is not None and isinstance(found[1], ast.FunctionDef
                                                        | ast.AsyncFunctionDef):
                        return found[0], found[1], None, False
                    return None
        instance = self.project_class(base.func) if isinstance(base, ast.Call) else None
        if instance is not None:
            method = _method(instance[1], func.attr)
            return (instance[0], method, instance[1], True) if method else None
        return None

    def project_class(self, func: ast.expr) -> tuple[_Module, ast.ClassDef] | None:
        found = None
        if isinstance(func, ast.Name) and func.id not in self.env:
            found = self.engine.lookup(self.module, func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            module = self.engine.module_of_name(self.module, func.value.id)
            found = self.engine.lookup(module, func.attr) if module else None
        if found is not None and isinstance(found[1], ast.ClassDef):
            return found[0], found[1]
        return None

    # --- sinks -----------------------------------------------------------------------

    def record(self, label: Label, kind: str, sink: str, trace: Trace) -> None:
        key = (label, kind, trace.steps[-1].loc)
        if key not in self.hits:
            self.hits[key] = _Hit(label, kind, sink, trace)

    def report(self, node: ast.AST, kind: str, sink: str, taint: Taint) -> None:
        step = self.step(node, f"reaches {sink}")
        for label, trace in taint.items():
            if kind not in trace.safe:
                steps = (*trace.steps, step)[-MAX_STEPS:] if len(trace.steps) >= MAX_STEPS \
                    else (*trace.steps, step)
                self.record(label, kind, sink, replace(trace, steps=steps))

    def check_sinks(self, node: ast.Call, qual: str | None, name: str | None,
                    receiver: Taint, args: list[Taint], kwargs: dict[str | None, Taint]
                    ) -> None:
        def arg(index: int, *keywords: str) -> Taint:
            value = args[index] if index < len(args) else {}
            return _union(value, *(kwargs.get(k, {}) for k in keywords))

        if qual in S.SINKS:
            spec = S.SINKS[qual]
            taint = _union(*(arg(i) for i in spec.args), *(kwargs.get(k, {}) for k in spec.kwargs))
            self.report(node, spec.kind, f"{qual}()", taint)
        elif qual in S.SUBPROCESS:
            self.subprocess(node, qual, arg(0, "args"))
        elif qual in S.YAML_LOAD:
            loader = node.args[1] if len(node.args) > 1 else _keyword(node, "Loader")
            loader_name = (self.qual(loader) or "") if loader is not None else ""
            if not loader_name.endswith(S.SAFE_YAML_LOADERS):
                self.report(node, "deserialization", f"{qual}()", arg(0, "stream"))
        elif qual in S.LXML_PARSE:
            parser = node.args[1] if len(node.args) > 1 else _keyword(node, "parser")
            if not self.safe_parser(parser):
                self.report(node, "xxe", f"{qual}()", arg(0, "text", "source"))
        if name is None or not isinstance(node.func, ast.Attribute):
            return
        recv_text = _text(node.func.value, 30)
        if name in S.SQL_METHODS:
            self.report(node, "sql", f"{recv_text}.{name}()", arg(0, *S.SQL_KWARGS))
        if name in S.PARTIQL_METHODS:
            self.report(node, "nosql", f"{recv_text}.{name}(Statement)", kwargs.get("Statement", {}))
            self.report(node, "sql", f"{recv_text}.{name}(sql)", kwargs.get("sql", {}))
        for expression in S.DYNAMO_EXPRESSIONS:
            if expression in kwargs:
                # on a call written over several lines, point at the expression itself
                at = _keyword(node, expression) or node
                self.report(at, "nosql", f"{recv_text}.{name}({expression})", kwargs[expression])
        if name in S.MONGO_METHODS and self.uses_mongo():
            self.mongo(node, f"{recv_text}.{name}()", args)
        if name in S.PATH_RECEIVER_METHODS and qual not in S.SINKS:
            self.report(node, "path", f"{recv_text}.{name}()", receiver)
            if name in S.ARCHIVE_EXTRACT:
                self.report(node, "path", f"{recv_text}.{name}()", arg(0, "path", "member"))
        if name in S.S3_DOWNLOAD:
            self.report(node, "path", f"{recv_text}.{name}(Filename)", arg(2, "Filename"))

    def subprocess(self, node: ast.Call, qual: str, command: Taint) -> None:
        shell = _keyword(node, "shell")
        if shell is not None and not (isinstance(shell, ast.Constant) and not shell.value):
            self.report(node, "command", f"{qual}(shell=True)", command)
            return
        first = node.args[0] if node.args else _keyword(node, "args")
        if isinstance(first, ast.List | ast.Tuple):
            program = self.peek(first.elts[0]) if first.elts else {}
        elif isinstance(first, ast.Name) and first.id in self.heads:
            program = self.heads[first.id]
        else:
            program = command
        self.report(node, "command", f"{qual}()", program)

    def safe_parser(self, parser: ast.expr | None) -> bool:
        if isinstance(parser, ast.Name):
            if parser.id not in self.env and parser.id in self.module.constants:
                return self.safe_parser(self.module.constants[parser.id])
            return parser.id in self.safe_parsers
        if isinstance(parser, ast.Call):
            return (self.qual(parser.func) in S.LXML_PARSER
                    and _keyword_false(parser, "resolve_entities"))
        return False

    def uses_mongo(self) -> bool:
        return bool(self.module.top_modules & S.MONGO_MODULES)

    def mongo(self, node: ast.Call, sink: str, args: list[Taint]) -> None:
        if not node.args:
            return
        query = node.args[0]
        if isinstance(query, ast.Dict):
            self.report(node, "nosql", sink, self.mongo_operators(query))
        elif isinstance(query, ast.List):  # an aggregation pipeline
            for stage in query.elts:
                if isinstance(stage, ast.Dict):
                    self.report(node, "nosql", sink, self.mongo_operators(stage))
        else:
            self.report(node, "nosql", sink, args[0])  # the whole filter comes from input

    def mongo_operators(self, query: ast.Dict) -> Taint:
        """Taint that can choose an operator: a tainted key, a ``$where``/``$function``
        body, or a whole sub-document from input."""
        found: Taint = {}
        for key, value in zip(query.keys, query.values, strict=True):
            if key is None:
                found = _union(found, self.peek(value))
                continue
            found = _union(found, self.peek(key))
            if isinstance(key, ast.Constant) and key.value in ("$where", "$function",
                                                               "$accumulator", "$expr"):
                found = _union(found, self.peek(value))
            elif isinstance(value, ast.Dict):
                found = _union(found, self.mongo_operators(value))
        return found


# --- helpers -------------------------------------------------------------------------


def _from_input(taint: Taint) -> bool:
    """Taint from the event or a parameter; a module global alone (an allow-list set at
    import, ``ALLOWED = {...}``) is not input."""
    return any(not (isinstance(label, str) and label.startswith(GLOBAL)) for label in taint)


def _as_load(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Name):
        return ast.copy_location(ast.Name(node.id, ast.Load()), node)
    return node


def _merge_envs(envs: list[dict[str, Taint]]) -> dict[str, Taint]:
    merged: dict[str, Taint] = {}
    for env in envs:
        for name, taint in env.items():
            merged[name] = _union(merged[name], taint) if name in merged else taint
    return merged


def _merge_guards(parts: Iterable[Mapping[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    merged: dict[str, frozenset[str]] = {}
    for part in parts:
        for name, kinds in part.items():
            merged[name] = merged.get(name, frozenset()) | kinds
    return merged


def _mentions(node: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _attr(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _keyword_false(node: ast.Call, name: str) -> bool:
    value = _keyword(node, name)
    return isinstance(value, ast.Constant) and value.value is False


def _is_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.Tuple | ast.List) and all(_is_constant(e) for e in node.elts))


def _anchored(args: list[ast.expr]) -> bool:
    return bool(args) and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str) \
        and args[0].value.endswith(("$", "\\Z"))


def _numeric_types(node: ast.expr) -> bool:
    names = [node] if not isinstance(node, ast.Tuple) else node.elts
    return all(isinstance(n, ast.Name) and n.id in ("int", "float", "bool") for n in names)


def _fixed_url_prefix(text: str) -> bool:
    """True for "https://host/..." : a scheme, a host with no substitution, and a slash."""
    scheme, sep, rest = text.partition("://")
    if not sep or not scheme.isalpha():
        return False
    host, slash, _ = rest.partition("/")
    return bool(slash) and bool(host) and "\0" not in host and "@" not in host


def _from_environment(node: ast.expr) -> bool:
    """``os.environ["API_URL"]`` / ``os.getenv("API_URL")``: configuration, not input."""
    if not isinstance(node, ast.Subscript | ast.Call):
        return False
    text = _text(node, 200)
    return text.startswith(("os.environ", "os.getenv(", "environ[", "getenv("))


# --- public entry ----------------------------------------------------------------------


def engine_for(project: PythonProject) -> Engine:
    """One engine per project: functions shared by several handlers are summarised once.
    Kept on the project (not in a table keyed by it: the engine refers to its project,
    so such an entry would never go away)."""
    engine: Engine | None = project.derived.get("taint.engine")
    if engine is None:
        engine = project.derived["taint.engine"] = Engine(project)
    return engine


def find_flows(project: PythonProject, handler: HandlerRef) -> list[TaintFlow]:
    """Every path from the handler's event to a sink, one per (sink line, kind)."""
    engine = engine_for(project)
    path = handler.file.resolve()
    module = engine.module(path)
    if module is None:
        return []
    found = engine.lookup(module, handler.function_name)
    if found is None or not isinstance(found[1], ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    entry_module, fn = found[0], found[1]
    params = _params(fn)
    if not params:
        return []
    analysis = _Function(engine, entry_module, fn, None, event_param=params[0].arg)
    engine._stack.append((entry_module.path, id(fn)))
    try:
        analysis.run()
    finally:
        engine._stack.pop()
    stored = _tainted_globals(analysis.global_writes)
    flows: dict[tuple[Location, str], TaintFlow] = {}
    for hit in analysis.hits.values():
        trace = hit.trace
        if hit.label != EVENT:
            held = stored.get(hit.label) if isinstance(hit.label, str) else None
            if held is None or hit.kind in held.safe:
                continue
            trace = replace(held.joined(trace.steps, trace.safe), source=held.source)
        flow = TaintFlow(sink_kind=hit.kind, sink=hit.sink, source=trace.source,
                         steps=trace.steps)
        key = (flow.loc, flow.sink_kind)
        if key not in flows or len(flow.steps) < len(flows[key].steps):
            flows[key] = flow
    return sorted(flows.values(), key=lambda f: (f.loc.file, f.loc.line or 0, f.sink_kind))


def _tainted_globals(writes: Mapping[str, Taint]) -> dict[str, Trace]:
    """The module globals the run stored event data in, directly or through another
    global, each with how the data got there. Order does not matter: a warm Lambda keeps
    its globals from one invocation to the next."""
    tainted: dict[str, Trace] = {}
    for _ in range(len(writes) + 1):
        changed = False
        for label, taint in writes.items():
            for source, trace in taint.items():
                if source == EVENT:
                    found = trace
                elif isinstance(source, str) and source in tainted:
                    held = tainted[source]
                    found = replace(held.joined(trace.steps, trace.safe), source=held.source)
                else:
                    continue
                old = tainted.get(label)
                if old is None or not found.safe >= old.safe:
                    tainted[label] = found if old is None else Trace(
                        found.source, found.steps, found.safe & old.safe)
                    changed = True
        if not changed:
            break
    return tainted


def reachable_functions(project: PythonProject, handler: HandlerRef
                        ) -> list[tuple[str, Path, FunctionNode]]:
    """The handler's entry function and the project functions it calls, transitively
    (by the same resolution as the data flow): (relative file, path, def)."""
    engine = engine_for(project)
    module = engine.module(handler.file.resolve())
    if module is None:
        return []
    found = engine.lookup(module, handler.function_name)
    if found is None or not isinstance(found[1], ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    order: list[tuple[str, Path, FunctionNode]] = []
    seen: set[int] = set()
    queue: list[tuple[_Module, FunctionNode, ast.ClassDef | None]] = [(found[0], found[1], None)]
    while queue and len(order) < 500:
        mod, fn, cls = queue.pop(0)
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        order.append((mod.rel, mod.path, fn))
        queue.extend(c for c in engine.callees(mod, fn, cls) if id(c[1]) not in seen)
    return order
