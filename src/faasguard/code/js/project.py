"""The JavaScript/TypeScript modules of one function: parsing, imports, exports.

One ``JsProject`` per code root caches every parsed file. Module specifiers resolve
only to files of the project: relative paths inside the scan root (so monorepo shared
folders bundled by esbuild/webpack count) and never into ``node_modules``. Package
imports stay names ("child_process", "@aws-sdk/client-s3") that the SDK and sink
tables read.
"""

from __future__ import annotations

import json
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.code.facts import Unknown
from faasguard.code.js.parse import (
    FUNCTION_TYPES,
    SOURCE_SUFFIXES,
    arguments,
    dialect_of,
    line,
    object_properties,
    parse_source,
    property_name,
    string_value,
    text,
    unwrap,
    walk,
)
from faasguard.model import Location

if TYPE_CHECKING:
    from dataclasses import dataclass

    from tree_sitter import Node
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

MAX_FILES = 400
"""Modules followed from one handler; beyond this the rest is reported unknown."""
VENDORED = frozenset({"node_modules", "bower_components", ".serverless", ".aws-sam", "cdk.out"})


@dataclass(frozen=True, slots=True)
class Import:
    """A local name bound to another module, or to one export of it."""

    spec: str
    """The specifier as written ("./db", "aws-sdk", "node:child_process")."""
    name: str | None
    """The imported member; None for the whole module (namespace, default, require)."""


@dataclass(slots=True)
class Module:
    path: Path
    rel: str
    root: Node
    source: bytes
    imports: dict[str, Import] = field(default_factory=dict)
    exports: dict[str, Node] = field(default_factory=dict)
    reexports: dict[str, Import] = field(default_factory=dict)
    functions: dict[str, Node] = field(default_factory=dict)
    """Named functions and ``const f = () => ...`` anywhere in the file."""
    values: dict[str, Node] = field(default_factory=dict)
    """The initial value of every ``const``/``let``/``var`` with a plain name."""
    classes: dict[str, Node] = field(default_factory=dict)
    """``class X {}`` and ``const X = class {}`` anywhere in the file, by name."""
    nodes: list[Node] = field(default_factory=list)
    """Every named node, in source order: walked once, read by every pass."""
    requires: list[str] = field(default_factory=list)
    """Specifiers of every ``require('x')`` call, bound to a name or not."""

    @property
    def packages(self) -> set[str]:
        """Names of the modules this one imports or requires (``node:`` dropped)."""
        specs = {module_name(i.spec) for i in self.imports.values()}
        return specs | {module_name(s) for s in self.requires}

    def loc(self, node: Node) -> Location:
        return Location(self.rel, line(node))

    def loc_line(self, number: int) -> Location:
        return Location(self.rel, number)

    @property
    def lines_of_code(self) -> int:
        return sum(1 for raw in self.source.splitlines()
                   if (stripped := raw.strip()) and not stripped.startswith((b"//", b"/*", b"*")))


def module_name(spec: str) -> str:
    """A package specifier without the ``node:`` scheme."""
    return spec[5:] if spec.startswith("node:") else spec


class JsProject:
    """Parsed modules under one code root, resolved on demand and cached."""

    def __init__(self, code_root: Path, scan_root: Path) -> None:
        self.code_root = code_root.resolve()
        self.scan_root = scan_root.resolve()
        self.unknowns: list[Unknown] = []
        """Everything the project could not read, in the order it happened."""
        self._failed: dict[Path, Unknown] = {}
        self._session: list[Unknown] | None = None
        self._session_paths: set[Path] = set()
        self._modules: dict[Path, Module | None] = {}
        self._resolved: dict[tuple[Path, str], Path | None] = {}

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.scan_root).as_posix()
        except ValueError:
            return path.as_posix()

    def begin(self) -> list[Unknown]:
        """Start one function's analysis; the list returned collects what the files it
        reaches could not tell (read failures), also when the project read those files
        for another function first: sharing the project changes no function's result."""
        self._session = []
        self._session_paths = set()
        return self._session

    def module(self, path: Path) -> Module | None:
        if path not in self._modules:  # paths from resolve() are canonical already
            path = path.resolve()
            if path not in self._modules:
                self._modules[path] = self._load(path)
        module = self._modules[path]
        if module is None:
            self._note(path)
        return module

    def _note(self, path: Path) -> None:
        failure = self._failed.get(path)
        if failure is not None and self._session is not None \
                and path not in self._session_paths:
            self._session_paths.add(path)
            self._session.append(failure)

    def _fail(self, path: Path, unknown: Unknown) -> None:
        self.unknowns.append(unknown)
        self._failed[path] = unknown

    def _load(self, path: Path) -> Module | None:
        rel = self.rel(path)
        try:
            source = path.read_bytes()
        except OSError as exc:
            self._fail(path, Unknown(Location(rel), f"cannot read: {exc.strerror}"))
            return None
        tree = parse_source(source, dialect_of(path))
        if tree is None:
            self._fail(path, Unknown(Location(rel), "file too big or too slow to parse"))
            return None
        module = Module(path, rel, tree.root_node, source)
        _index(module)
        return module

    def resolve(self, importer: Path, spec: str) -> Path | None:
        """The project file ``spec`` names from ``importer``; None for packages and for
        anything outside the scan root or inside a vendored folder."""
        if not spec.startswith((".", "/")):
            return None
        key = (importer.parent, spec)
        if key not in self._resolved:
            self._resolved[key] = self._find(importer, spec)
        return self._resolved[key]

    def _find(self, importer: Path, spec: str) -> Path | None:
        base = (importer.parent / spec).resolve()
        candidates = [base]
        if base.suffix in (".js", ".mjs", ".cjs", ".jsx"):  # TypeScript imports "./x.js"
            candidates += [base.with_suffix(s) for s in (".ts", ".mts", ".cts", ".tsx")]
        candidates += [base.with_name(base.name + s) for s in SOURCE_SUFFIXES]
        candidates += [base / f"index{s}" for s in SOURCE_SUFFIXES]
        for candidate in candidates:
            if candidate.is_file() and self._inside(candidate):
                return candidate
        return None

    def _inside(self, path: Path) -> bool:
        try:
            relative = path.relative_to(self.scan_root)
        except ValueError:
            return False
        return not any(part in VENDORED for part in relative.parts)

    def dependency_major(self, importer: Path, package: str) -> int | None:
        """The major version of ``package`` the nearest package.json asks for."""
        folder = importer.parent
        while True:
            manifest = folder / "package.json"
            if manifest.is_file():
                try:
                    data = json.loads(manifest.read_text(errors="replace"))
                except (OSError, ValueError):
                    return None
                for section in ("dependencies", "devDependencies"):
                    deps = data.get(section) if isinstance(data, dict) else None
                    version = deps.get(package) if isinstance(deps, dict) else None
                    if isinstance(version, str):
                        return _major(version)
                return None
            if folder == self.scan_root or folder.parent == folder:
                return None
            folder = folder.parent

    def reachable(self, entry: Path) -> list[Module]:
        """The entry module first, then every project module it imports, transitively."""
        order: list[Module] = []
        seen: set[Path] = set()
        queue = [entry.resolve()]
        while queue:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            if len(seen) > MAX_FILES:
                unknown = Unknown(Location(self.rel(entry)),
                                  f"more than {MAX_FILES} modules reachable")
                self.unknowns.append(unknown)
                if self._session is not None:
                    self._session.append(unknown)
                break
            module = self.module(path)
            if module is None:
                continue
            order.append(module)
            specs = [imp.spec for imp in module.imports.values()]
            specs += [imp.spec for imp in module.reexports.values()]
            specs += module.requires
            for spec in dict.fromkeys(specs):  # source order, once each
                target = self.resolve(path, spec)
                if target is not None:
                    queue.append(target)
        return order

    def export(self, module: Module, name: str, depth: int = 0) -> tuple[Module, Node] | None:
        """The function behind ``module``'s export ``name`` (through re-exports,
        aliases and wrappers like ``middy(handler)``)."""
        if depth > 8:
            return None
        if name in module.exports:
            return self.function_of(module, module.exports[name], depth)
        reexport = module.reexports.get(name)
        if reexport is not None:
            target = self.resolve(module.path, reexport.spec)
            other = self.module(target) if target else None
            if other is not None:
                return self.export(other, reexport.name or name, depth + 1)
        return None

    def function_of(self, module: Module, node: Node | None,
                    depth: int = 0) -> tuple[Module, Node] | None:
        """The function a value expression stands for, following names and imports."""
        node = unwrap(node)
        for _ in range(16):
            if node is None or depth > 8:
                return None
            if node.type in FUNCTION_TYPES or node.type == "function_declaration":
                return module, node
            if node.type == "call_expression":
                callee = unwrap(node.child_by_field_name("function"))
                if callee is not None and callee.type == "member_expression":
                    node = unwrap(callee.child_by_field_name("object"))  # middy(fn).use(x)
                    continue
                args = arguments(node)  # wrappers: middy(fn), withSentry(fn)
                node = unwrap(args[0]) if args else None
                continue
            if node.type == "member_expression":  # require('./handlers').render, lib.render
                obj = unwrap(node.child_by_field_name("object"))
                made = self.instance_class(module, obj) or self.class_of(module, obj)
                if made is not None:  # h.handle (h = new Handler()), Handler.handle
                    return self.method(made[0], made[1],
                                       text(node.child_by_field_name("property")))
                spec = require_spec(obj)
                if spec is None and obj is not None and obj.type == "identifier":
                    imp = module.imports.get(text(obj))
                    spec = imp.spec if imp is not None and imp.name is None else None
                target = self.resolve(module.path, spec) if spec else None
                other = self.module(target) if target else None
                if other is None:
                    return None
                return self.export(other, text(node.child_by_field_name("property")),
                                   depth + 1)
            if node.type in ("identifier", "shorthand_property_identifier"):
                name = text(node)
                if name in module.functions:
                    return module, module.functions[name]
                if name in module.values and module.values[name] is not node:
                    node = unwrap(module.values[name])
                    continue
                imp = module.imports.get(name)
                if imp is not None:
                    target = self.resolve(module.path, imp.spec)
                    other = self.module(target) if target else None
                    if other is None:
                        return None
                    return self.export(other, imp.name or "default", depth + 1)
                return None
            return None
        return None


    # --- classes ---------------------------------------------------------------------

    def class_of(self, module: Module, node: Node | None,
                 depth: int = 0) -> tuple[Module, Node] | None:
        """The class a name stands for: declared here, or imported from a project module."""
        node = unwrap(node)
        if node is None or depth > 8:
            return None
        if node.type == "class":
            return module, node
        if node.type not in ("identifier", "type_identifier"):
            return None
        name = text(node)
        if name in module.classes:
            return module, module.classes[name]
        imp = module.imports.get(name)
        if imp is None:
            return None
        target = self.resolve(module.path, imp.spec)
        other = self.module(target) if target else None
        if other is None:
            return None
        member = imp.name or "default"
        exported = unwrap(other.exports.get(member))
        if exported is not None and exported.type in ("class", "class_declaration"):
            return other, exported
        if exported is not None and exported.type == "identifier":
            return self.class_of(other, exported, depth + 1)
        return (other, other.classes[member]) if member in other.classes else None

    def instance_class(self, module: Module, node: Node | None) -> tuple[Module, Node] | None:
        """The class of an object: ``new Handler()``, a name bound to one, or ``this``
        inside a class body."""
        node = unwrap(node)
        if node is None:
            return None
        if node.type == "this":
            return enclosing_class(module, node)
        if node.type == "identifier":
            bound = unwrap(module.values.get(text(node)))
            if bound is None or bound is node:
                return None
            node = bound
        if node.type == "new_expression":
            return self.class_of(module, node.child_by_field_name("constructor"))
        return None

    def method(self, module: Module, cls: Node, name: str,
               depth: int = 0) -> tuple[Module, Node] | None:
        """A method (or arrow-function field) of a class or of the classes it extends."""
        body = cls.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type == "method_definition":
                if text(member.child_by_field_name("name")) == name:
                    return module, member
            elif member.type in ("field_definition", "public_field_definition"):
                key = member.child_by_field_name("property") or member.child_by_field_name(
                    "name")
                value = unwrap(member.child_by_field_name("value"))
                if text(key) == name and value is not None and value.type in FUNCTION_TYPES:
                    return module, value
        if depth > 6:
            return None
        heritage = next((c for c in cls.named_children if c.type == "class_heritage"), None)
        for parent in heritage.named_children if heritage is not None else []:
            if parent.type == "extends_clause":  # TypeScript wraps it
                parent = parent.child_by_field_name("value") or parent
            base = self.class_of(module, parent)
            if base is not None:
                return self.method(base[0], base[1], name, depth + 1)
        return None


def enclosing_class(module: Module, node: Node) -> tuple[Module, Node] | None:
    current = node.parent
    while current is not None:
        if current.type in ("class_declaration", "class", "abstract_class_declaration"):
            return module, current
        current = current.parent
    return None


def require_spec(node: Node | None) -> str | None:
    node = unwrap(node)
    if node is None or node.type != "call_expression":
        return None
    callee = node.child_by_field_name("function")
    if callee is None or text(callee) != "require":
        return None
    args = arguments(node)
    return string_value(args[0]) if len(args) == 1 else None


def _index(module: Module) -> None:
    module.nodes = list(walk(module.root))
    for node in module.nodes:
        kind = node.type
        if kind == "call_expression":
            spec = require_spec(node)
            if spec is not None:
                module.requires.append(spec)
        elif kind == "import_statement":
            _index_import(module, node)
        elif kind == "variable_declarator":
            _index_declarator(module, node)
        elif kind in ("function_declaration", "generator_function_declaration"):
            name = node.child_by_field_name("name")
            if name is not None:
                module.functions.setdefault(text(name), node)
        elif kind in ("class_declaration", "abstract_class_declaration"):
            name = node.child_by_field_name("name")
            if name is not None:
                module.classes.setdefault(text(name), node)
        elif kind == "export_statement":
            _index_export(module, node)
        elif kind == "assignment_expression":
            _index_commonjs_export(module, node)


def _index_import(module: Module, node: Node) -> None:
    source = node.child_by_field_name("source")
    spec = string_value(source)
    if spec is None:
        return
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    if clause is None:
        return
    for part in clause.named_children:
        if part.type == "identifier":  # default import
            module.imports[text(part)] = Import(spec, "default" if spec.startswith(".")
                                                else None)
        elif part.type == "namespace_import":
            ident = next((c for c in part.named_children if c.type == "identifier"), None)
            if ident is not None:
                module.imports[text(ident)] = Import(spec, None)
        elif part.type == "named_imports":
            for spec_node in part.named_children:
                if spec_node.type != "import_specifier":
                    continue
                name = spec_node.child_by_field_name("name")
                alias = spec_node.child_by_field_name("alias") or name
                if name is not None and alias is not None:
                    module.imports[text(alias)] = Import(spec, text(name))


def _index_declarator(module: Module, node: Node) -> None:
    name = node.child_by_field_name("name")
    value = unwrap(node.child_by_field_name("value"))
    if name is None or value is None:
        return
    spec, member = _required(value)
    if name.type == "identifier":
        if spec is not None:
            module.imports[text(name)] = Import(spec, member)
            return
        module.values[text(name)] = value
        if value.type in ("arrow_function", "function_expression", "function"):
            module.functions.setdefault(text(name), value)
        elif value.type == "class":
            module.classes.setdefault(text(name), value)
    elif name.type == "object_pattern" and spec is not None and member is None:
        for key, local in pattern_names(name):
            module.imports[local] = Import(spec, key)


def _required(value: Node) -> tuple[str | None, str | None]:
    """``require('m')`` -> (m, None); ``require('m').x`` -> (m, x)."""
    spec = require_spec(value)
    if spec is not None:
        return spec, None
    if value.type == "call_expression" and text(value.child_by_field_name(
            "function")).endswith("captureAWS"):  # AWSXRay.captureAWS(require('aws-sdk'))
        args = arguments(value)
        spec = require_spec(args[0]) if args else None
        if spec is not None:
            return spec, None
    if value.type == "member_expression":
        spec = require_spec(value.child_by_field_name("object"))
        prop = value.child_by_field_name("property")
        if spec is not None and prop is not None:
            return spec, text(prop)
    return None, None


def pattern_names(pattern: Node) -> list[tuple[str, str]]:
    """(property, local name) pairs of a flat object pattern ``{ a, b: c, d = 1 }``."""
    pairs: list[tuple[str, str]] = []
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            pairs.append((text(child), text(child)))
        elif child.type == "pair_pattern":
            key = property_name(child.child_by_field_name("key"))
            value = child.child_by_field_name("value")
            if value is not None and value.type == "assignment_pattern":
                value = value.child_by_field_name("left")
            if key is not None and value is not None and value.type == "identifier":
                pairs.append((key, text(value)))
        elif child.type == "object_assignment_pattern":
            left = child.child_by_field_name("left")
            if left is not None:
                pairs.append((text(left), text(left)))
    return pairs


def _index_export(module: Module, node: Node) -> None:
    source = string_value(node.child_by_field_name("source"))
    declaration = node.child_by_field_name("declaration")
    value = node.child_by_field_name("value")
    if declaration is not None:
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            for declarator in declaration.named_children:
                name = declarator.child_by_field_name("name")
                init = declarator.child_by_field_name("value")
                if declarator.type == "variable_declarator" and name is not None \
                        and init is not None:
                    module.exports[text(name)] = init
        else:
            name = declaration.child_by_field_name("name")
            if name is not None:
                module.exports[text(name)] = declaration
        return
    if value is not None or any(c.type == "default" for c in node.children):
        target = value or next((c for c in node.named_children
                                if c.type != "comment"), None)
        if target is not None:
            module.exports["default"] = target
        return
    clause = next((c for c in node.named_children if c.type == "export_clause"), None)
    if clause is None:
        return
    for spec_node in clause.named_children:
        name = spec_node.child_by_field_name("name")
        alias = spec_node.child_by_field_name("alias") or name
        if name is None or alias is None:
            continue
        if source is not None:
            module.reexports[text(alias)] = Import(source, text(name))
        else:
            module.exports[text(alias)] = name


def _index_commonjs_export(module: Module, node: Node) -> None:
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    if left is None or right is None:
        return
    target = text(left)
    if target in ("module.exports", "exports"):
        props = object_properties(right)
        if props:
            for key, value in props.items():
                module.exports[key] = value
            literal = unwrap(right)
            for child in literal.named_children if literal is not None else []:
                if child.type == "method_definition":
                    name = child.child_by_field_name("name")
                    if name is not None:
                        module.exports[text(name)] = child
        else:
            module.exports["default"] = right
            spec, member = _required(unwrap(right) or right)
            if spec is not None:  # module.exports = require('./impl')
                module.reexports.setdefault("*", Import(spec, member))
        return
    for prefix in ("module.exports.", "exports."):
        if target.startswith(prefix) and "." not in target[len(prefix):]:
            module.exports[target[len(prefix):]] = right


def _major(version: str) -> int | None:
    digits = ""
    for char in version.lstrip("^~>=v <"):
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None
