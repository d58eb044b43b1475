"""boto3 calls in a function's code, as botocore operations with their targets.

A small abstract interpreter over the syntax trees: each name, attribute of ``self``,
module global, function parameter and return value holds a set of abstract values
("an S3 client", "the DynamoDB table named by env var TABLE", "the string 'x'").
Assignments add to the set (weak updates), so the result over-approximates what any
path can do; the passes repeat until nothing changes, then a last pass reports the
calls. A pass runs a scope again only when a value it read changed after it read it
(the other scopes would do and report what they did last time, so they keep that).
Functions count only when the handler or module code can reach them.

Handlers of one tree share library modules, and a library scope mostly meets the same
values in every handler's analysis: each run of a scope of a shared file is recorded
(what it observed, in order, and what it did), and a later analysis about to run the
scope with the same observations replays the run instead (``_Runs``). The result is the
same as running it; the record covers everything a run depends on, the function's
environment included.

Names come from the SDK's own models (``botodata``): client methods from botocore's
operations, the resource API from boto3's ``resources-1.json``. What cannot be told
statically (a client for a service held in a variable, ``getattr(client, name)``)
becomes an ``Unknown`` at its line: never a guess.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.code.facts import SdkCall, Target, Unknown
from faasguard.code.handlers import HandlerRef
from faasguard.code.python import botodata
from faasguard.code.python.boto import (
    CONTAINERS,
    INJECTED_LOAD,
    NOTHING,
    RESOURCE_TRANSFER,
    SDK_FROM,
    SDK_MODULES,
    TRANSFER,
    BatchWriter,
    Bound,
    ClassVal,
    Client,
    Coll,
    Factory,
    FuncKey,
    FuncVal,
    Instance,
    Meta,
    ModuleVal,
    Namespace,
    Os,
    Paginator,
    Res,
    Sdk,
    Session,
    Str,
    Vals,
    Waiter,
    client_has,
    is_target_param,
    make_target,
    needs_data,
    one_str,
    resource_models,
    resource_spec,
    sdk_attribute,
    unparse,
)
from faasguard.code.python.project import PythonProject, children
from faasguard.model import App, Function, Location, Ref, Unresolved, text

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

MAX_ROUNDS = 8
MAX_VALUES = 24
"""Values kept per name; beyond that the name is treated as unknown."""
_PLAIN_DECORATORS = frozenset({"staticmethod", "classmethod", "property", "wraps", "cache",
                               "lru_cache", "cached_property", "dataclass", "abstractmethod",
                               "contextmanager", "asynccontextmanager", "overload"})

MAX_RUNS = 64
"""Recorded runs kept per scope for reuse by the next handlers (the variants a shared
library function meets: one per table or bucket its callers pass, per round)."""

_READ, _ADD, _REACH, _LOAD, _GLOBAL = range(5)
"""Kinds of event in a recorded run."""

_CELL, _FACT_SCOPE, _FACT_MODULE, _FACT_CLASS, _FACT_METHODS, _FACT_ENV, _FACT_GLOBALS, \
    _FACT_QUIET = range(8)
"""What a run observes: the value of a cell when the run first touches it, and, besides
the cells, which scopes and modules the handler's files hold, the methods of a name,
the function's environment, ``global`` names."""


class _Reads:
    """The cells the scope being run has read so far, each with the tick of its first
    read (None between scopes), and the clock that orders reads and changes. While a
    run is recorded for reuse (``log`` set), also what the run did, in order, and what
    it observed, in order (see ``_Runs``)."""

    __slots__ = ("current", "done", "log", "seen", "tick")

    def __init__(self) -> None:
        self.current: dict[tuple[int, Any], int] | None = None
        self.tick = 0
        self.log: list[tuple[Any, ...]] | None = None
        self.seen: dict[tuple[Any, ...], Any] = {}
        """Observation -> what the run saw, in the order the run made them."""
        self.done: set[tuple[int, Any]] = set()
        """Reach and load events already logged by the run being recorded."""

    def first_read(self, table: _Cells, key: Any) -> None:
        self.seen.setdefault((_CELL, table.name, key), dict.get(table, key, NOTHING))
        if self.log is not None:
            self.log.append((_READ, table, key))


class _Cells(dict[Any, Vals]):
    """A table of abstract values that notes every read, so that a scope whose inputs
    did not change since its last run is not run again (it would do the same).
    ``name`` says which table it is in any handler's analysis (runs are reused
    across analyses)."""

    __slots__ = ("name", "reads")

    def __init__(self, reads: _Reads, name: tuple[str, Any]) -> None:
        super().__init__()
        self.reads = reads
        self.name = name

    def get(self, key: Any, default: Any = None) -> Any:
        reads = self.reads
        current = reads.current
        if current is not None:
            cell = (id(self), key)
            if cell not in current:
                current[cell] = reads.tick
                if reads.log is not None:
                    reads.first_read(self, key)
        return dict.get(self, key, default)


@dataclass(eq=False, slots=True)
class _Run:
    """What one recorded run of a scope did: its events in order, its reports."""

    tables: list[tuple[str, Any]]
    """The names of the tables the events read and change."""
    events: list[tuple[Any, ...]]
    """In order; a read or a change names its table by its index in ``tables``."""
    calls: dict[tuple[Any, ...], SdkCall]
    unknowns: dict[tuple[Location, str], Unknown]
    quiet: bool


class _Runs:
    """The recorded runs of one scope, as a tree of observations. A run is
    deterministic: two runs that saw the same values in their first n observations
    make the same next one. So each node asks one observation, its children are keyed
    by the value seen, and a leaf holds the run that saw the values on its path.
    Another handler's analysis about to run the scope answers the questions in its own
    state; reaching a leaf, it replays the run instead (the same reads, changes and
    reports), since running would do exactly that."""

    __slots__ = ("children", "count", "query", "run")

    def __init__(self) -> None:
        self.query: tuple[Any, ...] | None = None
        self.children: dict[Any, _Runs] = {}
        self.run: _Run | None = None
        self.count = 0
        """Runs kept under this node (counted at the root)."""

    def add(self, seen: Iterable[tuple[tuple[Any, ...], Any]], run: _Run) -> None:
        node = self
        for query, value in seen:
            if node.run is not None:
                return  # cannot happen for a deterministic run: keep nothing
            if node.query is None:
                node.query = query
            elif node.query != query:
                return
            child = node.children.get(value)
            if child is None:
                child = node.children[value] = _Runs()
            node = child
        if node.query is None and node.run is None:
            node.run = run
            self.count += 1


@dataclass(eq=False)
class Scope:
    key: FuncKey
    path: Path
    node: ast.AST
    parent: Scope | None
    """The enclosing function scope (closures), or None at module level."""
    cls: FuncKey | None = None
    """The class a method belongs to; for a class body, the class itself."""
    env: _Cells = field(default_factory=lambda: _Cells(_Reads(), ("env", None)))
    global_names: set[str] = field(default_factory=set)
    module: Scope | None = None
    """The scope of the file (for a module, itself)."""
    chain: tuple[_Cells, ...] = ()
    """Where a name is looked up before the module: this scope, then the enclosing
    function scopes (class bodies do not enclose)."""
    loaded: set[str] = field(default_factory=set)
    """For a module: its global names read by reached code (``_Analysis.loaded``)."""
    reached: bool = False
    """A function the handler's code can reach (it runs in every round it is due)."""
    reads: dict[tuple[int, Any], int] | None = None
    """The cells its last run read, with the tick of the first read (see ``_due``)."""
    calls: dict[tuple[Any, ...], SdkCall] = field(default_factory=dict)
    unknowns: dict[tuple[Location, str], Unknown] = field(default_factory=dict)
    """What its last run reported."""
    shared: bool = False
    """Its runs are recorded for other handlers (see ``_Analysis.shared``)."""
    runs: _Runs | None = None
    """Runs of it that earlier handlers recorded."""

    @property
    def is_module(self) -> bool:
        return isinstance(self.node, ast.Module)


# --- the analysis ---------------------------------------------------------------------


def find_calls(project: PythonProject, handler: HandlerRef, fn: Function,
               app: App, reuse: bool = True) -> tuple[list[SdkCall], list[Unknown]]:
    """Every boto3 operation the handler's code can reach, and what could not be told.
    ``reuse``: replay runs of shared modules recorded by earlier handlers of the project
    (the same result, faster); off, every scope runs."""
    analysis = _Analysis(project, handler, fn, app, reuse)
    return analysis.run()


class _Analysis:
    def __init__(self, project: PythonProject, handler: HandlerRef, fn: Function,
                 app: App, reuse: bool = True) -> None:
        self.project = project
        self.handler = handler
        self.fn = fn
        self.files = project.reachable(handler.file)
        self.modules: dict[Path, Scope] = {}
        self.scopes: dict[FuncKey, Scope] = {}
        self.classes: dict[FuncKey, ast.ClassDef] = {}
        self.methods: dict[str, list[FuncKey]] = {}
        self.tracker = _Reads()
        self.params: dict[FuncKey, _Cells] = {}
        self.returns = _Cells(self.tracker, ("ret", None))
        self.attrs: dict[FuncKey, _Cells] = {}
        self.stamps: dict[tuple[int, Any], int] = {}
        """When each cell last changed (a tick of ``self.tracker``)."""
        self.decorated: list[Scope] = []
        """Functions with decorators, in ``scopes`` order (see ``_reach_decorated``)."""
        self.loaded: dict[Path, set[str]] = {}
        """Global names read by reached code, per module (to reach decorated functions)."""
        self.changed = False
        self.emit = False
        self.calls: dict[tuple[Any, ...], SdkCall] = {}
        self.unknowns: dict[tuple[Location, str], Unknown] = {}
        self.skip_entries = _other_entries(app, fn, handler, project)
        self.memo: dict[FuncKey, _Runs] | None = \
            project.derived.setdefault("sdk.runs", {}) if reuse else None
        """Recorded runs by scope, shared by the handlers of the project."""
        self.shared: set[Path] = set()
        """Files whose scope runs are recorded: those other handlers can reach too
        (not the handler's own file, unless it holds another handler)."""
        if self.memo is not None and self.files:
            own = self.files[0]
            self.shared = set(self.files[1:])
            if _entry_files(app, project)[handler.file] > 1:  # another handler's file too
                self.shared.add(own)

    # --- driver --------------------------------------------------------------------

    def run(self) -> tuple[list[SdkCall], list[Unknown]]:
        for path in self.files:
            tree = self.project.parse(path)
            if tree is not None:
                self._collect(path, tree)
        entry = self.project.find_function(self.handler.file, self.handler.function_name)
        if entry is not None:
            self._reach((entry[0], _qualname_of(self.scopes, entry[0], entry[1])))
        # every round reports; the first round that changes nothing has seen everything
        self.emit = True
        for _ in range(MAX_ROUNDS + 1):
            self.changed = False
            self._round()
            if not self.changed:
                break
        # what the last round reported, in the order it ran the scopes
        calls: dict[tuple[Any, ...], SdkCall] = {}
        unknowns: dict[tuple[Location, str], Unknown] = {}
        for scope in self._round_order():
            for key, call in scope.calls.items():
                calls.setdefault(key, call)
            for where, unknown in scope.unknowns.items():
                unknowns.setdefault(where, unknown)
        return list(calls.values()), list(unknowns.values())

    def _round_order(self) -> Iterator[Scope]:
        for path in reversed(self.files):  # imported modules first: fewer rounds
            scope = self.modules.get(path)
            if scope is not None:
                yield scope
        for scope in list(self.scopes.values()):
            if scope.reached or isinstance(scope.node, ast.ClassDef):
                yield scope

    def _round(self) -> None:
        for scope in self._round_order():
            if self._due(scope):
                self._guarded(scope)
        self._reach_decorated()

    def _due(self, scope: Scope) -> bool:
        """False when nothing the scope read in its last run has changed since: running
        it again would bind, reach and report exactly what it did then."""
        reads = scope.reads
        if reads is None:
            return True
        # a change before the first read was seen by every read: a new run sees the same
        stamp = self.stamps.get
        for cell, tick in reads.items():  # noqa: SIM110 - a loop: any() over a generator costs more here
            if stamp(cell, -1) >= tick:
                return True
        return False

    def _guarded(self, scope: Scope) -> None:
        """One scope; an expression nested past the interpreter's stack loses only it."""
        if scope.runs is not None:
            found = self._find(scope.runs)
            if found is not None:
                self._replay(scope, found)
                return
        tracker = self.tracker
        reads = scope.reads = {(id(scope.global_names), None): tracker.tick}
        self.calls = scope.calls = {}
        self.unknowns = scope.unknowns = {}
        tracker.current = reads
        recording = scope.shared
        if recording:
            tracker.log = []
            tracker.seen = {(_FACT_GLOBALS, scope.key): frozenset(scope.global_names),
                            (_FACT_QUIET, None): self._quiet}
            tracker.done = set()
        try:
            self._run_scope(scope)
        except RecursionError:
            recording = False
            self._current_path = scope.path
            self._unknown(scope.node, "code nested too deeply to analyse")
        finally:
            tracker.current = None
        if recording:
            self._keep(scope, tracker.log or [])
        tracker.log = None

    # --- reuse of recorded runs ------------------------------------------------------

    def _keep(self, scope: Scope, log: list[tuple[Any, ...]]) -> None:
        """Store the run just made, in terms any handler's analysis can check."""
        assert self.memo is not None
        runs = scope.runs
        if runs is None:
            runs = scope.runs = self.memo[scope.key] = _Runs()
        if runs.count >= MAX_RUNS:
            return
        events: list[tuple[Any, ...]] = []
        index: dict[int, int] = {}
        tables: list[tuple[str, Any]] = []
        for event in log:  # tables by name: the next analysis has its own
            if event[0] <= _ADD:
                table = event[1]
                at = index.get(id(table))
                if at is None:
                    at = index[id(table)] = len(tables)
                    tables.append(table.name)
                events.append((event[0], at, *event[2:]))
            else:
                events.append(event)
        runs.add(self.tracker.seen.items(),
                 _Run(tables=tables, events=events, calls=self.calls, unknowns=self.unknowns,
                      quiet=self._quiet))

    def _find(self, runs: _Runs) -> _Run | None:
        """The recorded run that saw what running the scope now would see, if any."""
        node: _Runs | None = runs
        while node is not None:
            if node.run is not None:
                return node.run
            if node.query is None:
                return None
            node = node.children.get(self._observe(node.query))
        return None

    def _observe(self, query: tuple[Any, ...]) -> Any:
        kind = query[0]
        if kind == _CELL:
            table = self._table(query[1], create=False)
            if table is None:
                return None if query[1][0] == "env" else NOTHING
            return dict.get(table, query[2], NOTHING)
        return self._fact(kind, query[1])

    def _fact(self, kind: int, arg: Any) -> Any:
        """A fact as this analysis sees it (see ``_Reads.seen``)."""
        if kind == _FACT_SCOPE:
            return arg in self.scopes
        if kind == _FACT_MODULE:
            return arg in self.modules
        if kind == _FACT_CLASS:
            return arg in self.classes
        if kind == _FACT_METHODS:
            return tuple(self.methods.get(arg, ()))
        if kind == _FACT_ENV:
            return self._env_of(arg)
        if kind == _FACT_GLOBALS:
            scope = self.modules.get(arg[0]) if arg[1] == "" else self.scopes.get(arg)
            return frozenset(scope.global_names) if scope is not None else None
        return self._quiet

    def _table(self, name: tuple[str, Any], create: bool) -> _Cells | None:
        """The table of this analysis that ``name`` stands for; None when the handler's
        files do not hold it (or, unless ``create``, when it is still empty)."""
        kind, key = name
        if kind == "env":
            scope = self.modules.get(key[0]) if key[1] == "" else self.scopes.get(key)
            return scope.env if scope is not None else None
        if kind == "param":
            return self._params(key) if create else self.params.get(key)
        if kind == "attr":
            return self._attrs(key) if create else self.attrs.get(key)
        return self.returns

    def _replay(self, scope: Scope, run: _Run) -> None:
        """Do what the recorded run did: the same reads (for ``_due``), changes, reached
        functions and reports, in the same order."""
        tracker = self.tracker
        reads = scope.reads = {(id(scope.global_names), None): tracker.tick}
        self.calls = scope.calls = dict(run.calls)
        self.unknowns = scope.unknowns = dict(run.unknowns)
        self._current_path = scope.path
        tables: list[_Cells] = []
        for name in run.tables:
            found = self._table(name, create=True)
            assert found is not None  # observed by the run: _find found it
            tables.append(found)
        for event in run.events:
            kind = event[0]
            if kind == _READ:
                reads.setdefault((id(tables[event[1]]), event[2]), tracker.tick)
            elif kind == _ADD:
                self._add(tables[event[1]], event[2], event[3])
            elif kind == _REACH:
                self._reach(event[1])
            elif kind == _LOAD:
                self.loaded.setdefault(event[1], set()).add(event[2])
            else:
                self._declare_global(scope, event[1])
        self._quiet = run.quiet

    def _note(self, kind: int, arg: Any, value: Any) -> None:
        """A fact the run being recorded depends on (the first sighting is the one)."""
        self.tracker.seen.setdefault((kind, arg), value)

    def _stamp(self, cell: tuple[int, Any]) -> None:
        self.stamps[cell] = self.tracker.tick
        self.tracker.tick += 1

    def _collect(self, path: Path, tree: ast.Module) -> None:
        module = Scope((path, ""), path, tree, None, env=_Cells(self.tracker, ("env", (path, ""))))
        module.module = module
        module.chain = (module.env,)
        module.loaded = self.loaded.setdefault(path, set())
        memo = self.memo
        module.shared = path in self.shared
        module.runs = memo.get(module.key) if memo is not None else None
        self.modules[path] = module
        for qual, node, parent_qual, cls_qual in _layout(self.project, path, tree):
            key = (path, qual)
            parent = module if parent_qual == "" else \
                self.scopes[(path, parent_qual)] if parent_qual is not None else None
            if isinstance(node, ast.ClassDef):
                self.classes[key] = node
                self.scopes[key] = Scope(key, path, node, parent, cls=key,
                                         env=_Cells(self.tracker, ("env", key)))
            else:
                cls = (path, cls_qual) if cls_qual is not None else None
                self.scopes[key] = Scope(key, path, node, parent, cls=cls,
                                         env=_Cells(self.tracker, ("env", key)))
                if cls is not None:
                    self.methods.setdefault(node.name, []).append(key)
            scope = self.scopes[key]
            scope.module = module
            scope.shared = module.shared
            scope.runs = memo.get(key) if memo is not None else None
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    node.decorator_list:
                self.decorated.append(scope)
            chain = [scope.env]
            enclosing = scope.parent
            while enclosing is not None:
                if not isinstance(enclosing.node, ast.ClassDef):
                    chain.append(enclosing.env)
                enclosing = enclosing.parent
            scope.chain = tuple(chain)

    def _reach(self, key: FuncKey) -> None:
        scope = self.scopes.get(key)
        log = self.tracker.log
        if log is not None and (_REACH, key) not in self.tracker.done:
            self.tracker.done.add((_REACH, key))
            self._note(_FACT_SCOPE, key, scope is not None)
            if scope is not None:
                log.append((_REACH, key))
        if scope is not None and not scope.reached:
            scope.reached = True
            self.changed = True

    def _reach_decorated(self) -> None:
        """Functions registered through a decorator (routers, event dispatchers) run when
        the object that registered them is used by reachable code."""
        for scope in self.decorated:
            key = scope.key
            node = scope.node
            if scope.reached or key in self.skip_entries or \
                    not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                root = _root_name(deco)
                if root and root not in _PLAIN_DECORATORS and \
                        root in self.loaded.get(scope.path, set()):
                    self._reach(key)

    # --- scopes and statements -----------------------------------------------------

    def _run_scope(self, scope: Scope) -> None:
        self._current_path = scope.path
        node = scope.node
        if isinstance(node, ast.Module | ast.ClassDef):
            self._block(scope, node.body)
            return
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        args = node.args
        params = [*args.posonlyargs, *args.args]
        bound = self._params(scope.key)
        is_method = scope.cls is not None and not _has_decorator(node, "staticmethod")
        for index, arg in enumerate([*params, *args.kwonlyargs]):
            vals = bound.get(arg.arg, NOTHING)
            if index == 0 and is_method and scope.cls is not None:
                vals = vals | {Instance(scope.cls)}
            self._bind_name(scope, arg.arg, vals)
        for arg, default in zip(reversed(params), reversed(args.defaults), strict=False):
            self._bind_name(scope, arg.arg, self._eval(scope, default))
        for kwarg, kwdefault in zip(args.kwonlyargs, args.kw_defaults, strict=False):
            if kwdefault is not None:
                self._bind_name(scope, kwarg.arg, self._eval(scope, kwdefault))
        self._block(scope, node.body)

    def _block(self, scope: Scope, body: Iterable[ast.stmt]) -> None:
        for stmt in body:
            self._stmt(scope, stmt)

    def _stmt(self, scope: Scope, stmt: ast.stmt) -> None:
        # one dict lookup on the node's type instead of a chain of isinstance tests:
        # this runs for every statement of every reached scope, every round
        handle = _STMT.get(type(stmt))
        if handle is not None:
            handle(self, scope, stmt)
        else:
            self._stmt_other(scope, stmt)

    def _stmt_def(self, scope: Scope, stmt: ast.FunctionDef | ast.AsyncFunctionDef
                  | ast.ClassDef) -> None:
        key = (scope.path, _child_qual(scope, stmt.name))
        if isinstance(stmt, ast.ClassDef):
            self._bind_name(scope, stmt.name, frozenset({ClassVal(key)}))
            for base in stmt.bases:
                self._eval(scope, base)
        else:
            self._bind_name(scope, stmt.name, frozenset({FuncVal(key)}))
            self._decorating = True
            try:
                for deco in stmt.decorator_list:
                    self._eval(scope, deco)
            finally:
                self._decorating = False

    def _stmt_assign(self, scope: Scope, stmt: ast.Assign) -> None:
        vals = self._eval(scope, stmt.value)
        for target in stmt.targets:
            self._assign(scope, target, stmt.value, vals)

    def _stmt_annassign(self, scope: Scope, stmt: ast.AnnAssign) -> None:
        if stmt.value is not None:
            self._assign(scope, stmt.target, stmt.value, self._eval(scope, stmt.value))

    def _stmt_augassign(self, scope: Scope, stmt: ast.AugAssign) -> None:
        self._eval(scope, stmt.value)

    def _stmt_return(self, scope: Scope, stmt: ast.Return) -> None:
        if stmt.value is not None:
            vals = self._eval(scope, stmt.value)
            if scope.key in self.scopes:
                self._add(self.returns, scope.key, vals)

    def _stmt_global(self, scope: Scope, stmt: ast.Global | ast.Nonlocal) -> None:
        if isinstance(stmt, ast.Global) and not scope.global_names.issuperset(stmt.names):
            if self.tracker.log is not None:
                self.tracker.log.append((_GLOBAL, tuple(stmt.names)))
            self._declare_global(scope, stmt.names)

    def _declare_global(self, scope: Scope, names: Iterable[str]) -> None:
        if not scope.global_names.issuperset(names):
            scope.global_names.update(names)
            self._stamp((id(scope.global_names), None))  # its names now bind elsewhere

    def _stmt_with(self, scope: Scope, stmt: ast.With | ast.AsyncWith) -> None:
        for item in stmt.items:
            vals = self._eval(scope, item.context_expr)
            if item.optional_vars is not None:
                self._assign(scope, item.optional_vars, item.context_expr, vals)
        self._block(scope, stmt.body)

    def _stmt_for(self, scope: Scope, stmt: ast.For | ast.AsyncFor) -> None:
        items = self._iterate(self._eval(scope, stmt.iter))
        self._assign(scope, stmt.target, None, items)
        self._block(scope, stmt.body)
        self._block(scope, stmt.orelse)

    # the commonest statements and expressions without a rule of their own: their parts
    # in the order ``_stmt_other`` / ``_eval_other`` take them, without the generic walk

    def _stmt_expr(self, scope: Scope, stmt: ast.Expr) -> None:
        self._eval(scope, stmt.value)

    def _stmt_if(self, scope: Scope, stmt: ast.If | ast.While) -> None:
        self._eval(scope, stmt.test)
        self._block(scope, stmt.body)
        self._block(scope, stmt.orelse)

    def _eval_dict(self, scope: Scope, node: ast.Dict) -> Vals:
        for key in node.keys:
            if key is not None:
                self._eval(scope, key)
        for value in node.values:
            self._eval(scope, value)
        return NOTHING

    def _eval_elements(self, scope: Scope, node: ast.List | ast.Tuple | ast.Set) -> Vals:
        for item in node.elts:
            self._eval(scope, item)
        return NOTHING

    def _eval_compare(self, scope: Scope, node: ast.Compare) -> Vals:
        self._eval(scope, node.left)
        for item in node.comparators:
            self._eval(scope, item)
        return NOTHING

    def _eval_unary(self, scope: Scope, node: ast.UnaryOp) -> Vals:
        self._eval(scope, node.operand)
        return NOTHING

    def _stmt_other(self, scope: Scope, stmt: ast.stmt) -> None:
        for child in children(stmt):
            if isinstance(child, ast.expr):
                self._eval(scope, child)
            elif isinstance(child, ast.stmt):
                self._stmt(scope, child)
            elif isinstance(child, ast.excepthandler | ast.match_case):
                for sub in children(child):
                    if isinstance(sub, ast.stmt):
                        self._stmt(scope, sub)
                    elif isinstance(sub, ast.expr):
                        self._eval(scope, sub)

    def _import(self, scope: Scope, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    vals = self._module_value(scope.path, alias.name)
                else:
                    vals = self._module_value(scope.path, alias.name.split(".")[0])
                self._bind_name(scope, alias.asname or alias.name.split(".")[0], vals)
            return
        module = stmt.module or ""
        for alias in stmt.names:
            if alias.name == "*":
                continue
            vals = self._from_import(scope.path, module, alias.name, stmt.level)
            self._bind_name(scope, alias.asname or alias.name, vals)

    def _module_value(self, importer: Path, name: str) -> Vals:
        sdk = SDK_MODULES.get(name)
        if sdk is not None:
            return frozenset({sdk})
        path = self.project.resolve_import(importer, name)
        if path is not None:
            return frozenset({ModuleVal(path)})
        if self.project.is_namespace(name):
            return frozenset({Namespace(name)})
        return NOTHING

    def _from_import(self, importer: Path, module: str, name: str, level: int) -> Vals:
        if level == 0:
            sdk = SDK_FROM.get((module, name))
            if sdk is not None:
                return frozenset({sdk})
            if module in ("boto3", "aioboto3", "boto3.session", "botocore.session", "os"):
                return NOTHING
        sub = self.project.resolve_import(importer, f"{module}.{name}" if module else name,
                                          level)
        if sub is not None:
            return frozenset({ModuleVal(sub)})
        target = self.project.resolve_import(importer, module, level) if module or level \
            else None
        if target is None:
            return NOTHING
        scope = self._module_at(target)
        return scope.env.get(name, NOTHING) if scope is not None else NOTHING

    def _module_at(self, path: Path) -> Scope | None:
        """The module scope of a file, if the handler's files hold it (noted when a run
        is recorded: another handler may reach other files)."""
        scope = self.modules.get(path)
        if self.tracker.log is not None:
            self._note(_FACT_MODULE, path, scope is not None)
        return scope

    def _scope_at(self, key: FuncKey) -> Scope | None:
        scope = self.scopes.get(key)
        if self.tracker.log is not None:
            self._note(_FACT_SCOPE, key, scope is not None)
        return scope

    # --- binding -------------------------------------------------------------------

    def _add(self, table: _Cells, key: Any, vals: Vals) -> None:
        if not vals:
            return
        old = dict.get(table, key, NOTHING)  # a merge, not a read: no dependency
        log = self.tracker.log
        if log is not None:  # ... but what it does depends on the old value
            self.tracker.seen.setdefault((_CELL, table.name, key), old)
        if vals <= old or len(old) >= MAX_VALUES:
            return
        table[key] = old | vals
        self.changed = True
        self._stamp((id(table), key))
        if log is not None:
            log.append((_ADD, table, key, vals))

    def _params(self, key: FuncKey) -> _Cells:
        table = self.params.get(key)
        if table is None:
            table = self.params[key] = _Cells(self.tracker, ("param", key))
        return table

    def _attrs(self, key: FuncKey) -> _Cells:
        table = self.attrs.get(key)
        if table is None:
            table = self.attrs[key] = _Cells(self.tracker, ("attr", key))
        return table

    def _bind_name(self, scope: Scope, name: str, vals: Vals) -> None:
        if name in scope.global_names:
            self._add(self.modules[scope.path].env, name, vals)
        else:
            self._add(scope.env, name, vals)

    def _assign(self, scope: Scope, target: ast.expr, value: ast.expr | None,
                vals: Vals) -> None:
        if isinstance(target, ast.Name):
            self._bind_name(scope, target.id, vals)
        elif isinstance(target, ast.Attribute):
            for owner in self._eval(scope, target.value):
                if isinstance(owner, Instance | ClassVal):
                    self._add(self._attrs(owner.key), target.attr, vals)
                elif isinstance(owner, ModuleVal) and \
                        (module := self._module_at(owner.path)) is not None:
                    self._add(module.env, target.attr, vals)
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts):
                for sub_target, sub_value in zip(target.elts, value.elts, strict=True):
                    self._assign(scope, sub_target, sub_value, self._eval(scope, sub_value))
            else:
                for sub_target in target.elts:
                    self._assign(scope, sub_target, None, NOTHING)
        elif isinstance(target, ast.Subscript):
            self._eval(scope, target.value)

    def _lookup(self, scope: Scope, name: str) -> Vals:
        module = scope.module
        assert module is not None  # set for every scope by _collect
        if name in scope.global_names:
            return module.env.get(name, NOTHING)
        for env in scope.chain:
            vals = env.get(name)
            if vals:
                return vals
        if not self._decorating:
            module.loaded.add(name)
            if self.tracker.log is not None:
                self._log_load(scope.path, name)
        return module.env.get(name, NOTHING)

    def _load_name(self, path: Path, name: str) -> None:
        self.loaded.setdefault(path, set()).add(name)
        if self.tracker.log is not None:
            self._log_load(path, name)

    def _log_load(self, path: Path, name: str) -> None:
        log = self.tracker.log
        if log is not None and (_LOAD, (path, name)) not in self.tracker.done:
            self.tracker.done.add((_LOAD, (path, name)))
            log.append((_LOAD, path, name))

    # --- expressions ---------------------------------------------------------------

    def _eval(self, scope: Scope, node: ast.expr) -> Vals:
        handle = _EVAL.get(type(node))
        if handle is not None:
            return handle(self, scope, node)
        return self._eval_other(scope, node)

    def _eval_constant(self, scope: Scope, node: ast.Constant) -> Vals:
        return _literal_vals(node.value) if isinstance(node.value, str) else NOTHING

    def _eval_name(self, scope: Scope, node: ast.Name) -> Vals:
        vals = self._lookup(scope, node.id)
        for val in vals:
            if isinstance(val, FuncVal):
                self._reach(val.key)
        return vals

    def _eval_attribute(self, scope: Scope, node: ast.Attribute) -> Vals:
        result: set[Any] = set()
        for owner in self._eval(scope, node.value):
            result |= self._attribute(owner, node.attr, node)
        return frozenset(result)

    def _eval_ifexp(self, scope: Scope, node: ast.IfExp) -> Vals:
        self._eval(scope, node.test)
        return self._eval(scope, node.body) | self._eval(scope, node.orelse)

    def _eval_boolop(self, scope: Scope, node: ast.BoolOp) -> Vals:
        out: Vals = NOTHING
        for value in node.values:
            out |= self._eval(scope, value)
        return out

    def _eval_await(self, scope: Scope, node: ast.Await) -> Vals:
        return self._eval(scope, node.value)

    def _eval_named(self, scope: Scope, node: ast.NamedExpr) -> Vals:
        vals = self._eval(scope, node.value)
        self._bind_name(scope, node.target.id, vals)
        return vals

    def _eval_comprehension(self, scope: Scope, node: ast.ListComp | ast.SetComp
                            | ast.GeneratorExp | ast.DictComp) -> Vals:
        for comp in node.generators:
            items = self._iterate(self._eval(scope, comp.iter))
            self._assign(scope, comp.target, None, items)
            for cond in comp.ifs:
                self._eval(scope, cond)
        return self._eval_other(scope, node)

    def _eval_lambda(self, scope: Scope, node: ast.Lambda) -> Vals:
        self._eval(scope, node.body)  # its calls run when it is called: count them
        return NOTHING

    def _eval_other(self, scope: Scope, node: ast.expr) -> Vals:
        for child in children(node):
            if isinstance(child, ast.expr):
                self._eval(scope, child)
        return NOTHING

    def _subscript(self, scope: Scope, node: ast.Subscript) -> Vals:
        owners = self._eval(scope, node.value)
        names = self._eval(scope, node.slice)
        if Os("environ") in owners:
            return self._env(names, node)
        return NOTHING

    def _env(self, names: Vals, at: ast.expr, default: Vals = NOTHING) -> Vals:
        """What ``os.environ[NAME]`` holds: the function's environment in the template.
        ``default``: what ``os.environ.get(NAME, default)`` / ``os.getenv`` give when the
        template does not set the variable (the strings among it)."""
        literal = [v.value for v in names if isinstance(v, Str) and type(v.value) is str]
        if not literal or len(literal) != len(names):
            return frozenset({Str(Unresolved(unparse(at), "environment variable name is "
                                             "dynamic"))})
        fallback = [v for v in default if isinstance(v, Str)]
        out: set[Any] = set()
        for name in literal:
            value = self._env_value(name)
            if value is not None:
                out.add(value)
            elif fallback:
                out.update(Str(v.value, name, v.param) for v in fallback)
            else:
                out.add(Str(Unresolved(f"os.environ[{name!r}]",
                                       "not set in the function's environment"), env_var=name))
        return frozenset(out)

    def _env_value(self, name: str) -> Str | None:
        """The variable as the template sets it for the function; None when it does not."""
        value = self._env_of(name)
        if self.tracker.log is not None:
            self._note(_FACT_ENV, name, value)
        return value

    def _env_of(self, name: str) -> Str | None:
        if name not in self.fn.environment:
            return None
        value = self.fn.environment[name]
        if not isinstance(value, str | Ref | Unresolved):
            plain = text(value)
            value = plain if plain is not None else Unresolved(
                repr(value), "environment value is not a string")
        return Str(value, env_var=name)

    def _string(self, scope: Scope, node: ast.JoinedStr | ast.BinOp) -> Vals:
        """f-strings, ``+`` and ``%``: a literal when every part is one, else unresolved."""
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
        else:
            parts = [node.left, node.right]
        values = [self._eval(scope, part) for part in parts]
        strs = [[v for v in vals if isinstance(v, Str)] for vals in values]
        if isinstance(node, ast.BinOp) and not strs[0]:
            return NOTHING  # arithmetic, or a string we know nothing of
        env_vars = {s.env_var for group in strs for s in group if s.env_var}
        env_var = next(iter(env_vars)) if len(env_vars) == 1 else None
        plain = [g[0].value for g, vals in zip(strs, values, strict=True)
                 if len(g) == 1 and len(vals) == 1 and type(g[0].value) is str]
        if isinstance(node, ast.JoinedStr | ast.BinOp) and len(plain) == len(parts) and \
                (isinstance(node, ast.JoinedStr) or isinstance(node.op, ast.Add)):
            return frozenset({Str("".join(plain), env_var=env_var)})
        return frozenset({Str(Unresolved(unparse(node), "built from values known only at "
                                         "run time"), env_var=env_var)})

    def _iterate(self, vals: Vals) -> Vals:
        items: set[Any] = set()
        for val in vals:
            if isinstance(val, Coll):
                items |= self._elements(val)
        return frozenset(items)

    # --- attributes ----------------------------------------------------------------

    def _attribute(self, owner: Any, name: str, node: ast.AST) -> Vals:
        if isinstance(owner, Sdk):
            return sdk_attribute(owner, name)
        if isinstance(owner, Os):
            if owner.what == "os" and name == "environ":
                return frozenset({Os("environ")})
            if owner.what == "os" and name == "getenv":
                return frozenset({Os("getenv")})
            return NOTHING
        if isinstance(owner, ModuleVal):
            scope = self._module_at(owner.path)
            if scope is None:
                return NOTHING
            self._load_name(owner.path, name)
            vals = scope.env.get(name, NOTHING)
            if not vals:
                package = self.project.module_name(owner.path)
                sub = self.project.resolve_import(owner.path, f"{package}.{name}") \
                    if package else None
                vals = frozenset({ModuleVal(sub)}) if sub is not None else NOTHING
            for val in vals:
                if isinstance(val, FuncVal):
                    self._reach(val.key)
            return vals
        if isinstance(owner, Namespace):
            return self._module_value(self._current_path, f"{owner.name}.{name}")
        if isinstance(owner, Instance | ClassVal):
            return self._member(owner.key, name, bound=isinstance(owner, Instance))
        if isinstance(owner, Res):
            return self._resource_attribute(owner, name, node) or frozenset({Bound(owner, name)})
        if isinstance(owner, Meta) and name == "client":
            return frozenset({Client(owner.service)})
        if isinstance(owner, Client) and name in ("meta", "exceptions"):
            return NOTHING
        if isinstance(owner, Client | Res | Coll | Paginator | Waiter):
            return frozenset({Bound(owner, name)})
        return NOTHING

    def _member(self, cls: FuncKey, name: str, bound: bool, depth: int = 0,
                receiver: FuncKey | None = None) -> Vals:
        """An attribute of a project class or its instances, base classes included."""
        if depth > 8:
            return NOTHING
        vals = self._attrs(cls).get(name, NOTHING)
        scope = self._scope_at(cls)
        if scope is not None:
            vals = vals | scope.env.get(name, NOTHING)
        out: set[Any] = set()
        for val in vals:
            if isinstance(val, FuncVal):
                self._reach(val.key)
                out.add(FuncVal(val.key, bound=bound, receiver=receiver or cls))
            else:
                out.add(val)
        node = self.classes.get(cls)
        module = self._module_at(cls[0]) if not out and node is not None and \
            scope is not None else None
        if module is not None and node is not None:
            if self.tracker.log is not None:  # the base is read in the module's scope
                self._note(_FACT_GLOBALS, module.key, frozenset(module.global_names))
            for base in node.bases:
                for base_val in self._eval(module, base):
                    if isinstance(base_val, ClassVal):
                        out |= self._member(base_val.key, name, bound, depth + 1,
                                            receiver or cls)
        return frozenset(out)

    def _resource_attribute(self, res: Res, name: str, node: ast.AST) -> Vals:
        spec = resource_spec(res)
        if name == "meta":
            return frozenset({Meta(res.service)})
        for coll in spec.get("hasMany", {}):
            if botodata.xform_name(coll, res.service) == name:
                return frozenset({Coll(res, coll)})
        for ref_name, ref in spec.get("has", {}).items():
            if botodata.xform_name(ref_name, res.service) == name and needs_data(ref):
                return frozenset({self._related(res, ref, {})})
        for ident in spec.get("identifiers", ()):
            if botodata.xform_name(str(ident.get("name")), res.service) == name:
                ids = dict(res.ids)
                return frozenset({ids[ident["name"]]}) if ident.get("name") in ids else NOTHING
        shape = spec.get("shape")
        if res.rtype is not None and not res.data and isinstance(shape, str) and \
                name in botodata.shape_attributes(res.service, shape):
            self._load(res, node)
        return NOTHING

    def _load(self, res: Res, node: ast.AST) -> None:
        spec = resource_spec(res)
        request = spec.get("load", {}).get("request")
        if isinstance(request, Mapping):
            self._record(res.service, request.get("operation"), node, "resource",
                         self._id_targets(res, request.get("params", ())), {})
            return
        injected = INJECTED_LOAD.get((res.service, res.rtype or ""))
        if injected is not None:
            op, mapping = injected
            ids = dict(res.ids)
            targets = [make_target(ids[idn], param) for param, idn in mapping if idn in ids]
            self._record(res.service, op, node, "resource", targets, {})

    # --- calls ---------------------------------------------------------------------

    def _call(self, scope: Scope, node: ast.Call) -> Vals:
        args = [self._eval(scope, arg) for arg in node.args]
        kwargs = {kw.arg: self._eval(scope, kw.value) for kw in node.keywords if kw.arg}
        for kw in node.keywords:
            if kw.arg is None:
                self._eval(scope, kw.value)
        call = _Call(node, args, kwargs, scope)
        func = node.func
        out: set[Any] = set()
        if isinstance(func, ast.Attribute):
            owners = self._eval(scope, func.value)
            # a name that may hold several clients: only the ones with the method matter
            self._quiet = any(isinstance(o, Client) and client_has(o, func.attr)
                              for o in owners)
            for owner in owners:
                out |= self._method(owner, func.attr, call)
            self._quiet = False
            if not owners:
                methods = self.methods.get(func.attr, ())
                if self.tracker.log is not None:
                    self._note(_FACT_METHODS, func.attr, tuple(methods))
                for key in methods:
                    self._reach(key)  # a receiver we cannot type: any method of that name
            return frozenset(out)
        if isinstance(func, ast.Name) and func.id == "getattr" and len(node.args) >= 2:
            return self._getattr(scope, call)
        for callee in self._eval(scope, func):
            out |= self._apply(callee, call)
        return frozenset(out)

    def _getattr(self, scope: Scope, call: _Call) -> Vals:
        name = _literal(call.node.args[1], self)
        out: set[Any] = set()
        for owner in call.args[0]:
            if isinstance(name, str):
                out |= self._attribute(owner, name, call.node)
            elif isinstance(owner, Client | Res):
                self._unknown(call.node, f"{owner.service} operation chosen at run time "
                              "(getattr)")
        return frozenset(out)

    def _apply(self, callee: Any, call: _Call) -> Vals:
        if isinstance(callee, Factory):
            return self._factory(callee.kind, call)
        if isinstance(callee, Os) and callee.what == "getenv":
            return self._env(call.value(0, "key"), call.node, call.value(1, "default"))
        if isinstance(callee, Bound):
            return self._method(callee.owner, callee.name, call)
        if isinstance(callee, FuncVal):
            self._reach(callee.key)
            self._bind_args(callee.key, call, skip_self=callee.bound)
            if callee.bound and callee.receiver is not None:
                self._bind_self(callee.key, Instance(callee.receiver))
            return self.returns.get(callee.key, NOTHING)
        if isinstance(callee, ClassVal):
            init = self._member(callee.key, "__init__", bound=True)
            for val in init:
                if isinstance(val, FuncVal):
                    self._bind_args(val.key, call, skip_self=True)
            return frozenset({Instance(callee.key)})
        return NOTHING

    def _bind_self(self, key: FuncKey, instance: Instance) -> None:
        scope = self._scope_at(key)
        if scope is None or not isinstance(scope.node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        params = [*scope.node.args.posonlyargs, *scope.node.args.args]
        if params:
            self._add(self._params(key), params[0].arg, frozenset({instance}))

    def _bind_args(self, key: FuncKey, call: _Call, skip_self: bool) -> None:
        scope = self._scope_at(key)
        if scope is None or not isinstance(scope.node, ast.FunctionDef | ast.AsyncFunctionDef):
            return
        args = scope.node.args
        names = [a.arg for a in [*args.posonlyargs, *args.args]]
        if skip_self:
            names = names[1:]
        table = self._params(key)
        for name, vals in zip(names, call.args, strict=False):
            self._add(table, name, vals)
        known = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        for name, vals in call.kwargs.items():
            if name in known:
                self._add(table, name, vals)

    def _factory(self, kind: str, call: _Call) -> Vals:
        if kind in ("session", "get_session"):
            return frozenset({Session(botocore=kind == "get_session")})
        name_node = call.arg(0, "service_name")
        if name_node is None and any(kw.arg is None for kw in call.node.keywords):
            self._unknown(call.node, f"dynamic client name: {unparse(call.node)}")
            return NOTHING
        if name_node is None:
            self._unknown(call.node, f"{kind} without a service name")
            return NOTHING
        names = call.value(0, "service_name")
        literal = [s.value for s in names if isinstance(s, Str) and type(s.value) is str]
        if not literal or len(literal) != len(names):
            self._unknown(call.node, f"dynamic client name: {unparse(name_node)}")
            return NOTHING
        out: set[Any] = set()
        for service in literal:
            if service not in botodata.services():
                self._unknown(call.node, f"unknown AWS service {service!r}")
            elif kind == "resource":
                if not botodata.resources(service):
                    self._unknown(call.node, f"boto3 has no resource API for {service!r}")
                else:
                    out.add(Res(service, None))
            else:
                out.add(Client(service))
        return frozenset(out)

    def _method(self, owner: Any, name: str, call: _Call) -> Vals:
        if isinstance(owner, Sdk | Session):
            return self._apply_all(sdk_attribute(owner, name), call) if isinstance(owner, Sdk) \
                else self._session_method(owner, name, call)
        if isinstance(owner, Os):
            if (owner.what == "environ" and name in ("get", "setdefault")) or \
                    (owner.what == "os" and name == "getenv"):
                return self._env(call.value(0, "key"), call.node, call.value(1, "default"))
            return NOTHING
        if isinstance(owner, Client):
            return self._client_method(owner, name, call)
        if isinstance(owner, Res):
            return self._resource_method(owner, name, call)
        if isinstance(owner, Coll):
            return self._collection_method(owner, name, call)
        if isinstance(owner, Paginator) and name == "paginate":
            self._record(owner.service, owner.operation, call.node, "paginator",
                         self._kw_targets(call), self._kw_params(call))
            return NOTHING
        if isinstance(owner, Waiter) and name == "wait":
            self._record(owner.service, owner.operation, call.node, "waiter",
                         self._kw_targets(call), self._kw_params(call))
            return NOTHING
        if isinstance(owner, Str) and name in ("strip", "rstrip", "lstrip"):
            return frozenset({owner})
        if isinstance(owner, ModuleVal | Namespace | Instance | ClassVal):
            return self._apply_all(self._attribute(owner, name, call.node), call)
        return NOTHING

    def _apply_all(self, callees: Vals, call: _Call) -> Vals:
        out: set[Any] = set()
        for callee in callees:
            out |= self._apply(callee, call)
        return frozenset(out)

    def _session_method(self, session: Session, name: str, call: _Call) -> Vals:
        if name in ("client", "create_client"):
            return self._factory("client", call)
        if name == "resource" and not session.botocore:
            return self._factory("resource", call)
        return NOTHING

    def _client_method(self, client: Client, name: str, call: _Call) -> Vals:
        service = client.service
        ops = botodata.operations(service)
        if name == "get_paginator":
            op = self._named(call, ops, f"{service} paginator")
            return frozenset({Paginator(service, op)}) if op else NOTHING
        if name == "get_waiter":
            op = self._named(call, botodata.waiters(service), f"{service} waiter")
            return frozenset({Waiter(service, op)}) if op else NOTHING
        if name == "generate_presigned_url":
            op = self._named(call, ops, f"{service} presigned method", "ClientMethod")
            if op:
                params = call.node.args[1] if len(call.node.args) > 1 else call.kw("Params")
                targets, literal = self._dict_request(params, call.scope)
                self._record(service, op, call.node, "presign", targets, literal)
            return NOTHING
        if name == "generate_presigned_post" and service == "s3":
            self._record(service, "PutObject", call.node, "presign",
                         self._positional_targets(call, ("Bucket", "Key")), {})
            return NOTHING
        if service == "s3" and name in TRANSFER:
            operations, positional = TRANSFER[name]
            self._transfer(service, operations, call, positional, ())
            return NOTHING
        op = ops.get(name)
        if op is not None:
            self._record(service, op, call.node, "client", self._kw_targets(call),
                         self._kw_params(call))
        elif not self._quiet and not client_has(client, name):
            self._unknown(call.node, f"{service} client has no method {name}()")
        return NOTHING

    def _named(self, call: _Call, table: Mapping[str, str], what: str,
               keyword: str | None = None) -> str | None:
        node = call.arg(0, keyword or "operation_name")
        if node is None and keyword is None:
            node = call.arg(0, "waiter_name")
        value = _literal(node, self) if node is not None else None
        if not isinstance(value, str):
            self._unknown(call.node, f"{what} name is dynamic")
            return None
        op = table.get(value)
        if op is None:
            self._unknown(call.node, f"unknown {what} {value!r}")
        return op

    def _transfer(self, service: str, operations: Iterable[str], call: _Call,
                  positional: tuple[str, ...], ids: Iterable[Target]) -> None:
        targets = [*ids, *self._positional_targets(call, positional)]
        params: dict[str, Any] = {}
        for index, name in enumerate(positional):
            node = call.node.args[index] if index < len(call.node.args) else call.kw(name)
            if name == "ExtraArgs" and isinstance(node, ast.Dict):
                params.update(self._dict_request(node, call.scope)[1])
            elif name == "CopySource" and node is not None:
                params["CopySource"] = self._param_value(node, call.scope)
        for op in operations:
            self._record(service, op, call.node, "transfer", targets, params)

    def _resource_method(self, res: Res, name: str, call: _Call) -> Vals:
        spec = resource_spec(res)
        service = res.service
        for action_name, action in spec.get("actions", {}).items():
            if botodata.xform_name(action_name, service) == name:
                return self._action(res, action, call)
        for sub_name, sub in spec.get("has", {}).items():
            if sub_name == name and not needs_data(sub):
                return frozenset({self._related(res, sub, call.kwargs, call)})
        for waiter_name, waiter in spec.get("waiters", {}).items():
            if f"wait_until_{botodata.xform_name(waiter_name, service)}" == name:
                op = botodata.waiters(service).get(str(waiter.get("waiterName")))
                if op:
                    self._record(service, op, call.node, "waiter",
                                 self._id_targets(res, waiter.get("params", ())) +
                                 self._kw_targets(call), self._kw_params(call))
                return NOTHING
        if name in ("load", "reload"):
            self._load(res, call.node)
        elif name == "batch_writer" and service == "dynamodb" and res.rtype == "Table":
            self._record(service, "BatchWriteItem", call.node, "resource",
                         self._id_targets(res, ({"target": "TableName", "source": "identifier",
                                                 "name": "Name"},)), {})
            return frozenset({BatchWriter(res)})
        elif service == "s3" and name in RESOURCE_TRANSFER.get(res.rtype or "", {}):
            positional = RESOURCE_TRANSFER[res.rtype or ""][name]
            ids = dict(res.ids)
            targets = [make_target(ids[idn], param) for param, idn in
                       (("Bucket", "BucketName"), ("Bucket", "Name"), ("Key", "Key"))
                       if idn in ids]
            self._transfer(service, TRANSFER[name][0], call, positional, targets)
        return NOTHING

    def _action(self, res: Res, action: Mapping[str, Any], call: _Call) -> Vals:
        request = action.get("request", {})
        op = request.get("operation")
        targets = self._id_targets(res, request.get("params", ())) + self._kw_targets(call)
        params = self._kw_params(call)
        for param in request.get("params", ()):
            if param.get("source") in ("string", "integer", "boolean"):
                params.setdefault(str(param.get("target")), param.get("value"))
        self._record(res.service, op, call.node, "resource", targets, params)
        produced = action.get("resource")
        if isinstance(produced, Mapping):
            return frozenset({self._related(res, {"resource": produced}, call.kwargs,
                                            data="path" in produced)})
        return NOTHING

    def _related(self, res: Res, has: Mapping[str, Any], kwargs: Mapping[str, Vals],
                 call: _Call | None = None, data: bool = False) -> Res:
        """The resource a ``has`` entry or an action produces, with what is known of its
        identifiers."""
        spec = has.get("resource", {})
        rtype = str(spec.get("type"))
        parent = dict(res.ids)
        ids: list[tuple[str, Str]] = []
        inputs = list(call.args) if call is not None else []
        for ident in spec.get("identifiers", ()):
            target, source = str(ident.get("target")), ident.get("source")
            if source == "identifier" and ident.get("name") in parent:
                ids.append((target, parent[str(ident.get("name"))]))
            elif source == "input":
                vals = inputs.pop(0) if inputs else kwargs.get(target, NOTHING)
                ids.append((target, one_str(vals, call.node if call else None)))
            elif source == "requestParameter":
                path = str(ident.get("path"))
                ids.append((target, one_str(kwargs.get(path, NOTHING), None)))
            else:
                ids.append((target, self._named_by_request(kwargs)))
        return Res(res.service, rtype, tuple(ids), data)

    def _named_by_request(self, kwargs: Mapping[str, Vals]) -> Str:
        """An identifier the response carries: the resource the request named, when the
        request names exactly one (``get_queue_by_name(QueueName=...)``)."""
        named = [(k, v) for k, v in kwargs.items() if is_target_param(k)]
        if len(named) == 1:
            one = one_str(named[0][1], None)
            return Str(one.value, one.env_var, param=named[0][0])
        return Str(Unresolved("<from the response>", "identifier known only at run time"))

    def _collection_method(self, coll: Coll, name: str, call: _Call) -> Vals:
        spec = resource_spec(coll.owner).get("hasMany", {}).get(coll.name, {})
        request = spec.get("request", {})
        if name in ("all", "filter", "limit", "page_size", "pages"):
            filters = coll.filters + tuple((k, one_str(v, None)) for k, v in call.kwargs.items())
            self._record(coll.owner.service, request.get("operation"), call.node, "resource",
                         self._id_targets(coll.owner, request.get("params", ())) +
                         self._kw_targets(call), self._kw_params(call))
            return frozenset({Coll(coll.owner, coll.name, filters)})
        rtype = spec.get("resource", {}).get("type")
        batch = resource_models(coll.owner.service).get(str(rtype), {}).get("batchActions", {})
        for action_name, action in batch.items():
            if botodata.xform_name(action_name, coll.owner.service) == name:
                self._record(coll.owner.service, request.get("operation"), call.node,
                             "resource", self._id_targets(coll.owner,
                                                          request.get("params", ())), {})
                for element in self._elements(coll):
                    breq = action.get("request", {})
                    self._record(coll.owner.service, breq.get("operation"), call.node,
                                 "resource", self._id_targets(element, breq.get("params", ())),
                                 self._kw_params(call))
        return NOTHING

    def _elements(self, coll: Coll) -> Vals:
        spec = resource_spec(coll.owner).get("hasMany", {}).get(coll.name, {})
        if not spec:
            return NOTHING
        kwargs = {k: frozenset({v}) for k, v in coll.filters}
        return frozenset({self._related(coll.owner, spec, kwargs, data=True)})

    # --- targets and parameters ----------------------------------------------------

    def _id_targets(self, res: Res, params: Iterable[Mapping[str, Any]]) -> list[Target]:
        ids = dict(res.ids)
        out = []
        for param in params:
            if param.get("source") == "identifier" and param.get("name") in ids:
                target = str(param.get("target"))
                if "." in target or "[" in target:
                    continue  # nested in the request (DeleteObjects keys)
                out.append(make_target(ids[str(param.get("name"))], target))
        return out

    def _kw_targets(self, call: _Call) -> list[Target]:
        out: list[Target] = []
        for kw in call.node.keywords:
            if kw.arg is None:
                continue
            if is_target_param(kw.arg):
                out += self._targets_of(kw.value, call.kwargs.get(kw.arg, NOTHING), kw.arg)
            elif kw.arg in CONTAINERS:
                out += self._nested_targets(kw.arg, kw.value, call.scope, 0)
        return out

    def _targets_of(self, node: ast.expr, vals: Vals, param: str) -> list[Target]:
        strs = [v for v in vals if isinstance(v, Str)]
        if not strs:
            if isinstance(node, ast.Dict | ast.List):
                return []
            return [Target(Unresolved(unparse(node), "not resolved from the code"), param)]
        return [make_target(s, param) for s in strs]

    def _nested_targets(self, key: str, node: ast.expr, scope: Scope, depth: int
                        ) -> list[Target]:
        """Resource names inside request structures written as literals: the tables of
        ``RequestItems`` / ``TransactItems``, the buses of ``Entries``."""
        if depth > 5:
            return []
        out: list[Target] = []
        if isinstance(node, ast.List | ast.Tuple):
            for item in node.elts:
                out += self._nested_targets(key, item, scope, depth + 1)
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if k is None:
                    continue
                if key == "RequestItems":
                    out += self._targets_of(k, self._eval(scope, k), "TableName")
                    continue
                name = _literal(k, self)
                if not isinstance(name, str):
                    continue
                if is_target_param(name) and not isinstance(v, ast.Dict | ast.List):
                    out += self._targets_of(v, self._eval(scope, v), name)
                elif name in CONTAINERS:
                    out += self._nested_targets(name, v, scope, depth + 1)
        return out

    def _kw_params(self, call: _Call) -> dict[str, Any]:
        return {kw.arg: self._param_value(kw.value, call.scope)
                for kw in call.node.keywords if kw.arg}

    def _param_value(self, node: ast.expr, scope: Scope, depth: int = 0) -> Any:
        """A request parameter as far as the code tells: literals (dicts of them too),
        strings the analysis resolved, else ``Unresolved`` with the expression."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Dict) and depth < 4:
            out: dict[str, Any] = {}
            for k, v in zip(node.keys, node.values, strict=True):
                name = _literal(k, self) if k is not None else None
                if isinstance(name, str):
                    out[name] = self._param_value(v, scope, depth + 1)
            return out
        if isinstance(node, ast.List | ast.Tuple) and depth < 4:
            return [self._param_value(v, scope, depth + 1) for v in node.elts]
        strs = [v for v in self._eval(scope, node) if isinstance(v, Str)]
        if len(strs) == 1:
            return strs[0].value
        return Unresolved(unparse(node), "not a literal")

    def _dict_request(self, node: ast.expr | None, scope: Scope
                      ) -> tuple[list[Target], dict[str, Any]]:
        """Targets and parameters of a request written as a dict (presign ``Params``,
        ``CopySource``, ``ExtraArgs``)."""
        if not isinstance(node, ast.Dict):
            return [], {}
        targets: list[Target] = []
        params: dict[str, Any] = {}
        for k, v in zip(node.keys, node.values, strict=True):
            name = _literal(k, self) if k is not None else None
            if not isinstance(name, str):
                continue
            params[name] = self._param_value(v, scope)
            if is_target_param(name):
                targets += self._targets_of(v, self._eval(scope, v), name)
        return targets, params

    def _positional_targets(self, call: _Call, names: tuple[str, ...]) -> list[Target]:
        out: list[Target] = []
        for index, name in enumerate(names):
            if not is_target_param(name) or name == "CopySource":
                continue
            node = call.node.args[index] if index < len(call.node.args) else call.kw(name)
            if node is None:
                continue
            vals = call.args[index] if index < len(call.args) else call.kwargs.get(name, NOTHING)
            out += self._targets_of(node, vals, name)
        return out

    # --- results -------------------------------------------------------------------

    def _record(self, service: str, operation: Any, node: ast.AST, via: str,
                targets: Iterable[Target], params: Mapping[str, Any]) -> None:
        if not self.emit or not isinstance(operation, str):
            return
        loc = Location(self.project.rel(self._current_path), getattr(node, "lineno", None))
        unique = tuple(dict.fromkeys(targets))
        key = (loc, service, operation, via, unique)
        if key not in self.calls:
            self.calls[key] = SdkCall(service, operation, loc, "python", unique, via,
                                      dict(params))

    def _unknown(self, node: ast.AST, what: str) -> None:
        if not self.emit:
            return
        loc = Location(self.project.rel(self._current_path), getattr(node, "lineno", None))
        self.unknowns.setdefault((loc, what), Unknown(loc, what))

    _current_path: Path = Path()
    _decorating = False
    _quiet = False


_STMT: dict[type, Callable[[_Analysis, Scope, Any], None]] = {
    ast.FunctionDef: _Analysis._stmt_def,
    ast.AsyncFunctionDef: _Analysis._stmt_def,
    ast.ClassDef: _Analysis._stmt_def,
    ast.Assign: _Analysis._stmt_assign,
    ast.AnnAssign: _Analysis._stmt_annassign,
    ast.AugAssign: _Analysis._stmt_augassign,
    ast.Return: _Analysis._stmt_return,
    ast.Import: _Analysis._import,
    ast.ImportFrom: _Analysis._import,
    ast.Global: _Analysis._stmt_global,
    ast.Nonlocal: _Analysis._stmt_global,
    ast.With: _Analysis._stmt_with,
    ast.AsyncWith: _Analysis._stmt_with,
    ast.For: _Analysis._stmt_for,
    ast.AsyncFor: _Analysis._stmt_for,
    ast.Expr: _Analysis._stmt_expr,
    ast.If: _Analysis._stmt_if,
    ast.While: _Analysis._stmt_if,
}
"""Statement type -> its handler; other statements evaluate their parts."""

_EVAL: dict[type, Callable[[_Analysis, Scope, Any], Vals]] = {
    ast.Constant: _Analysis._eval_constant,
    ast.Name: _Analysis._eval_name,
    ast.Attribute: _Analysis._eval_attribute,
    ast.Call: _Analysis._call,
    ast.Subscript: _Analysis._subscript,
    ast.JoinedStr: _Analysis._string,
    ast.BinOp: _Analysis._string,
    ast.IfExp: _Analysis._eval_ifexp,
    ast.BoolOp: _Analysis._eval_boolop,
    ast.Await: _Analysis._eval_await,
    ast.NamedExpr: _Analysis._eval_named,
    ast.ListComp: _Analysis._eval_comprehension,
    ast.SetComp: _Analysis._eval_comprehension,
    ast.GeneratorExp: _Analysis._eval_comprehension,
    ast.DictComp: _Analysis._eval_comprehension,
    ast.Lambda: _Analysis._eval_lambda,
    ast.Dict: _Analysis._eval_dict,
    ast.List: _Analysis._eval_elements,
    ast.Tuple: _Analysis._eval_elements,
    ast.Set: _Analysis._eval_elements,
    ast.Compare: _Analysis._eval_compare,
    ast.UnaryOp: _Analysis._eval_unary,
}
"""Expression type -> its evaluation; other expressions evaluate their parts."""


@dataclass(slots=True)
class _Call:
    node: ast.Call
    args: list[Vals]
    kwargs: dict[str, Vals]
    scope: Scope

    def arg(self, index: int, keyword: str) -> ast.expr | None:
        if index < len(self.node.args):
            return self.node.args[index]
        return self.kw(keyword)

    def kw(self, keyword: str) -> ast.expr | None:
        for kw in self.node.keywords:
            if kw.arg == keyword:
                return kw.value
        return None

    def value(self, index: int, keyword: str) -> Vals:
        if index < len(self.args):
            return self.args[index]
        return self.kwargs.get(keyword, NOTHING)


# --- helpers ---------------------------------------------------------------------------

def _literal(node: ast.expr | None, analysis: _Analysis) -> Any:
    """A literal string from a constant (or a module-level constant name)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        module = analysis.modules.get(analysis._current_path)
        vals = module.env.get(node.id, NOTHING) if module else NOTHING
        strs = [v.value for v in vals if isinstance(v, Str) and type(v.value) is str]
        if len(strs) == 1 and len(vals) == 1:
            return strs[0]
    return None


@lru_cache(maxsize=4096)
def _literal_vals(value: str) -> Vals:
    """The value of a string literal, made once per text (every round meets them all)."""
    return frozenset({Str(value)})


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _has_decorator(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    return any(isinstance(d, ast.Name) and d.id == name for d in node.decorator_list)


def _defs(body: Iterable[ast.AST]) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef |
                                               ast.ClassDef]:
    """Definitions directly in a body, looking through if/try/with/for blocks."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node
        elif isinstance(node, ast.stmt):
            for child in children(node):
                if isinstance(child, ast.stmt):
                    yield from _defs([child])
                elif isinstance(child, ast.ExceptHandler):
                    yield from _defs(child.body)


_Layout = list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, str | None,
                     str | None]]


def _layout(project: PythonProject, path: Path, tree: ast.Module) -> _Layout:
    """Every function and class of a file, in definition order: (qualified name, node,
    the qualified name of the scope it closes over ("" for a class body's enclosing
    module, None for none), the class a method belongs to). Found once per file and
    shared by every handler's analysis that reads the file."""
    cache: dict[Path, _Layout] = project.derived.setdefault("sdk.layout", {})
    found = cache.get(path)
    if found is None:
        found = cache[path] = []
        _layout_body(found, tree.body, "", "", None)
    return found


def _layout_body(out: _Layout, body: Iterable[ast.AST], prefix: str, parent: str | None,
                 cls: str | None) -> None:
    """``parent``: "" for the module, a function's name, or None (no enclosing scope)."""
    for node in _defs(body):
        qual = f"{prefix}{node.name}"
        if isinstance(node, ast.ClassDef):
            out.append((qual, node, parent, qual))
            _layout_body(out, node.body, qual + ".", parent, qual)
        else:
            # a function closes over an enclosing function, not over a module or class
            fparent = parent if parent else None
            out.append((qual, node, fparent, cls))
            _layout_body(out, node.body, qual + ".", qual, None)


def _child_qual(scope: Scope, name: str) -> str:
    return f"{scope.key[1]}.{name}" if scope.key[1] else name


def _qualname_of(scopes: Mapping[FuncKey, Scope], path: Path,
                 node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    for (spath, qual), scope in scopes.items():
        if spath == path and scope.node is node:
            return qual
    return node.name


def _entry_files(app: App, project: PythonProject) -> Counter[Path]:
    """How many of the app's handlers each file of the tree holds."""
    key = (app.source.file, app.name)
    counts: dict[tuple[str, str], Counter[Path]] = project.derived.setdefault(
        "sdk.entry_files", {})
    found = counts.get(key)
    if found is None:
        found = counts[key] = Counter(path for path, _ in project.app_entries.get(key, ()))
    return found


def _other_entries(app: App, fn: Function, handler: HandlerRef,
                   project: PythonProject) -> frozenset[FuncKey]:
    """Handlers of the app's other functions in this code tree: the platform calls them,
    not this function, so a shared handler file does not merge their permissions."""
    key = (app.source.file, app.name)
    entries = project.app_entries.get(key)
    if entries is None:
        from faasguard.code.handlers import resolve_handler

        found: set[FuncKey] = set()
        for other in app.functions:
            if other.code_path is None:
                continue
            ref = resolve_handler(app, other, project.scan_root,
                                  project.derived.setdefault("handlers.resolved", {}))
            if isinstance(ref, HandlerRef) and ref.language == "python":
                found.add((ref.file, ref.function_name))
        entries = frozenset(found)
        project.app_entries[key] = entries
    return entries - {(handler.file, handler.function_name)}
