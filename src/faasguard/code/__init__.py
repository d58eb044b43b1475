"""Code intelligence: what a function's handler code does, read without running it.

``CodeAnalyzer`` is the one entry point: rules call it (through ``Context.code``) for a
function and get a ``FunctionCode``; it finds the handler, picks the language front end
and caches the result per function and the parsed trees per code root, so the many code
rules of a scan parse each file once.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.code.facts import FunctionCode, Unknown
from faasguard.code.handlers import HandlerRef, inside, resolve_handler
from faasguard.model import App, Function, Layer, Location

if TYPE_CHECKING:
    from faasguard.code.js.project import JsProject
    from faasguard.code.python.project import PythonProject

__all__ = ["CodeAnalyzer", "FunctionCode", "HandlerRef", "Unknown", "resolve_handler"]


class CodeAnalyzer:
    """Per-scan code analysis over the tree at ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._results: dict[tuple[str, str, str], FunctionCode] = {}
        self._projects: dict[tuple[Path, tuple[Path, ...]], PythonProject] = {}
        self._js_projects: dict[tuple[Path, Path], JsProject] = {}
        self._resolved: dict[Path, Path | None] = {}
        """Paths handler resolution resolved, shared by the functions of the scan."""

    def function(self, app: App, fn: Function) -> FunctionCode:
        key = (app.name, app.source.file, fn.id)  # two apps may share a name
        cached = self._results.get(key)
        if cached is None:
            with _collector_paused():
                cached = self._analyze(app, fn)
            self._results[key] = cached
        return cached

    def handler(self, app: App, fn: Function) -> HandlerRef | Unknown:
        return resolve_handler(app, fn, self.root, self._resolved)

    def python_project(self, code_root: Path, layers: tuple[Path, ...] = ()) -> PythonProject:
        """One project per code root (and layers), shared by the functions that live in it."""
        from faasguard.code.python.project import PythonProject

        key = (code_root, layers)
        project = self._projects.get(key)
        if project is None:
            project = PythonProject(code_root, self.root, extra_roots=layers)
            self._projects[key] = project
        return project

    def js_project(self, handler: HandlerRef) -> JsProject:
        """One parsed JavaScript project per code root, shared by its functions."""
        from faasguard.code.js import scan_root_of
        from faasguard.code.js.project import JsProject

        key = (handler.code_root, scan_root_of(handler))
        project = self._js_projects.get(key)
        if project is None:
            project = self._js_projects[key] = JsProject(*key)
        return project

    def layer_roots(self, app: App, fn: Function) -> tuple[Path, ...]:
        """Directories of the app's own layers that the function uses, where the Python
        runtime finds them (``python/`` inside the layer, as in ``/opt/python``)."""
        roots: list[Path] = []
        for value in fn.layers:
            layer = app.resolve_ref(value)
            uri = layer.properties.get("ContentUri") if isinstance(layer, Layer) else None
            if not isinstance(uri, str) or "://" in uri:
                continue
            base = (self.root / app.root / uri).resolve()
            if not inside(base, self.root):
                continue
            python = base / "python"
            roots.append(python if python.is_dir() else base)
        return tuple(roots)

    def _analyze(self, app: App, fn: Function) -> FunctionCode:
        handler = resolve_handler(app, fn, self.root, self._resolved)
        if isinstance(handler, Unknown):
            return FunctionCode(function=fn.id, language=None, unknowns=(handler,))
        try:
            if handler.language == "python":
                from faasguard.code import python

                project = self.python_project(handler.code_root, self.layer_roots(app, fn))
                return python.analyze(app, fn, handler, project)
            from faasguard.code import js

            code = js.analyze(app, fn, handler, self.js_project(handler))
        except RecursionError:
            return _failed(fn, handler, "code nested too deeply to analyse")
        except Exception as exc:  # an analyser bug must cost one function, once, not the scan
            return _failed(fn, handler, f"code analysis failed: {type(exc).__name__}: {exc}")
        if not code.lines_of_code and code.files:
            code = _with_line_count(code, self.root)
        return code


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while one function is analysed. The analysis
    allocates many small acyclic values, and each collection walks every syntax tree
    parsed so far (long-lived, and large on a big tree): a fifth of the analysis time
    for nothing. Whatever cycles the analysis leaves are collected once it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _failed(fn: Function, handler: HandlerRef, what: str) -> FunctionCode:
    return FunctionCode(function=fn.id, language=handler.language,
                        unknowns=(Unknown(Location(handler.rel), what),))


def _with_line_count(code: FunctionCode, root: Path) -> FunctionCode:
    from dataclasses import replace

    total = 0
    for rel in code.files:
        try:
            text = (root / rel).read_bytes()[: 4 * 1024 * 1024].decode("utf-8", "replace")
        except OSError:
            continue
        total += sum(1 for line in text.splitlines()
                     if (s := line.strip()) and not s.startswith(("//", "#", "*", "/*")))
    return replace(code, lines_of_code=total)
