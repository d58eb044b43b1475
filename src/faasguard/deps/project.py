"""Which manifests belong to which function.

A function's dependencies are declared in the manifests nearest its code: the code
directory itself, then each parent up to the folder of the template that defines the
function (where serverless-python-requirements and `sam build` look), never above
the scan root. In the nearest folder that has any, lock files win over the manifests
they lock (they name the versions that are deployed); development dependencies are
left out, as they are not deployed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.deps.manifests import kind_of, read_manifest
from faasguard.deps.model import Dependency, Manifest
from faasguard.deps.versions import NPM, PYPI, normalize_name
from faasguard.model import App, Function

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


LOCKS = {PYPI: ("poetry.lock", "uv.lock", "Pipfile.lock"),
         NPM: ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml")}
PLAIN = {PYPI: ("requirements.txt", "pyproject.toml"), NPM: ("package.json",)}


@dataclass(frozen=True, slots=True)
class FunctionDeps:
    ecosystem: str | None
    manifests: tuple[Manifest, ...] = ()
    """The files the dependencies were read from: lock files when there are any, else
    the plain manifests; then packages installed into the package or its layers."""
    declared: tuple[Manifest, ...] = ()
    """The plain manifests beside them (requirements.txt, package.json), also when a
    lock file is used, for hygiene rules about what the developer wrote."""

    @property
    def dependencies(self) -> tuple[Dependency, ...]:
        """Deployable dependencies, each (name, version) once: a manifest's entry wins
        over the same package found installed (it says why the package is there)."""
        seen: dict[tuple[str, str | None], Dependency] = {}
        for manifest in self.manifests:
            for dep in manifest.dependencies:
                if not dep.dev:
                    seen.setdefault((normalize_name(dep.ecosystem, dep.name), dep.version), dep)
        return tuple(seen.values())


def ecosystem_of(runtime: object) -> str | None:
    if isinstance(runtime, str):
        if runtime.startswith("python"):
            return PYPI
        if runtime.startswith("nodejs"):
            return NPM
    return None


def _requirements_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*requirements*.txt")
                  if kind_of(p) == "requirements" and "dev" not in p.name and "test" not in p.name)


class DependencyIndex:
    """Reads each manifest once per scan, however many functions share it."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._manifests: dict[Path, Manifest] = {}
        self._folders: dict[tuple[Path, str], tuple[tuple[Manifest, ...], tuple[Manifest, ...]]] = {}
        self._extra: dict[tuple[str, Path, str], Manifest | None] = {}

    def manifest(self, path: Path) -> Manifest:
        if path not in self._manifests:
            self._manifests[path] = read_manifest(path, self.root)
        return self._manifests[path]

    def for_function(self, app: App, fn: Function) -> FunctionDeps:
        ecosystem = ecosystem_of(fn.runtime)
        if ecosystem is None or not fn.code_path:
            return FunctionDeps(ecosystem)
        code = (self.root / fn.code_path).resolve()
        folder = code if code.is_dir() else code.parent
        if not folder.is_relative_to(self.root):
            return FunctionDeps(ecosystem)
        stop = (self.root / app.root).resolve()
        manifests: tuple[Manifest, ...] = ()
        declared: tuple[Manifest, ...] = ()
        package = folder
        while True:
            locks, plain = self._folder(folder, ecosystem)
            if locks or plain:
                manifests, declared, package = locks or plain, plain, folder
                break
            if folder in (stop, self.root) or not folder.is_relative_to(self.root) \
                    or folder.parent == folder:
                break
            folder = folder.parent
        extra = [m for m in (self._installed(package, ecosystem),
                             self._installed(code if code.is_dir() else code.parent, ecosystem))
                 if m is not None]
        extra += self._layers(app, fn, ecosystem)
        unique = {m.file: m for m in (*manifests, *extra)}
        return FunctionDeps(ecosystem, tuple(unique.values()), declared)

    def _installed(self, folder: Path, ecosystem: str) -> Manifest | None:
        key = ("installed", folder, ecosystem)
        if key not in self._extra:
            from faasguard.deps.installed import installed_node, installed_python

            read = installed_python if ecosystem == PYPI else installed_node
            self._extra[key] = read(folder, self.root)
        return self._extra[key]

    def _layers(self, app: App, fn: Function, ecosystem: str) -> list[Manifest]:
        """Manifests and installed packages of the layers the app itself builds from a
        local folder (layers named by ARN are someone else's artefact)."""
        found: list[Manifest] = []
        for ref in fn.layers:
            target = getattr(ref, "target", None)
            layer = app.resources.get(target) if isinstance(target, str) else None
            path = getattr(layer, "content_path", None)
            if not path:
                continue
            base = (self.root / path).resolve()
            if not base.is_dir() or not base.is_relative_to(self.root):
                continue
            sub = base / ("python" if ecosystem == PYPI else "nodejs")
            for folder in (base, sub):
                locks, plain = self._folder(folder, ecosystem)
                found.extend(locks or plain)
            installed = self._installed(base, ecosystem)
            if installed is not None:
                found.append(installed)
        return found

    def _folder(self, folder: Path, ecosystem: str,
                ) -> tuple[tuple[Manifest, ...], tuple[Manifest, ...]]:
        key = (folder, ecosystem)
        if key not in self._folders:
            locks = tuple(self.manifest(folder / n) for n in LOCKS[ecosystem]
                          if (folder / n).is_file())
            plain_paths = [folder / n for n in PLAIN[ecosystem] if (folder / n).is_file()]
            if ecosystem == PYPI:
                plain_paths = [p for p in plain_paths if p.name != "requirements.txt"]
                plain_paths[:0] = _requirements_files(folder)
            plain = tuple(self.manifest(p) for p in plain_paths)
            if ecosystem == PYPI and not locks:
                # A pyproject without a lock only matters when nothing else pins.
                pinned = [m for m in plain if m.kind == "requirements"]
                plain = tuple(pinned) or plain
            self._folders[key] = (locks, plain)
        return self._folders[key]
