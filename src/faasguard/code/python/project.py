"""One Python code tree: a module index, bounded parsing and import resolution.

Nothing here imports or runs the scanned code: files are read as bytes and parsed with
``ast.parse``. Resolution follows the Lambda runtime: absolute imports start at the code
root (``/var/task``) and at the layer directories (``/opt/python``); relative imports
start at the importing package. Vendored trees (site-packages, .venv, node_modules and
packages installed into the code root next to a ``*.dist-info``) are not project code.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.code.facts import Unknown
from faasguard.model import Location

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

VENDORED_DIRS = frozenset({
    "site-packages", "dist-packages", "node_modules", ".venv", "venv", "env", ".env",
    "__pycache__", ".git", ".hg", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
    ".aws-sam", ".serverless", "cdk.out", ".eggs",
})


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 1024 * 1024
    """Bigger files are generated or data; they are reported, not parsed."""
    max_files: int = 5000
    """Python files indexed per code root."""
    max_parsed: int = 2000
    """Files parsed per code root."""
    max_seconds: float = 60.0
    """Parsing time per code root."""


DEFAULT_LIMITS = Limits()

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class PythonProject:
    """The Python files under one code root; parse results are cached."""

    def __init__(self, code_root: Path, scan_root: Path, extra_roots: Iterable[Path] = (),
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.scan_root = scan_root.resolve()
        self.code_root = code_root.resolve()
        self.roots = [self.code_root, *(r.resolve() for r in extra_roots)]
        self.limits = limits
        self.unknowns: list[Unknown] = []
        """Files that could not be parsed, limits reached; each reported once."""
        self._trees: dict[Path, ast.Module | None] = {}
        self._index: dict[str, Path] | None = None
        self._resolved: dict[tuple[Path, str, int], Path | None] = {}
        self._by_importer: dict[tuple[Path, str, int], Path | None] = {}
        self.app_entries: dict[tuple[str, str], frozenset[tuple[Path, str]]] = {}
        """By app (template file, name): the (file, function) of every Python handler of the app that lives
        in this tree; filled once by the first analysis that needs it."""
        self.derived: dict[str, Any] = {}
        """Per analysis pass, facts derived from the files once and shared by every
        handler of the tree (e.g. each file's functions and classes)."""
        self._names: dict[Path, str] | None = None
        self._prefixes: set[str] | None = None
        self._imports: dict[Path, list[Path]] = {}
        self._nodes: dict[Path, list[ast.AST]] = {}
        self._reachable: dict[Path, list[Path]] = {}
        self._spent = 0.0
        self._parsed = 0
        self._reported: set[str] = set()
        self._rels: dict[Path, str] = {}
        self._inside_memo: dict[Path, bool] = {}
        self._real: dict[Path, Path] = {}
        self._listings: dict[Path, frozenset[str]] = {}
        self._line_counts: dict[Path, int] = {}

    # --- files -----------------------------------------------------------------------

    def rel(self, path: Path) -> str:
        found = self._rels.get(path)
        if found is None:
            try:
                found = path.relative_to(self.scan_root).as_posix()
            except ValueError:
                found = path.as_posix()
            self._rels[path] = found
        return found

    def _note(self, loc: Location, what: str) -> None:
        key = f"{loc}:{what}"
        if key not in self._reported:
            self._reported.add(key)
            self.unknowns.append(Unknown(loc, what))

    def _inside(self, path: Path) -> bool:
        found = self._inside_memo.get(path)
        if found is None:
            try:
                self._resolve_path(path).relative_to(self.scan_root)
                found = True
            except (ValueError, OSError, RuntimeError):
                found = False
            self._inside_memo[path] = found
        return found

    def _resolve_path(self, path: Path) -> Path:
        """``path.resolve()``, once per path: it costs a system call per part."""
        found = self._real.get(path)
        if found is None:
            found = self._real[path] = path.resolve()
        return found

    def _files_in(self, folder: Path) -> frozenset[str]:
        """Names of the files in ``folder``, listed once: import resolution asks about
        the same folders for every module of a tree."""
        found = self._listings.get(folder)
        if found is None:
            try:
                with os.scandir(folder) as entries:
                    found = frozenset(e.name for e in entries if e.is_file())
            except OSError:
                found = frozenset()
            self._listings[folder] = found
        return found

    def parse(self, path: Path) -> ast.Module | None:
        """The syntax tree of a project file, or None (recorded in ``unknowns``) when it
        cannot be read, is too big, is not valid Python, or a limit is reached."""
        if path in self._trees:
            return self._trees[path]
        tree = self._parse(path)
        self._trees[path] = tree
        return tree

    def _parse(self, path: Path) -> ast.Module | None:
        rel = self.rel(path)
        if not self._inside(path):
            self._note(Location(rel), "file is outside the scanned tree; not read")
            return None
        if self._parsed >= self.limits.max_parsed or self._spent >= self.limits.max_seconds:
            self._note(Location(rel), "code analysis limit reached; file not analysed")
            return None
        try:
            size = path.stat().st_size
            if size > self.limits.max_file_bytes:
                self._note(Location(rel), f"file is {size // 1024} KB, over the "
                           f"{self.limits.max_file_bytes // 1024} KB code limit; not analysed")
                return None
            data = path.read_bytes()[: self.limits.max_file_bytes + 1]
        except OSError as exc:
            self._note(Location(rel), f"cannot read: {exc.strerror or exc}")
            return None
        start = time.perf_counter()
        try:
            tree = ast.parse(data, filename=rel, type_comments=False)
            self._parsed += 1
            return tree
        except SyntaxError as exc:
            self._note(Location(rel, exc.lineno), f"syntax error: {exc.msg}")
        except ValueError as exc:  # null bytes, on older Pythons
            self._note(Location(rel), f"cannot parse: {exc}")
        except (RecursionError, MemoryError):
            self._note(Location(rel), "cannot parse: nested too deeply")
        finally:
            self._spent += time.perf_counter() - start
        return None

    def lines_of_code(self, path: Path) -> int:
        """Lines of the file that are not blank and not only a comment; counted once."""
        found = self._line_counts.get(path)
        if found is None:
            found = self._line_counts[path] = count_lines(self.source_lines(path))
        return found

    def source_lines(self, path: Path) -> list[str]:
        """The text of a parsed file (for counting lines and reading comments)."""
        try:
            return path.read_bytes()[: self.limits.max_file_bytes].decode(
                "utf-8", "replace").splitlines()
        except OSError:
            return []

    # --- module index ----------------------------------------------------------------

    @property
    def index(self) -> dict[str, Path]:
        """Dotted module name -> file, for every root; the first root wins."""
        if self._index is None:
            self._index = {}
            for root in reversed(self.roots):
                self._index.update(self._walk(root))
        return self._index

    def _walk(self, root: Path) -> dict[str, Path]:
        found: dict[str, Path] = {}
        if not root.is_dir():
            return found
        vendored = _installed_packages(root)
        count = 0
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            here = Path(dirpath)
            top = here == root
            dirnames[:] = sorted(d for d in dirnames if not _skip_dir(d, vendored if top
                                                                       else frozenset()))
            for name in sorted(filenames):
                if not name.endswith(".py") or (top and name[:-3] in vendored):
                    continue
                path = here / name
                if path.is_symlink() and not self._inside(path):
                    continue
                count += 1
                if count > self.limits.max_files:
                    self._note(Location(self.rel(root)), f"more than {self.limits.max_files} "
                               "Python files; the rest is not indexed")
                    return found
                parts = path.relative_to(root).with_suffix("").parts
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                if parts and all(p.isidentifier() for p in parts):
                    found.setdefault(".".join(parts), path)
        return found

    def is_namespace(self, name: str) -> bool:
        """True when ``name`` is a package directory of the tree without ``__init__.py``
        (a namespace package: ``import handlers.orders`` binds ``handlers``)."""
        if self._prefixes is None:
            self._prefixes = {module.rsplit(".", i)[0] for module in self.index
                              for i in range(1, module.count(".") + 1)}
        return name in self._prefixes and name not in self.index

    def module_name(self, path: Path) -> str | None:
        if self._names is None:
            self._names = {file: name for name, file in self.index.items()}
        return self._names.get(path)

    # --- imports ---------------------------------------------------------------------

    def resolve_import(self, importer: Path, module: str, level: int = 0) -> Path | None:
        """The project file that ``import module`` (or ``from .module``) in ``importer``
        loads; None for the standard library, vendored packages and anything unknown."""
        key = (importer, module, level)
        if key not in self._by_importer:
            # resolution depends only on the importer's folder: files side by side share it
            shared = (importer.parent, module, level)
            if shared not in self._resolved:
                self._resolved[shared] = self._resolve(importer, module, level)
            self._by_importer[key] = self._resolved[shared]
        return self._by_importer[key]

    def _resolve(self, importer: Path, module: str, level: int) -> Path | None:
        if level > 0:
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            if not any(_is_under(base, root) for root in self.roots):
                return None
            target = base.joinpath(*module.split(".")) if module else base
            return self._file_of(target)
        found = self.index.get(module)
        if found is not None:
            return found
        # a script-style import next to the handler (``from utils import x`` in src/);
        # in a root itself the index is the whole truth (vendored packages left out)
        if importer.parent in self.roots:
            return None
        local = self._file_of(importer.parent.joinpath(*module.split(".")))
        if local is not None and self._inside(local) and not _vendored_path(local):
            return local
        return None

    def _file_of(self, target: Path) -> Path | None:
        for candidate in (target.with_name(target.name + ".py"), target / "__init__.py"):
            if candidate.name in self._files_in(candidate.parent) and self._inside(candidate):
                return self._resolve_path(candidate)
        return None

    def nodes(self, path: Path) -> list[ast.AST]:
        """Every node of the file, in ``ast.walk`` order: one walk per file, shared by the
        passes that look at the whole file (imports, secrets)."""
        found = self._nodes.get(path)
        if found is None:
            tree = self.parse(path)
            found = walk(tree) if tree is not None else []
            self._nodes[path] = found
        return found

    def imports_of(self, path: Path) -> list[Path]:
        """Project files that ``path`` imports (anywhere in the file), in source order."""
        if path in self._imports:
            return self._imports[path]
        found: list[Path] = []
        for node in self.nodes(path):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in self.import_edges(path, node):
                    if target not in found:
                        found.append(target)
        self._imports[path] = found
        return found

    def import_edges(self, path: Path, node: ast.AST) -> list[Path]:
        """The project files one import statement loads (``from pkg import mod`` loads both
        the package and, when ``mod`` is a submodule, the module)."""
        targets: list[Path] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                for i in range(1, len(parts) + 1):  # import a.b.c runs a, a.b and a.b.c
                    hit = self.resolve_import(path, ".".join(parts[:i]))
                    if hit is not None:
                        targets.append(hit)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0:  # from a.b import c runs a and a.b first
                parts = module.split(".")
                for i in range(1, len(parts)):
                    hit = self.resolve_import(path, ".".join(parts[:i]))
                    if hit is not None:
                        targets.append(hit)
            base = self.resolve_import(path, module, node.level) if module or node.level \
                else None
            if base is not None:
                targets.append(base)
            for alias in node.names:
                if alias.name == "*":
                    continue
                sub = f"{module}.{alias.name}" if module else alias.name
                hit = self.resolve_import(path, sub, node.level)
                if hit is not None:
                    targets.append(hit)
        return targets

    def reachable(self, entry: Path) -> list[Path]:
        """``entry`` first, then every project module it imports, transitively."""
        found = self._reachable.get(entry)
        if found is None:
            found = self._reachable[entry] = self._reachable_from(entry.resolve())
        return list(found)

    def _reachable_from(self, entry: Path) -> list[Path]:
        order = [entry]
        seen = {entry}
        queue = [entry]
        while queue:
            current = queue.pop(0)
            for target in self.imports_of(current):
                if target not in seen and len(order) < self.limits.max_parsed:
                    seen.add(target)
                    order.append(target)
                    queue.append(target)
        return order

    # --- definitions -----------------------------------------------------------------

    def function_def(self, path: Path, name: str) -> FunctionNode | None:
        found = self.find_function(path, name)
        return found[1] if found else None

    def find_function(self, path: Path, name: str, depth: int = 0
                      ) -> tuple[Path, FunctionNode] | None:
        """The module-level ``def name`` of ``path`` (the last one wins, as in Python),
        following ``from x import name`` into project modules."""
        tree = self.parse(path)
        if tree is None or depth > 8:
            return None
        found: FunctionNode | None = None
        imported: tuple[Path, str] | None = None
        for stmt in _top_level(tree.body):
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
                found, imported = stmt, None
            elif isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    if (alias.asname or alias.name) == name:
                        target = self.resolve_import(path, stmt.module or "", stmt.level)
                        if target is not None:
                            found, imported = None, (target, alias.name)
        if found is not None:
            return path, found
        if imported is not None:
            return self.find_function(imported[0], imported[1], depth + 1)
        return None


def count_lines(lines: list[str]) -> int:
    """Lines of code: not blank, not only a comment."""
    return sum(1 for line in lines if (text := line.strip()) and not text.startswith("#"))


_LEAF_FIELDS = frozenset({"id", "attr", "name", "arg", "asname", "module", "level",
                          "conversion", "kind", "type_comment", "is_async", "simple", "ctx"})
"""Fields that never hold a node worth visiting: identifiers, flags, and the Load/Store
marker of every name (a node of its own that no pass looks at)."""
_FIELDS: dict[type, tuple[str, ...]] = {}


def _node_fields(cls: type) -> tuple[str, ...]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(
            f for f in getattr(cls, "_fields", ()) if f not in _LEAF_FIELDS
            and not (f == "value" and cls in (ast.Constant, ast.MatchSingleton)))
    return fields


_AST = ast.AST


def children(node: ast.AST) -> list[ast.AST]:
    """``ast.iter_child_nodes`` as a list, without its generators (a hot loop: plain
    loops, no generator per list field), and without the leaf fields above."""
    found: list[ast.AST] = []
    append = found.append
    for name in _node_fields(type(node)):
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, _AST):
                    append(item)
        elif isinstance(value, _AST):
            append(value)
    return found


def walk(tree: ast.AST) -> list[ast.AST]:
    """The nodes of ``tree`` in ``ast.walk`` order (breadth first), as a list; one loop
    instead of ``ast.walk``'s chain of generators, which costs more than the visit.
    Leaf fields are left out as in :func:`children`."""
    found = [tree]
    append = found.append
    index = 0
    while index < len(found):
        node = found[index]
        index += 1
        for name in _node_fields(type(node)):
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, _AST):
                        append(item)
            elif isinstance(value, _AST):
                append(value)
    return found


def _top_level(body: list[ast.stmt]) -> Iterable[ast.stmt]:
    """Module statements, looking into ``if``/``try`` blocks that define things."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _top_level(stmt.body)
            yield from _top_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            yield from _top_level(stmt.body)
            for handler in stmt.handlers:
                yield from _top_level(handler.body)
            yield from _top_level(stmt.orelse)


def _skip_dir(name: str, vendored: frozenset[str]) -> bool:
    return (name in VENDORED_DIRS or name.startswith(".") or name in vendored
            or name.endswith((".dist-info", ".egg-info")) or not name.isidentifier())


def _vendored_path(path: Path) -> bool:
    return any(part in VENDORED_DIRS for part in path.parts)


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True


def _installed_packages(root: Path) -> frozenset[str]:
    """Top-level names of packages pip installed into ``root`` (``pip install -t``)."""
    names: set[str] = set()
    try:
        entries = list(root.iterdir())
    except OSError:
        return frozenset()
    for entry in entries:
        if not entry.name.endswith((".dist-info", ".egg-info")) or not entry.is_dir():
            continue
        top = entry / "top_level.txt"
        listed: list[str] = []
        try:
            if top.is_file() and top.stat().st_size < 64 * 1024:
                listed = [n.strip() for n in top.read_text("utf-8", "replace").splitlines()]
        except OSError:
            listed = []
        if not listed:
            listed = [entry.name.split("-")[0]]
        names.update(n for n in listed if n)
    return frozenset(names)
