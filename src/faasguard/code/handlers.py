"""From a function of the model to its handler: the source file and the entry function.

Loaders leave ``Function.code_path`` as either a directory (SAM ``CodeUri``, CloudFormation
``Code``, a CDK asset, the serverless.yml service directory) or, for serverless.yml, the
handler's own source file when they could find it. Everything that cannot be read from
the tree (container images, inline code, S3 artifacts, archives, paths that leave the scan
root) becomes an ``Unknown`` with the reason.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.code.facts import Unknown
from faasguard.model import App, Function, Location

if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

PYTHON_SUFFIXES = (".py",)
NODE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
NODE_DEFAULT_HANDLER = "index.handler"
_ARCHIVES = (".zip", ".jar", ".tar", ".gz", ".tgz", ".war")


@dataclass(frozen=True, slots=True)
class HandlerRef:
    """Where a function's code starts."""

    language: str
    """"python" or "javascript"."""
    file: Path
    """Absolute path of the handler source file."""
    rel: str
    """The same, relative to the scan root (for Locations)."""
    function_name: str
    """The entry function / export name ("handler", "main", "handlers.main" for Node)."""
    code_root: Path
    """Absolute directory where module resolution starts (the function's code path)."""


def language_of_runtime(runtime: object) -> str | None:
    """"python" / "javascript" for the runtimes faasguard reads, else None."""
    if not isinstance(runtime, str):
        return None
    if runtime.startswith("python"):
        return "python"
    if runtime.startswith("nodejs"):
        return "javascript"
    return None


def inside(path: Path, root: Path) -> bool:
    """True when ``path``, symlinks followed, stays under ``root`` (already resolved)."""
    return _under(_real(path), root)


def _real(path: Path) -> Path | None:
    """``path`` with symlinks followed; None when that fails (a loop, say). Resolving
    costs a system call per part: the callers below do it once per path."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def _memo_real(resolved: dict[Path, Path | None]) -> Callable[[Path], Path | None]:
    def real(path: Path) -> Path | None:
        if path not in resolved:
            resolved[path] = _real(path)
        return resolved[path]

    return real


def _under(real: Path | None, root: Path) -> bool:
    return real is not None and real.is_relative_to(root)


def resolve_handler(app: App, fn: Function, root: Path,
                    resolved: dict[Path, Path | None] | None = None) -> HandlerRef | Unknown:
    """The handler of ``fn``, or an ``Unknown`` saying why it cannot be read.
    ``resolved``: paths already resolved (symlinks followed) by the caller's earlier
    calls, kept by callers that resolve many functions of one tree."""
    real_of = _real if resolved is None else _memo_real(resolved)
    root_real = real_of(root)
    root = root_real if root_real is not None else root.resolve()
    loc = fn.at("handler", "code_path")
    if fn.package_type == "Image":
        return Unknown(fn.at("image_uri", "package_type"),
                       "container image: the code is built into the image, not read")
    if fn.code_path is None:
        return Unknown(fn.at("code_path", "handler"), _no_code_reason(app, fn))
    runtime_lang = language_of_runtime(fn.runtime)
    if isinstance(fn.runtime, str) and runtime_lang is None:
        return Unknown(fn.at("runtime"), f"runtime {fn.runtime} is not analysed")
    handler = fn.handler
    if handler is None and runtime_lang == "javascript":
        handler = NODE_DEFAULT_HANDLER
    if not isinstance(handler, str) or "." not in handler:
        what = "handler not set" if handler is None else f"handler {handler!s} is not module.function"
        return Unknown(loc, what)
    code = root / fn.code_path
    real = real_of(code)
    if real is None or not _under(real, root):
        return Unknown(fn.at("code_path"), f"code path {fn.code_path} leaves the scanned tree")
    if code.is_file():
        return _from_file(app, fn, handler, code, real, runtime_lang, root)
    if not code.is_dir():
        return Unknown(fn.at("code_path"), f"code path {fn.code_path} does not exist")
    return _from_dir(fn, handler, real, runtime_lang, root, loc, real_of)


def _no_code_reason(app: App, fn: Function) -> str:
    for diag in app.diagnostics:
        if diag.message.startswith(f"{fn.id}: inline code"):
            return "inline code in the template; not analysed"
    return "no local code path (S3 artifact, inline code or outside the scanned tree)"


def _split(handler: str, language: str) -> tuple[str, str]:
    """``pkg/mod.func`` -> (module path, entry). Python splits at the last dot; Node at
    the first dot after the last slash (``index.handlers.main`` exports ``handlers.main``)."""
    if language == "python":
        module, _, name = handler.rpartition(".")
        return module.replace(".", "/"), name
    head, slash, tail = handler.rpartition("/")
    base, _, name = tail.partition(".")
    return head + slash + base, name


def _from_file(app: App, fn: Function, handler: str, code: Path, file: Path,
               runtime_lang: str | None, root: Path) -> HandlerRef | Unknown:
    """``file``: ``code`` resolved."""
    if code.suffix.lower() in _ARCHIVES:
        return Unknown(fn.at("code_path"), f"prebuilt archive {fn.code_path}; not unpacked")
    language = runtime_lang or _language_of_suffix(code.suffix)
    if language is None:
        return Unknown(fn.at("code_path"), f"{fn.code_path} is not Python or JavaScript source")
    _, name = _split(handler, language)
    # serverless.yml: the handler path is relative to the service directory
    app_dir = (root / app.root).resolve()
    code_root = app_dir if inside(file, app_dir) else file.parent
    return HandlerRef(language, file, _rel(file, root), name, code_root)


def _from_dir(fn: Function, handler: str, code_root: Path, runtime_lang: str | None,
              root: Path, loc: Location, real_of: Callable[[Path], Path | None] = _real
              ) -> HandlerRef | Unknown:
    languages = [runtime_lang] if runtime_lang else ["python", "javascript"]
    tried: list[str] = []
    for language in languages:
        module, name = _split(handler, language)
        if not module or posixpath.isabs(module) or ".." in module.split("/"):
            return Unknown(loc, f"handler {handler} names no module inside the code path")
        for candidate in _candidates(code_root, module, language):
            real = real_of(candidate)
            within = _under(real, root)
            tried.append(_rel(candidate, root) if within else str(candidate))
            if candidate.is_file():
                if real is None or not within:
                    return Unknown(loc, f"handler file {candidate.name} is a link out of the "
                                   "scanned tree; not followed")
                return HandlerRef(language, real, _rel(real, root), name, code_root)
    return Unknown(loc, "handler file not found (tried " + ", ".join(tried[:6]) + ")")


def _candidates(code_root: Path, module: str, language: str) -> list[Path]:
    base = code_root / module
    if language == "python":
        return [base.with_name(base.name + ".py"), base / "__init__.py"]
    return [base.with_name(base.name + s) for s in NODE_SUFFIXES]


def _language_of_suffix(suffix: str) -> str | None:
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix in NODE_SUFFIXES:
        return "javascript"
    return None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
