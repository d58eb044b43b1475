"""The ``@rule`` decorator: one metadata record per rule, documentation in its docstring.

A rule is a small generator function over the model::

    @rule(id="FG-LMB-001", title="...", severity="high", category="config",
          controls=("C1",), cwe=(1104,))
    def deprecated_runtime(app: App, ctx: Context) -> Iterator[Hit]:
        '''
        ## What it does
        ...
        ## Why is this bad?
        ...
        ## Example
        ...
        ## Fix
        ...
        '''

The decorator validates everything at import time (id shape, a duplicate id, unknown
controls, severity, missing doc sections), so a malformed rule cannot ship.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from faasguard.findings import Severity, Subject
from faasguard.model import (
    Api,
    App,
    Diagnostic,
    Function,
    Location,
    Node,
    Resource,
    Role,
    Route,
)

if TYPE_CHECKING:
    from faasguard.code import CodeAnalyzer
    from faasguard.code.facts import FunctionCode
    from faasguard.config import Config

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

ID_PATTERN = re.compile(r"^FG-[A-Z]{2,5}-\d{3}$")
SECTIONS = ("What it does", "Why is this bad?", "Example", "Fix")
CATEGORIES = ("iam", "isolation", "api", "auth", "secrets", "encryption", "storage", "config",
              "scaling", "monitoring", "code", "dependencies")
CONTROLS = frozenset(f"{letter}{n}" for letter, count in
                     (("A", 4), ("B", 4), ("C", 5), ("D", 4), ("E", 2), ("F", 5), ("G", 2))
                     for n in range(1, count + 1))
_SECTION_RE = re.compile(r"^## (.+?)\s*$", re.M)


@dataclass(frozen=True, slots=True)
class Hit:
    """One occurrence a rule reports; the engine adds the rule's metadata."""

    message: str
    location: Location
    subject: Subject
    detail: str = ""
    """Stable key for this occurrence within the subject (see ``Finding.detail``)."""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    """This occurrence's own severity, for rules whose findings differ in weight (a
    dependency advisory rated critical or low); None: the rule's severity. A project's
    severity override of the rule still wins."""


@dataclass(slots=True)
class Context:
    """What a rule may consult besides the app: the project's policy and the scan root."""

    config: Config
    root: str
    """Absolute path of the scan root, for rules that measure code on disk."""
    today: dt.date | None = None
    """The date that dated rules (runtime deprecation) compare against; None means
    the real date. Tests set it so their results do not change with the calendar."""
    analyzer: CodeAnalyzer | None = field(default=None, repr=False)
    """Created on the first ``code()`` call, so a scan without code rules never imports
    the code package; shared by every rule of the scan."""
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    """Results several rules of one scan share (e.g. the least-privilege verdicts of an
    app), computed by the first rule that needs them; the Context lives for one scan."""
    notes: list[Diagnostic] = field(default_factory=list, repr=False, compare=False)
    """What a rule could not check and the user should know, once per scan (e.g. "no
    advisory database"); the engine adds them to the scan's diagnostics."""

    def note(self, level: str, message: str, loc: Location) -> None:
        if all(n.message != message for n in self.notes):
            self.notes.append(Diagnostic(level, message, loc))

    def code(self, app: App, fn: Function) -> FunctionCode:
        """What the function's handler code does (SDK calls, taint flows, code issues)."""
        if self.analyzer is None:
            from pathlib import Path

            from faasguard.code import CodeAnalyzer

            self.analyzer = CodeAnalyzer(Path(self.root))
        return self.analyzer.function(app, fn)


CheckFn = Callable[[App, Context], Iterator[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    severity: Severity
    category: str
    controls: tuple[str, ...]
    cwe: tuple[int, ...]
    docs: Mapping[str, str]
    check: CheckFn = field(repr=False)
    module: str = ""

    def __call__(self, app: App, ctx: Context) -> Iterator[Hit]:
        return self.check(app, ctx)

    @property
    def needs_code(self) -> bool:
        """True for rules that read handler code (``faasguard scan --no-code`` skips them)."""
        return self.module in CODE_RULE_MODULES or self.id in CODE_RULE_IDS

    @property
    def summary(self) -> str:
        return self.docs.get("What it does", "").split("\n\n")[0].replace("\n", " ").strip()


CODE_RULE_MODULES = frozenset({"faasguard.rules.code", "faasguard.rules.leastpriv"})
"""Rule modules whose rules analyse handler code rather than the template."""
CODE_RULE_IDS = frozenset({"FG-DEP-004"})
"""Single rules elsewhere that need the code analysis (which imports the code makes)."""

_SEEN: set[str] = set()


def parse_sections(doc: str) -> dict[str, str]:
    doc = inspect.cleandoc(doc or "")
    parts = _SECTION_RE.split(doc)
    # parts = [preamble, name1, body1, name2, body2, ...]
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


class RuleDocs(Mapping[str, str]):
    """A rule's documentation sections, parsed from its docstring when first read: a
    scan reads none of them, and parsing a hundred docstrings is a share of start-up."""

    __slots__ = ("_doc", "_sections")

    def __init__(self, doc: str) -> None:
        self._doc = doc
        self._sections: dict[str, str] | None = None

    def has_heading(self, name: str) -> bool:
        """The docstring has a ``## name`` heading (cheap: nothing is parsed)."""
        return f"## {name}" in self._doc

    def _parsed(self) -> dict[str, str]:
        if self._sections is None:
            self._sections = parse_sections(self._doc)
        return self._sections

    def __getitem__(self, name: str) -> str:
        return self._parsed()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())

    def __repr__(self) -> str:
        return repr(self._parsed())


def rule(*, id: str, title: str, severity: str, category: str, controls: tuple[str, ...],
         cwe: tuple[int, ...] = ()) -> Callable[[CheckFn], Rule]:
    """Turn a check function into a :class:`Rule`, validating its metadata."""

    def wrap(fn: CheckFn) -> Rule:
        where = f"{fn.__module__}.{fn.__qualname__}"
        if not ID_PATTERN.match(id):
            raise ValueError(f"{where}: rule id {id!r} does not look like FG-IAM-001")
        if id in _SEEN:
            raise ValueError(f"{where}: duplicate rule id {id}")
        if category not in CATEGORIES:
            raise ValueError(f"{where}: unknown category {category!r}")
        if not controls or not set(controls) <= CONTROLS:
            raise ValueError(f"{where}: controls {controls!r} must be REQUIREMENTS.md ids")
        if not all(isinstance(c, int) and c > 0 for c in cwe):
            raise ValueError(f"{where}: cwe must be positive integers")
        if not title or title.endswith("."):
            raise ValueError(f"{where}: title must be a phrase without a full stop")
        # The headings must be there; the sections are parsed when first read, and the
        # tests check every rule's in full (tests/test_ruledocs.py).
        docs = RuleDocs(fn.__doc__ or "")
        missing = [s for s in SECTIONS if not docs.has_heading(s)]
        if missing:
            raise ValueError(f"{where}: docstring lacks section(s) {', '.join(missing)}")
        _SEEN.add(id)
        return Rule(id=id, title=title, severity=Severity.parse(severity), category=category,
                    controls=tuple(controls), cwe=tuple(cwe), docs=docs, check=fn,
                    module=fn.__module__)

    return wrap


# --- helpers for building hits ------------------------------------------------------


def on_function(fn: Function, message: str, *fields: str, detail: str = "",
                evidence: Mapping[str, Any] | None = None) -> Hit:
    return Hit(message, fn.at(*fields), Subject("function", fn.id, fn.display_name, fn.id),
               detail, evidence or {})


def on_role(role: Role, message: str, location: Location | None = None, *, detail: str = "",
            function: str | None = None, evidence: Mapping[str, Any] | None = None) -> Hit:
    name = role.name if isinstance(role.name, str) else None
    return Hit(message, location or role.loc, Subject("role", role.id, name, function),
               detail, evidence or {})


def on_route(api: Api, route: Route, message: str, *, detail: str = "",
             location: Location | None = None) -> Hit:
    return Hit(message, location or route.loc,
               Subject("route", f"{api.id} {route.name}", route.name, route.function),
               detail or route.name)


def on_node(node: Node, kind: str, message: str, *fields: str, detail: str = "",
            function: str | None = None, evidence: Mapping[str, Any] | None = None) -> Hit:
    name = getattr(node, "name", None)
    return Hit(message, node.at(*fields),
               Subject(kind, node.id, name if isinstance(name, str) else None, function),
               detail, evidence or {})


def on_resource(res: Resource, message: str, *fields: str, detail: str = "",
                evidence: Mapping[str, Any] | None = None) -> Hit:
    return on_node(res, "resource", message, *fields, detail=detail, evidence=evidence)
