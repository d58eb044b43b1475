"""Serverless Framework variables (``${source:address, fallback}``), resolved without guessing.

What we can know from the files and the command line is resolved: ``self:``,
``opt:``, ``sls:stage``, ``file()`` (YAML/JSON/text inside the scan root), ``param:``
from ``--param`` and the service's own stage params, ``strToBool()``, ``aws:region``,
and ``env:`` only when the user passed ``--env-vars``. Everything else (``ssm:``,
``cf:``, ``s3:``, ``aws:accountId``, plugin sources, JavaScript files) becomes an
explicit ``Unresolved`` value, and a fallback is never used in its place: the remote
value may well exist.

Resolution follows the Framework's rules: a variable that is the whole value keeps
the type of what it resolves to (a mapping, a list, a number); one embedded in text
becomes text, and an unresolved part makes the whole value unresolved. A source that
resolves to nothing (a missing key, option or file) falls through to the next source.

The work is bounded: self references are memoised per path, cycles become
``Unresolved(expr, "cyclic reference")``, and the chain depth and the number of
variables evaluated per file are capped, so a hostile file ends in diagnostics rather
than a ``RecursionError`` or a hang. Resolved containers are ``SlsDict``/``SlsList``
(subclasses of the reader's ``LineDict``/``LineList``) that keep their lines and name
the file they were read from, so a mapping pulled in with ``${file(...)}`` still
points at its own file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.loaders.base import (
    LoadError,
    LoadOptions,
    env_allowed,
    inside,
    parse_documents,
    read_text,
    relpath,
)
from faasguard.loaders.yamlsafe import LineDict, LineList
from faasguard.model import Diagnostic, Location
from faasguard.model.values import Unresolved

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

MAX_CHAIN = 40
"""Variables evaluated inside one another (self -> file -> self ...)."""
MAX_VARIABLES = 200_000
"""Variables evaluated per service file, memoised lookups not counted."""
MAX_NESTING = 16
"""``${`` opened inside one another in a single string."""
MAX_DIAGNOSTICS = 100
MAX_TEXT = 1_000_000
"""Characters of one value built from embedded variables (doubling chains add up fast)."""

REMOTE_SOURCES = {
    "ssm": "read from SSM Parameter Store at deploy time",
    "cf": "read from another CloudFormation stack's outputs at deploy time",
    "s3": "read from an S3 object at deploy time",
    "secretsmanager": "read from Secrets Manager at deploy time",
}
CODE_SUFFIXES = (".js", ".cjs", ".mjs", ".ts", ".cts", ".mts")
DATA_SUFFIXES = (".yml", ".yaml", ".json", ".tfstate")
ENV_NOT_READ = "environment not read (use --env-vars)"
CYCLE = "cyclic reference"
TOO_DEEP = "variables nested too deeply"
TOO_MANY = "too many variables"


class SlsDict(LineDict):
    """A resolved mapping: its lines, and the file (relative to the scan root) it came from."""

    __slots__ = ("file",)

    def __init__(self, line: int = 0, file: str = "") -> None:
        super().__init__(line)
        self.file = file


class SlsList(LineList):
    """A resolved list: its lines, and the file it came from."""

    __slots__ = ("file",)

    def __init__(self, line: int = 0, file: str = "") -> None:
        super().__init__(line)
        self.file = file


def origin(value: Any, default: str) -> str:
    """The file a resolved container was read from (``default`` for anything else)."""
    return getattr(value, "file", "") or default


# --- syntax ----------------------------------------------------------------------------


class VariableSyntaxError(ValueError):
    """A ``${...}`` the Framework would reject; the value stays unresolved."""


@dataclass(frozen=True, slots=True)
class Source:
    """One source of a variable: ``type(params):address``, or a literal fallback."""

    type: str = ""
    params: tuple[Template, ...] = ()
    address: Template | None = None
    literal: Any = None
    is_literal: bool = False
    nested: Variable | None = None
    """A fallback written as a whole variable: ``${opt:stage, ${self:x}}``."""


@dataclass(frozen=True, slots=True)
class Variable:
    sources: tuple[Source, ...]
    text: str
    """The expression as written, ``${...}`` included."""


Template = tuple["str | Variable", ...]
"""Text with variables in it, in order."""


_WORD = re.compile(r"[A-Za-z0-9_.-]*")
_SPECIAL: dict[str, re.Pattern[str]] = {}
"""Per set of stop characters: the characters the template scanner must look at."""


class _Parser:
    """A small recursive-descent parser; nesting is capped at ``MAX_NESTING``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def template(self, pos: int, stops: str, depth: int) -> tuple[Template, int]:
        """Text up to one of ``stops`` (or the end); returns the parts and where it stopped."""
        text = self.text
        special = _SPECIAL.get(stops) or _SPECIAL.setdefault(
            stops, re.compile("[" + re.escape("\\$" + stops) + "]"))
        parts: list[str | Variable] = []
        buf: list[str] = []
        while pos < len(text):
            found = special.search(text, pos)
            if found is None:
                buf.append(text[pos:])
                pos = len(text)
                break
            if found.start() > pos:
                buf.append(text[pos:found.start()])
            pos = found.start()
            char = text[pos]
            if char in stops:
                break
            if char == "\\":
                buf.append(text[pos:pos + 2])
                pos += 2
                continue
            if text.startswith("${", pos):
                variable = self.variable(pos, depth + 1)
                if variable is not None:
                    if buf:
                        parts.append("".join(buf))
                        buf = []
                    parts.append(variable[0])
                    pos = variable[1]
                    continue
                # not ours (``${AWS::Region}`` of Fn::Sub, ``${Foo}``): kept as text
                buf.append("${")
                pos += 2
                continue
            buf.append(char)
            pos += 1
        if buf:
            parts.append("".join(buf))
        return tuple(parts), pos

    def variable(self, start: int, depth: int) -> tuple[Variable, int] | None:
        """A variable at ``start`` (``${``), or None when the text is not one."""
        if depth > MAX_NESTING:
            raise VariableSyntaxError("variables nested too deeply")
        text = self.text
        pos = start + 2
        word, after = self._word(pos)
        if not word or not word[0].islower() or after >= len(text) or text[after] not in ":(":
            return None
        if text.startswith("::", after):
            return None
        sources: list[Source] = []
        source, pos = self._source(pos, depth)
        sources.append(source)
        while True:
            pos = self._skip(pos)
            if pos >= len(text):
                raise VariableSyntaxError(f"missing closing bracket in {text[start:]!r}")
            if text[pos] == "}":
                return Variable(tuple(sources), text[start:pos + 1]), pos + 1
            if text[pos] != ",":
                raise VariableSyntaxError(f"unexpected {text[pos]!r} at {pos} in {text!r}")
            source, pos = self._fallback(pos + 1, depth)
            sources.append(source)

    def _word(self, pos: int) -> tuple[str, int]:
        found = _WORD.match(self.text, pos)
        end = found.end() if found else pos
        return self.text[pos:end], end

    def _skip(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] == " ":
            pos += 1
        return pos

    def _source(self, pos: int, depth: int) -> tuple[Source, int]:
        """``type:address``, ``type(params)`` or ``type(params):address`` at ``pos``."""
        text = self.text
        word, pos = self._word(pos)
        params: list[Template] = []
        if pos < len(text) and text[pos] == "(":
            pos += 1
            while True:
                pos = self._skip(pos)
                if pos >= len(text):
                    raise VariableSyntaxError(f"unterminated parameters in {text!r}")
                if text[pos] == ")":
                    pos += 1
                    break
                quoted = self._quoted(pos)
                if quoted is not None:
                    params.append((quoted[0],))
                    pos = quoted[1]
                else:
                    param, pos = self.template(pos, ",)}", depth)
                    params.append(_strip(param))
                pos = self._skip(pos)
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                elif pos >= len(text) or text[pos] != ")":
                    raise VariableSyntaxError(f"unterminated parameters in {text!r}")
        address: Template | None = None
        if pos < len(text) and text[pos] == ":":
            pos = self._skip(pos + 1)
            quoted = self._quoted(pos)
            if quoted is not None:
                address, pos = (quoted[0],), quoted[1]
            else:
                address, pos = self.template(pos, ",}", depth)
                address = _strip(address)
        return Source(type=word, params=tuple(params), address=address), pos

    def _fallback(self, pos: int, depth: int) -> tuple[Source, int]:
        """A source after a comma: a literal, another source, or a whole variable."""
        text = self.text
        pos = self._skip(pos)
        if pos >= len(text):
            raise VariableSyntaxError(f"missing closing bracket in {text!r}")
        quoted = self._quoted(pos)
        if quoted is not None:
            return Source(literal=quoted[0], is_literal=True), quoted[1]
        if text.startswith("${", pos):
            found = self.variable(pos, depth + 1)
            if found is None:
                raise VariableSyntaxError(f"invalid fallback in {text!r}")
            return Source(nested=found[0]), found[1]
        word, after = self._word(pos)
        if word and word[0].islower() and after < len(text) and text[after] in ":(":
            return self._source(pos, depth)
        literal = _literal(word.strip())
        if not word or literal is _INVALID:
            raise VariableSyntaxError(f"invalid fallback {word or text[pos]!r} in {text!r}")
        return Source(literal=literal, is_literal=True), after

    def _quoted(self, pos: int) -> tuple[str, int] | None:
        text = self.text
        if pos >= len(text) or text[pos] not in "'\"":
            return None
        quote = text[pos]
        end = pos + 1
        while end < len(text) and text[end] != quote:
            end += 2 if text[end] == "\\" and quote == '"' else 1
        if end >= len(text):
            raise VariableSyntaxError(f"unterminated string in {text!r}")
        raw = text[pos:end + 1]
        if quote == "'":
            return raw[1:-1], end + 1
        try:
            return str(json.loads(raw)), end + 1
        except ValueError:
            return raw[1:-1], end + 1


_INVALID = object()


def _literal(word: str) -> Any:
    """A bare fallback: true/false/null or a number (the Framework allows no other words)."""
    if word in ("true", "false"):
        return word == "true"
    if word == "null":
        return None
    try:
        number = float(word)
    except ValueError:
        return _INVALID
    return int(number) if number.is_integer() and "." not in word and "e" not in word.lower() \
        else number


def _strip(parts: Template) -> Template:
    """Trim the spaces around a parameter or address."""
    if not parts:
        return parts
    out = list(parts)
    if isinstance(out[0], str):
        out[0] = out[0].lstrip()
    if isinstance(out[-1], str):
        out[-1] = out[-1].rstrip()
    return tuple(p for p in out if p != "")


def parse(text: str) -> Template:
    """The parts of a string: plain text and variables. Raises ``VariableSyntaxError``."""
    parts, _ = _Parser(text).template(0, "", 0)
    return parts


# --- resolution ------------------------------------------------------------------------


class _Missing:
    """A source that resolved to nothing: the next source (fallback) is tried."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


Where = tuple[str, "int | None"]
"""(file relative to the scan root, line) of the value being resolved."""


@dataclass
class _FileDoc:
    content: Any
    rel: str


@dataclass
class Resolver:
    """Resolves the variables of one service file. Use ``resolve_service`` for the whole."""

    doc: Any
    rel: str
    base_dir: Path
    """Absolute directory of the service file: ``file()`` paths start here."""
    opts: LoadOptions
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _env: Mapping[str, str] = field(default_factory=dict)
    _trees: dict[int, Any] = field(default_factory=dict)
    _final: set[int] = field(default_factory=set)
    _paths: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _active: set[tuple[Any, ...]] = field(default_factory=set)
    _strings: dict[str, Any] = field(default_factory=dict)
    _parsed: dict[str, Template | VariableSyntaxError] = field(default_factory=dict)
    _files: dict[str, _FileDoc | Unresolved | _Missing] = field(default_factory=dict)
    _reported: set[str] = field(default_factory=set)
    _chain: int = 0
    _count: int = 0
    _stage: Any = None

    def __post_init__(self) -> None:
        self._env = env_allowed(self.opts)

    # --- public ----------------------------------------------------------------------

    def resolve(self) -> Any:
        """The whole document with every variable resolved (or ``Unresolved``)."""
        key = ("self", ())
        self._active.add(key)
        try:
            return self._tree(self.doc, (self.rel, getattr(self.doc, "line", None)))
        finally:
            self._active.discard(key)

    def stage(self) -> Any:
        """``--opt stage``, else ``provider.stage``, else ``dev`` (the Framework's order)."""
        if self._stage is None:
            option = self.opts.options.get("stage")
            if option is not None:
                self._stage = str(option)
            else:
                value = self._self_path(["provider", "stage"], (self.rel, None))
                if isinstance(value, _Missing) or value is None:
                    self._stage = "dev"
                elif isinstance(value, Unresolved):
                    self._stage = value
                else:
                    self._stage = str(value)
        return self._stage

    def region(self) -> Any:
        """``--opt region``, else ``provider.region``, else ``us-east-1`` (as the Framework)."""
        option = self.opts.options.get("region")
        if option is not None:
            return str(option)
        value = self._self_path(["provider", "region"], (self.rel, None))
        if isinstance(value, _Missing) or value is None:
            return "us-east-1"
        return value if isinstance(value, Unresolved) else str(value)

    # --- diagnostics -----------------------------------------------------------------

    def _report(self, level: str, message: str, where: Where) -> None:
        if message in self._reported:
            return
        self._reported.add(message)
        if len(self.diagnostics) < MAX_DIAGNOSTICS:
            self.diagnostics.append(Diagnostic(level, message, Location(where[0], where[1])))
        elif len(self.diagnostics) == MAX_DIAGNOSTICS:
            self.diagnostics.append(Diagnostic(
                "info", "more variable problems not listed", Location(self.rel)))

    # --- trees -----------------------------------------------------------------------

    def _tree(self, node: Any, where: Where) -> Any:
        """A resolved copy of ``node``, walked without recursion (documents can be deep)."""
        if isinstance(node, str):
            return self._string(node, where)
        if not isinstance(node, dict | list):
            return node
        if id(node) in self._final:
            return node
        done = self._trees.get(id(node))
        if done is not None:
            return done
        file = where[0]
        top = self._empty(node, file)
        stack: list[tuple[Any, Any, Iterator[tuple[Any, Any]]]] = [(node, top, _items(node))]
        while stack:
            raw, copy, items = stack[-1]
            descended = False
            for key, child in items:
                line = raw.line_of(key) if isinstance(raw, LineDict | LineList) else None
                if isinstance(child, dict | list) and id(child) not in self._final:
                    done = self._trees.get(id(child))
                    if done is None:
                        new = self._empty(child, file)
                        _put(copy, key, new, line)
                        stack.append((child, new, _items(child)))
                        descended = True
                        break
                    child = done
                elif isinstance(child, str):
                    child = self._string(child, (file, line or None))
                _put(copy, key, child, line)
            if not descended:
                stack.pop()
                self._trees[id(raw)] = copy
                self._final.add(id(copy))
        return top

    @staticmethod
    def _empty(node: Any, file: str) -> Any:
        line = getattr(node, "line", 0)
        return SlsDict(line, file) if isinstance(node, dict) else SlsList(line, file)

    # --- strings ---------------------------------------------------------------------

    def _string(self, text: str, where: Where) -> Any:
        if "${" not in text:
            return text
        if text in self._strings:
            return self._strings[text]
        parsed = self._parsed.get(text)
        if parsed is None:
            try:
                parsed = parse(text)
            except VariableSyntaxError as exc:
                parsed = exc
            self._parsed[text] = parsed
        if isinstance(parsed, VariableSyntaxError):
            self._report("warning", f"invalid variable syntax: {parsed}", where)
            value: Any = Unresolved(text, f"invalid variable syntax: {parsed}")
        else:
            value = self._render(parsed, text, where)
        if not _tainted(value):
            self._strings[text] = value
        return value

    def _render(self, parts: Template, text: str, where: Where) -> Any:
        """A whole-value variable keeps its type; embedded ones become text."""
        if len(parts) == 1 and isinstance(parts[0], Variable):
            return self._variable(parts[0], where)
        out: list[str] = []
        size = 0
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                size += len(part)
                continue
            value = self._variable(part, where)
            if isinstance(value, Unresolved):
                return Unresolved(text, value.reason)
            rendered = _as_text(value)
            if rendered is None:
                kind = "a mapping" if isinstance(value, dict) else "a list"
                reason = f"{part.text} resolves to {kind}, which cannot be embedded in text"
                self._report("warning", reason, where)
                return Unresolved(text, reason)
            out.append(rendered)
            size += len(rendered)
            if size > MAX_TEXT:
                reason = f"value longer than {MAX_TEXT} characters"
                self._report("warning", f"{text[:80]}: {reason}", where)
                return Unresolved(text, reason)
        return "".join(out)

    def _text(self, parts: Template | None, where: Where) -> str | Unresolved | None:
        """A parameter or address as text (None when absent)."""
        if parts is None:
            return None
        if not parts:
            return ""
        value = self._render(parts, "".join(p if isinstance(p, str) else p.text for p in parts),
                             where)
        if isinstance(value, Unresolved):
            return value
        rendered = _as_text(value)
        if rendered is None:
            return Unresolved(str(parts), "address is not text")
        return rendered

    # --- variables -------------------------------------------------------------------

    def _variable(self, var: Variable, where: Where) -> Any:
        """The value of a variable; when every source comes up empty, ``Unresolved``."""
        value = self._try(var, where)
        if isinstance(value, _Missing):
            self._report("warning", f"cannot resolve {var.text}: {value.reason}", where)
            return Unresolved(var.text, value.reason)
        return value

    def _try(self, var: Variable, where: Where) -> Any:
        """The value of the first source that has one; ``_Missing`` when none has."""
        self._count += 1
        if self._count > MAX_VARIABLES:
            self._report("warning", f"more than {MAX_VARIABLES} variables; the rest are "
                         "left unresolved", where)
            return Unresolved(var.text, TOO_MANY)
        if self._chain >= MAX_CHAIN:
            self._report("warning", f"{var.text}: variables refer to one another more than "
                         f"{MAX_CHAIN} levels deep", where)
            return Unresolved(var.text, TOO_DEEP)
        self._chain += 1
        try:
            last = _Missing("no value")
            for source in var.sources:
                value = self._source(source, var, where)
                if isinstance(value, Unresolved):
                    # the real value may exist: a fallback would be a guess
                    return Unresolved(var.text, value.reason)
                if isinstance(value, _Missing):
                    last = value
                    continue
                if value is None and not source.is_literal:
                    last = _Missing(f"{_label(source)} is null")
                    continue
                return value
            return last
        finally:
            self._chain -= 1

    def _source(self, source: Source, var: Variable, where: Where) -> Any:
        if source.is_literal:
            return source.literal
        if source.nested is not None:
            return self._try(source.nested, where)
        kind = source.type
        address = self._text(source.address, where)
        if isinstance(address, Unresolved):
            return address
        if kind == "self":
            return self._self(address or "", where)
        if kind == "opt":
            return self._opt(address)
        if kind == "sls":
            return self._sls(address, var)
        if kind == "env":
            return self._env_var(address, var, where)
        if kind == "file":
            return self._file(source, address, var, where)
        if kind == "param":
            return self._param(address, var, where)
        if kind == "strToBool":
            return self._str_to_bool(source, var, where)
        if kind == "aws":
            return self._aws(address, var, where)
        if kind in REMOTE_SOURCES:
            self._report("info", f"{var.text} left unresolved: {REMOTE_SOURCES[kind]}", where)
            return Unresolved(var.text, REMOTE_SOURCES[kind])
        reason = f"unknown variable source {kind!r} (a plugin's, or a newer Framework's)"
        self._report("warning", f"{var.text} left unresolved: {reason}", where)
        return Unresolved(var.text, reason)

    # --- sources ---------------------------------------------------------------------

    def _self(self, address: str, where: Where) -> Any:
        parts = [p for p in address.split(".")] if address else []
        return self._self_path(parts, where)

    def _self_path(self, parts: list[str], where: Where) -> Any:
        return self._lookup(("self", tuple(parts)), self.doc, parts, self.rel, where,
                            "self:" + ".".join(parts))

    def _lookup(self, key: tuple[Any, ...], root: Any, parts: list[str], file: str,
                where: Where, label: str) -> Any:
        """The resolved value at ``parts`` under ``root``, memoised; cycles are caught here."""
        if key in self._paths:
            return self._paths[key]
        if key in self._active:
            self._report("warning", f"{label}: {CYCLE}", where)
            return Unresolved(label, CYCLE)
        self._active.add(key)
        try:
            value = self._walk(root, parts, file, where, label)
        finally:
            self._active.discard(key)
        if not _tainted(value):
            self._paths[key] = value
        return value

    def _walk(self, node: Any, parts: list[str], file: str, where: Where, label: str) -> Any:
        final = id(node) in self._final
        line: int | None = getattr(node, "line", None)
        for index, part in enumerate(parts):
            if isinstance(node, str) and not final:
                node = self._string(node, (file, line))
                final = True
            if isinstance(node, Unresolved):
                return Unresolved(label, node.reason)
            child = _child(node, part)
            if child is _ABSENT:
                return _Missing(f"{label} is not defined "
                                f"({'.'.join(parts[:index + 1])} not found)")
            line = node.line_of(_key(node, part)) if isinstance(node, LineDict | LineList) \
                else line
            final = final or id(node) in self._final
            if isinstance(child, dict | list) and id(child) in self._final:
                final = True
            node = child
        if final:
            return node
        if node is None:
            return None
        return self._tree(node, (file, line or where[1]))

    def _opt(self, address: str | None) -> Any:
        if not address:
            return dict(self.opts.options)
        if address in self.opts.options:
            return self.opts.options[address]
        return _Missing(f"option --{address} was not given")

    def _sls(self, address: str | None, var: Variable) -> Any:
        if address == "stage":
            return self.stage()
        if address == "instanceId":
            return Unresolved(var.text, "a new id is generated on each deploy")
        return Unresolved(var.text, f"unknown sls: address {address!r}")

    def _env_var(self, address: str | None, var: Variable, where: Where) -> Any:
        if not self.opts.env_vars:
            self._report("info", f"{var.text} left unresolved: {ENV_NOT_READ}", where)
            return Unresolved(var.text, ENV_NOT_READ)
        if not address:
            return dict(self._env)
        if address in self._env:
            return self._env[address]
        return _Missing(f"environment variable {address} is not set")

    def _aws(self, address: str | None, var: Variable, where: Where) -> Any:
        if address == "region":
            return self.region()
        if address == "accountId":
            reason = "the account id needs AWS credentials"
        else:
            reason = f"unknown aws: address {address!r}"
        self._report("info", f"{var.text} left unresolved: {reason}", where)
        return Unresolved(var.text, reason)

    def _str_to_bool(self, source: Source, var: Variable, where: Where) -> Any:
        if not source.params:
            return Unresolved(var.text, "strToBool needs a value")
        raw = self._text(source.params[0], where)
        if isinstance(raw, Unresolved):
            return raw
        value = (raw or "").strip().lower()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        reason = f"strToBool expects true, false, 0 or 1, not {raw!r}"
        self._report("warning", f"{var.text}: {reason}", where)
        return Unresolved(var.text, reason)

    def _param(self, address: str | None, var: Variable, where: Where) -> Any:
        if not address:
            return Unresolved(var.text, "param: needs a name")
        if address in self.opts.parameters:
            return self.opts.parameters[address]
        stage = self.stage()
        if isinstance(stage, Unresolved):
            return Unresolved(var.text, f"the stage is unresolved ({stage.reason})")
        # v3 `params.<stage>` over `params.default`; v4 `stages.<stage>.params` likewise
        for path in (["params", stage, address], ["params", "default", address],
                     ["stages", stage, "params", address],
                     ["stages", "default", "params", address]):
            value = self._self_path(path, where)
            if not isinstance(value, _Missing) and value is not None:
                return value
        if _child(self.doc, "org") is not _ABSENT:
            reason = "may be defined in the Serverless Dashboard; pass --param to set it"
            self._report("info", f"{var.text} left unresolved: {reason}", where)
            return Unresolved(var.text, reason)
        return _Missing(f"param {address} is not defined for stage {stage}")

    def _file(self, source: Source, address: str | None, var: Variable, where: Where) -> Any:
        if not source.params:
            return Unresolved(var.text, "file() needs a path")
        written = self._text(source.params[0], where)
        if isinstance(written, Unresolved):
            return Unresolved(var.text, f"file path unresolved ({written.reason})")
        if not written:
            return Unresolved(var.text, "file() needs a path")
        loaded = self._load_file(written, var, where)
        if not isinstance(loaded, _FileDoc):
            return loaded
        if not address:
            key: tuple[Any, ...] = ("file", loaded.rel, ())
            return self._lookup(key, loaded.content, [], loaded.rel, where, var.text)
        parts = address.split(".")
        key = ("file", loaded.rel, tuple(parts))
        return self._lookup(key, loaded.content, parts, loaded.rel, where, var.text)

    def _load_file(self, written: str, var: Variable, where: Where) -> _FileDoc | Unresolved | \
            _Missing:
        target = Path(os.path.normpath(self.base_dir / written))
        root = self.opts.root
        if not inside(target, root):
            reason = "the file is outside the scanned tree; not read"
            self._report("warning", f"{var.text}: {reason}", where)
            return Unresolved(var.text, reason)
        real = target.resolve()
        rel = relpath(real, root.resolve())
        if rel in self._files:
            return self._files[rel]
        loaded: _FileDoc | Unresolved | _Missing
        if target.suffix.lower() in CODE_SUFFIXES:
            reason = "JavaScript/TypeScript files are never executed"
            self._report("info", f"{var.text} left unresolved: {reason}", where)
            loaded = Unresolved(var.text, reason)
        elif not real.is_file():
            loaded = _Missing(f"file {written} does not exist")
        else:
            try:
                content = read_text(real, self.opts)
                if target.suffix.lower() in DATA_SUFFIXES:
                    docs = parse_documents(content, rel, self.opts)
                    loaded = _FileDoc(docs[0] if docs else None, rel)
                else:
                    loaded = _FileDoc(content, rel)  # any other file is plain text
            except LoadError as exc:
                self._report("warning", f"{var.text}: cannot read {exc.file}"
                             f"{':' + str(exc.line) if exc.line else ''}: {exc.message}", where)
                loaded = Unresolved(var.text, f"cannot read {written}: {exc.message}")
        self._files[rel] = loaded
        return loaded


# --- helpers ---------------------------------------------------------------------------

_ABSENT = object()


def _items(node: Any) -> Iterator[tuple[Any, Any]]:
    return iter(node.items()) if isinstance(node, dict) else iter(enumerate(node))


def _put(copy: LineDict | LineList, key: Any, value: Any, line: int | None) -> None:
    if isinstance(copy, LineDict):
        copy[key] = value
        if line:
            copy.key_lines[key] = line
    else:
        copy.append(value)
        copy.item_lines.append(line or copy.line)


def _key(node: Any, part: str) -> Any:
    if isinstance(node, list):
        return int(part)
    if part in node:
        return part
    for key in node:  # YAML keys may be numbers or booleans: `200: ...`
        if str(key) == part:
            return key
    return part


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(_key(node, part), _ABSENT)
    if isinstance(node, list) and part.isdigit():
        index = int(part)
        return node[index] if index < len(node) else _ABSENT
    return _ABSENT


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _label(source: Source) -> str:
    if source.address is None:
        return source.type
    return f"{source.type}:" + "".join(p if isinstance(p, str) else p.text
                                       for p in source.address)


def _tainted(value: Any) -> bool:
    """True for a value spoilt by where it was asked from (inside a cycle, at the depth
    bound): it is not memoised, because the same text may resolve when asked elsewhere."""
    return isinstance(value, Unresolved) and value.reason in (CYCLE, TOO_DEEP, TOO_MANY)


@dataclass(frozen=True, slots=True)
class ResolvedService:
    """A service file after variable resolution."""

    config: Any
    """The resolved document (an ``SlsDict`` when the file is a mapping)."""
    stage: Any
    region: Any
    diagnostics: tuple[Diagnostic, ...]


def resolve_service(doc: Any, rel: str, base_dir: Path, opts: LoadOptions) -> ResolvedService:
    """Resolve every variable of a parsed service file (see the module docstring)."""
    resolver = Resolver(doc, rel, base_dir, opts)
    config = resolver.resolve()
    return ResolvedService(config, resolver.stage(), resolver.region(),
                           tuple(resolver.diagnostics))
