"""Packages already installed into what a function deploys: `pip install -t .`
(`*.dist-info` folders), a layer's `python/` or `python/lib/python3.x/site-packages/`,
and `node_modules/` (with its nested copies). These are exactly what runs, whatever the
manifests say. Only metadata files are read (METADATA headers, package.json name and
version); nothing is imported. The walk is bounded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from faasguard.deps.model import Dependency, Manifest
from faasguard.deps.versions import NPM, PYPI

MAX_PACKAGES = 20_000
MAX_METADATA_BYTES = 256 * 1024


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _python_sites(folder: Path) -> list[Path]:
    sites = [folder, folder / "python"]
    lib = folder / "python" / "lib"
    if lib.is_dir():
        sites += sorted(p / "site-packages" for p in lib.glob("python3*"))
    return [s for s in sites if s.is_dir()]


def _metadata(path: Path) -> tuple[str, str] | None:
    name = version = None
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            text = handle.read(MAX_METADATA_BYTES)
    except OSError:
        return None
    for line in text.splitlines():
        if not line:
            break  # headers end at the first blank line
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("Version:"):
            version = line[8:].strip()
    return (name, version) if name and version else None


def installed_python(folder: Path, root: Path) -> Manifest | None:
    deps: list[Dependency] = []
    for site in _python_sites(folder):
        for info in sorted(site.glob("*.dist-info")):
            found = _metadata(info / "METADATA")
            if found:
                deps.append(Dependency(PYPI, found[0], found[1], f"=={found[1]}",
                                       _rel(info / "METADATA", root), 1, direct=False))
            if len(deps) >= MAX_PACKAGES:
                break
    if not deps:
        return None
    return Manifest(_rel(folder, root), "installed", PYPI, True, tuple(deps))


def installed_node(folder: Path, root: Path) -> Manifest | None:
    top = folder / "node_modules"
    if not top.is_dir():
        top = folder / "nodejs" / "node_modules"  # a layer's layout
        if not top.is_dir():
            return None
    deps: list[Dependency] = []
    problems: list[str] = []
    for current, dirs, files in os.walk(top):
        here = Path(current)
        dirs.sort()
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if "package.json" in files and _is_package_dir(here):
            entry = _package(here / "package.json")
            if entry:
                deps.append(Dependency(NPM, entry[0], entry[1], entry[1],
                                       _rel(here / "package.json", root), 1,
                                       direct=False, parents=_chain(here, top)))
        if len(deps) >= MAX_PACKAGES:
            problems.append(f"{_rel(top, root)}: more than {MAX_PACKAGES} packages; "
                            "the rest not read")
            break
    if not deps:
        return None
    return Manifest(_rel(top, root), "installed", NPM, True, tuple(deps), tuple(problems))


def _is_package_dir(here: Path) -> bool:
    """node_modules/x or node_modules/@scope/x (not a package's own sub-folders)."""
    parent = here.parent
    return parent.name == "node_modules" or (
        parent.name.startswith("@") and parent.parent.name == "node_modules")


def _package(path: Path) -> tuple[str, str] | None:
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(data, dict) and isinstance(data.get("name"), str) and \
            isinstance(data.get("version"), str):
        return data["name"], data["version"]
    return None


def _chain(here: Path, top: Path) -> tuple[str, ...]:
    """`node_modules/a/node_modules/b` is b installed for a: the parents are the
    packages whose node_modules hold it."""
    parts = here.relative_to(top).parts
    names: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] == "node_modules":
            i += 1
            continue
        if parts[i].startswith("@") and i + 1 < len(parts):
            names.append(f"{parts[i]}/{parts[i + 1]}")
            i += 2
        else:
            names.append(parts[i])
            i += 1
    return tuple(names[:-1])
