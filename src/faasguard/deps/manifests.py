"""Read dependency manifests and lock files into `Dependency` records.

Python: requirements*.txt (pins, ranges, hashes, `-r`/`-c` includes confined to the
project, `# via` comments from pip-compile for the parent), Pipfile.lock, poetry.lock,
uv.lock, pyproject.toml. Node: package.json, package-lock.json (v1, v2, v3), yarn.lock
(classic and berry), pnpm-lock.yaml (v5 to v9). Nothing is installed or executed; a
file that cannot be read becomes a problem naming it and its line, never a crash.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from faasguard.deps.model import GIT, PATH, REGISTRY, URL, Dependency, Manifest
from faasguard.deps.versions import NPM, PYPI, normalize_name, npm_exact

MAX_MANIFEST_BYTES = 20 * 1024 * 1024
MAX_INCLUDE_DEPTH = 10

_REQUIREMENTS = re.compile(r"^requirements[\w.-]*\.(txt|in)$|^[\w.-]*requirements\.txt$")


def kind_of(path: Path) -> str | None:
    """The manifest kind a file name denotes, or None."""
    name = path.name
    if _REQUIREMENTS.match(name) and name.endswith(".txt"):
        return "requirements"
    return {"Pipfile.lock": "pipfile-lock", "poetry.lock": "poetry-lock",
            "uv.lock": "uv-lock", "pyproject.toml": "pyproject",
            "package.json": "package-json", "package-lock.json": "package-lock",
            "npm-shrinkwrap.json": "package-lock", "yarn.lock": "yarn-lock",
            "pnpm-lock.yaml": "pnpm-lock"}.get(name)


def read_manifest(path: Path, root: Path) -> Manifest:
    kind = kind_of(path)
    rel = _rel(path, root)
    if kind is None:
        return Manifest(rel, "unknown", "", False, (), (f"{rel}: not a known manifest",))
    parse = _PARSERS[kind]
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError(f"larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MB")
        text = path.read_text(encoding="utf-8")
        return parse(text, rel, path, root)
    except UnicodeDecodeError:
        problem = f"{rel}: not UTF-8 text"
    except json.JSONDecodeError as exc:
        problem = f"{rel}:{exc.lineno}: invalid JSON: {exc.msg}"
    except (OSError, ValueError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        toml = kind in {"poetry-lock", "uv-lock", "pyproject"} and type(exc).__name__ == \
            "TOMLDecodeError"
        problem = f"{rel}: {'invalid TOML: ' if toml else ''}{exc}"
    ecosystem = NPM if kind in {"package-json", "package-lock", "yarn-lock", "pnpm-lock"} else PYPI
    return Manifest(rel, kind, ecosystem, kind.endswith("lock"), (), (problem,))


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


_QUOTED = re.compile(r'"[^"\\]*"')


def _line_finder(text: str) -> Callable[[str], int]:
    """The first line that mentions a quoted name, for formats whose parser has no
    line numbers (JSON, TOML). Good enough to point a person at the entry."""
    lines = text.splitlines()
    quoted: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        for token in _QUOTED.findall(line):
            quoted.setdefault(token, number)

    def find(needle: str) -> int:
        if needle in quoted:  # the common case, a quoted key: one lookup
            return quoted[needle]
        for number, line in enumerate(lines, 1):
            if needle in line:
                return number
        return 1
    return find


# --- Python ---------------------------------------------------------------------------

_REQ_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")
_EGG = re.compile(r"#egg=([A-Za-z0-9._-]+)")
_DEFAULT_INDEXES = ("https://pypi.org/simple", "https://pypi.python.org/simple")


def _requirements(text: str, rel: str, path: Path, root: Path, depth: int = 0,
                  seen: frozenset[Path] = frozenset()) -> Manifest:
    deps: list[Dependency] = []
    problems: list[str] = []
    index: str | None = None
    logical: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        logical.append((start, pending + raw))
        pending = ""
    via: dict[int, list[str]] = _via_comments(logical)
    for number, line in logical:
        content = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not content:
            continue
        if content.startswith(("-r ", "--requirement", "-c ", "--constraint")):
            target = content.split(None, 1)[1].split("=", 1)[-1].strip() if " " in content \
                else content.split("=", 1)[1]
            included = (path.parent / target).resolve()
            if not included.is_relative_to(root.resolve()):
                problems.append(f"{rel}:{number}: include {target} is outside the project; "
                                "not read")
                continue
            if included in seen or depth >= MAX_INCLUDE_DEPTH:
                problems.append(f"{rel}:{number}: include {target} is circular or too deep")
                continue
            try:
                sub = _requirements(included.read_text(encoding="utf-8"),
                                    _rel(included, root), included, root, depth + 1,
                                    seen | {path.resolve()})
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(f"{rel}:{number}: cannot read include {target}: {exc}")
                continue
            if not content.startswith(("-c", "--constraint")):
                deps.extend(sub.dependencies)
            problems.extend(sub.problems)
            continue
        if content.startswith(("-i ", "--index-url", "--extra-index-url")):
            url = content.split(None, 1)[-1].split("=", 1)[-1].strip()
            if url.rstrip("/") not in _DEFAULT_INDEXES:
                index = url
            continue
        if content.startswith("-") and not content.startswith(("-e ", "--editable")):
            continue  # other pip options (--hash alone, --pre, --no-binary, ...)
        dep = _requirement_line(content, rel, number, index)
        if dep is None:
            problems.append(f"{rel}:{number}: cannot read requirement {content[:80]!r}")
            continue
        parents = tuple(via.get(number, ()))
        deps.append(dep if not parents else Dependency(
            dep.ecosystem, dep.name, dep.version, dep.spec, dep.file, dep.line,
            direct=False, parents=parents[:1], source=dep.source, index=dep.index,
            hashed=dep.hashed))
    return Manifest(rel, "requirements", PYPI, False, tuple(deps), tuple(problems))


def _via_comments(logical: list[tuple[int, str]]) -> dict[int, list[str]]:
    """pip-compile's `# via x` notes: the requirement above them came in through x.
    `-r requirements.in` or a pyproject as the only `via` means it is direct."""
    via: dict[int, list[str]] = {}
    last_requirement: int | None = None
    for number, line in logical:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            last_requirement = number
            continue
        found = re.match(r"#\s+(?:via\s+)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*$", stripped)
        if last_requirement is not None and found and (
                "via" in stripped or via.get(last_requirement) is not None):
            via.setdefault(last_requirement, []).append(found.group(1))
    return via


def _requirement_line(content: str, rel: str, number: int, index: str | None,
                      ) -> Dependency | None:
    hashed = "--hash" in content
    content = re.sub(r"\s--hash[= ]\S+", "", content).strip()
    editable = content.startswith(("-e ", "--editable"))
    if editable:
        content = content.split(None, 1)[1].strip()
    spec = content.split(";", 1)[0].strip()
    if spec.startswith(("git+", "hg+", "svn+", "bzr+")) or "://" in spec.split("@")[0]:
        egg = _EGG.search(spec)
        source = GIT if spec.startswith("git+") else URL
        return Dependency(PYPI, egg.group(1) if egg else spec, None, spec, rel, number,
                          source=source, index=index, hashed=hashed)
    if spec.startswith((".", "/", "file:")):
        return Dependency(PYPI, spec, None, spec, rel, number, source=PATH, hashed=hashed)
    found = _REQ_NAME.match(spec)
    if not found:
        return None
    name, _extras, rest = found.groups()
    rest = rest.strip()
    if rest.startswith("@"):
        url = rest[1:].strip()
        kind = GIT if url.startswith("git+") else PATH if url.startswith("file:") else URL
        return Dependency(PYPI, name, None, url, rel, number, source=kind, index=index,
                          hashed=hashed)
    pinned = re.fullmatch(r"===?\s*([^\s,*]+)", rest)
    return Dependency(PYPI, name, pinned.group(1) if pinned else None, rest or "(any)", rel,
                      number, index=index, hashed=hashed)


def _pipfile_lock(text: str, rel: str, path: Path, root: Path) -> Manifest:
    data = json.loads(text)
    line = _line_finder(text)
    sources = {s.get("name"): s.get("url") for s in
               (data.get("_meta") or {}).get("sources") or () if isinstance(s, dict)}
    deps = []
    for section, dev in (("default", False), ("develop", True)):
        for name, entry in (data.get(section) or {}).items():
            if not isinstance(entry, dict):
                continue
            version = str(entry.get("version", "")).lstrip("=") or None
            source, spec = REGISTRY, str(entry.get("version", "*"))
            if "git" in entry:
                source, spec, version = GIT, str(entry["git"]), None
            elif "path" in entry or "file" in entry:
                source, spec, version = PATH, str(entry.get("path") or entry.get("file")), None
            index = sources.get(entry.get("index"))
            deps.append(Dependency(
                PYPI, name, version, spec, rel, line(f'"{name}"'), source=source,
                index=index if index and index.rstrip("/") not in _DEFAULT_INDEXES else None,
                dev=dev, hashed=bool(entry.get("hashes"))))
    return Manifest(rel, "pipfile-lock", PYPI, True, tuple(deps))


def _toml_packages(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [p for p in data.get("package") or () if isinstance(p, dict) and p.get("name")]


def _poetry_lock(text: str, rel: str, path: Path, root: Path) -> Manifest:
    import tomllib

    data = tomllib.loads(text)
    line = _line_finder(text)
    packages = _toml_packages(data)
    edges = {normalize_name(PYPI, p["name"]): [normalize_name(PYPI, d) for d in
                                                (p.get("dependencies") or {})]
             for p in packages}
    direct = _pyproject_direct(path.parent / "pyproject.toml")
    parents = _parent_chains(edges, direct) if direct else {}
    deps = []
    for p in packages:
        key = normalize_name(PYPI, p["name"])
        source = p.get("source") or {}
        kind = {"git": GIT, "directory": PATH, "file": PATH, "url": URL}.get(
            source.get("type", ""), REGISTRY)
        index = source.get("url") if source.get("type") == "legacy" else None
        deps.append(Dependency(
            PYPI, p["name"], str(p.get("version")) if kind == REGISTRY else None,
            str(p.get("version")), rel, line(f'name = "{p["name"]}"'),
            direct=not direct or key in direct, parents=parents.get(key, ()), source=kind,
            index=index, dev=p.get("category") == "dev", hashed=bool(p.get("files"))))
    return Manifest(rel, "poetry-lock", PYPI, True, tuple(deps))


def _uv_lock(text: str, rel: str, path: Path, root: Path) -> Manifest:
    import tomllib

    data = tomllib.loads(text)
    line = _line_finder(text)
    packages = _toml_packages(data)
    edges: dict[str, list[str]] = {}
    project: set[str] = set()
    for p in packages:
        key = normalize_name(PYPI, p["name"])
        edges[key] = [normalize_name(PYPI, d["name"]) for d in p.get("dependencies") or ()
                      if isinstance(d, dict) and "name" in d]
        source = p.get("source") or {}
        if "editable" in source or "virtual" in source:
            project.add(key)
    direct = {d for key in project for d in edges.get(key, ())}
    parents = _parent_chains(edges, direct)
    deps = []
    for p in packages:
        key = normalize_name(PYPI, p["name"])
        if key in project:
            continue
        source = p.get("source") or {}
        kind = (GIT if "git" in source else PATH if {"path", "directory"} & set(source)
                else URL if "url" in source else REGISTRY)
        registry = source.get("registry")
        deps.append(Dependency(
            PYPI, p["name"], str(p.get("version")) if kind == REGISTRY else None,
            str(p.get("version")), rel, line(f'name = "{p["name"]}"'),
            direct=key in direct or not project, parents=parents.get(key, ()), source=kind,
            index=registry if registry and registry.rstrip("/") not in _DEFAULT_INDEXES else None,
            hashed=bool(p.get("sdist") or p.get("wheels"))))
    return Manifest(rel, "uv-lock", PYPI, True, tuple(deps))


def _pyproject_direct(path: Path) -> set[str]:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set()
    names = {normalize_name(PYPI, m.group(1)) for spec in
             (data.get("project") or {}).get("dependencies") or ()
             if (m := _REQ_NAME.match(str(spec)))}
    poetry = ((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
    names |= {normalize_name(PYPI, n) for n in poetry if n.lower() != "python"}
    return names


def _pyproject(text: str, rel: str, path: Path, root: Path) -> Manifest:
    import tomllib

    data = tomllib.loads(text)
    line = _line_finder(text)
    deps = []
    for spec in (data.get("project") or {}).get("dependencies") or ():
        dep = _requirement_line(str(spec), rel, line(str(spec)), None)
        if dep is not None:
            deps.append(dep)
    poetry = ((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
    for name, value in poetry.items():
        if name.lower() == "python":
            continue
        spec = value if isinstance(value, str) else json.dumps(value)
        source = (GIT if isinstance(value, dict) and "git" in value else
                  PATH if isinstance(value, dict) and "path" in value else
                  URL if isinstance(value, dict) and "url" in value else REGISTRY)
        pinned = re.fullmatch(r"=?=?\s*(\d[^\s,*^~<>]*)", spec) if source == REGISTRY else None
        deps.append(Dependency(PYPI, name, pinned.group(1) if pinned else None, spec, rel,
                               line(f"{name} ="), source=source))
    return Manifest(rel, "pyproject", PYPI, False, tuple(deps))


# --- Node -------------------------------------------------------------------------------


def _npm_source(spec: str) -> str:
    if spec.startswith(("git+", "git:", "github:", "gitlab:", "bitbucket:")) or re.match(
            r"^[\w.-]+/[\w.-]+(#.*)?$", spec):
        return GIT
    if spec.startswith(("file:", "link:", ".", "/", "portal:", "workspace:")):
        return PATH
    if "://" in spec:
        return URL
    return REGISTRY


def _package_json(text: str, rel: str, path: Path, root: Path) -> Manifest:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("package.json is not a JSON object")
    line = _line_finder(text)
    deps = []
    for section, dev in (("dependencies", False), ("optionalDependencies", False),
                         ("devDependencies", True)):
        for name, spec in (data.get(section) or {}).items():
            spec = str(spec)
            source = _npm_source(spec)
            deps.append(Dependency(NPM, name, npm_exact(spec) if source == REGISTRY else None,
                                   spec, rel, line(f'"{name}"'), source=source, dev=dev))
    return Manifest(rel, "package-json", NPM, False, tuple(deps))


def _package_lock(text: str, rel: str, path: Path, root: Path) -> Manifest:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("lock file is not a JSON object")
    line = _line_finder(text)
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        return _package_lock_v2(packages, rel, line)
    return _package_lock_v1(data.get("dependencies") or {}, rel, line,
                            _package_json_direct(path.parent / "package.json"))


def _package_json_direct(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return set()
    if not isinstance(data, dict):
        return set()
    return {name for section in ("dependencies", "optionalDependencies", "devDependencies")
            for name in (data.get(section) or {})}


def _package_lock_v2(packages: Mapping[str, Any], rel: str,
                     line: Callable[[str], int]) -> Manifest:
    top = packages.get("") or {}
    direct = set(top.get("dependencies") or {}) | set(top.get("optionalDependencies") or {}) \
        | set(top.get("devDependencies") or {})
    entries: dict[str, dict[str, Any]] = {}
    for key, entry in packages.items():
        if key and "node_modules/" in key and isinstance(entry, dict):
            entries[key] = entry

    def resolve(from_key: str, name: str) -> str | None:
        # Node's lookup: the nearest node_modules up the tree.
        base = from_key
        while True:
            candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
            if candidate in entries:
                return candidate
            if not base:
                return None
            cut = base.rfind("/node_modules/")
            base = base[:cut] if cut >= 0 else ""

    edges = {key: [r for n in {**(e.get("dependencies") or {}),
                              **(e.get("optionalDependencies") or {})}
                   if (r := resolve(key, n))] for key, e in entries.items()}
    roots = {f"node_modules/{n}" for n in direct if f"node_modules/{n}" in entries}
    chains = _parent_chains(edges, roots)
    deps = []
    for key, entry in entries.items():
        name = entry.get("name") or key.rsplit("node_modules/", 1)[-1]
        resolved = str(entry.get("resolved") or "")
        source = (PATH if entry.get("link") else GIT if resolved.startswith("git")
                  else REGISTRY)
        version = str(entry.get("version")) if source == REGISTRY and entry.get("version") \
            else None
        deps.append(Dependency(
            NPM, name, version, str(entry.get("version", "")), rel, line(f'"{key}"'),
            direct=key in roots, parents=tuple(p.rsplit("node_modules/", 1)[-1]
                                               for p in chains.get(key, ())),
            source=source, index=_npm_registry(resolved), dev=bool(entry.get("dev")),
            hashed=bool(entry.get("integrity"))))
    return Manifest(rel, "package-lock", NPM, True, tuple(deps))


def _npm_registry(resolved: str) -> str | None:
    if resolved.startswith("http") and not resolved.startswith(
            ("https://registry.npmjs.org/", "https://registry.yarnpkg.com/")):
        return resolved.split("/-/", 1)[0]
    return None


def _package_lock_v1(tree: Mapping[str, Any], rel: str, line: Callable[[str], int],
                     direct_names: set[str]) -> Manifest:
    """Lock file version 1: nested `dependencies`, each entry's `requires` by name.
    Which ones are direct comes from the package.json beside it; without one, every
    top-level entry counts as direct."""
    found: list[tuple[str, dict[str, Any], tuple[str, ...]]] = []
    queue: deque[tuple[Mapping[str, Any], tuple[str, ...]]] = deque([(tree, ())])
    while queue:
        level, nesting = queue.popleft()
        for name, entry in level.items():
            if isinstance(entry, dict):
                found.append((name, entry, nesting))
                if isinstance(entry.get("dependencies"), dict):
                    queue.append((entry["dependencies"], (*nesting, name)))
    edges: dict[str, list[str]] = {}
    for name, entry, _ in found:
        edges.setdefault(name, []).extend(entry.get("requires") or {})
    roots = direct_names or {name for name, _, nesting in found if not nesting}
    chains = _parent_chains(edges, roots)
    deps = []
    for name, entry, nesting in found:
        version = str(entry.get("version", ""))
        source = REGISTRY if re.match(r"^\d", version) else _npm_source(version)
        deps.append(Dependency(
            NPM, name, version if source == REGISTRY else None, version, rel,
            line(f'"{name}"'), direct=not nesting and name in roots,
            parents=chains.get(name, nesting), source=source,
            index=_npm_registry(str(entry.get("resolved") or "")),
            dev=bool(entry.get("dev")), hashed=bool(entry.get("integrity"))))
    return Manifest(rel, "package-lock", NPM, True, tuple(deps))


_YARN_KEY = re.compile(r'^"?(@?[^@"\s]+)@')


def _yarn_lock(text: str, rel: str, path: Path, root: Path) -> Manifest:
    if "__metadata:" in text:  # yarn berry writes YAML
        return _yarn_berry(text, rel, path)
    deps: list[Dependency] = []
    name: str | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if raw and not raw.startswith((" ", "#")):
            found = _YARN_KEY.match(raw)
            name, start = (found.group(1), number) if found else (None, number)
        elif name and raw.startswith("  version "):
            version = raw.split(None, 1)[1].strip().strip('"')
            deps.append(Dependency(NPM, name, version, version, rel, start))
        elif name and raw.startswith("  resolved ") and deps and deps[-1].name == name:
            resolved = raw.split(None, 1)[1].strip().strip('"')
            last = deps[-1]
            source = GIT if resolved.startswith("git") or "codeload.github.com" in resolved \
                else REGISTRY
            deps[-1] = Dependency(NPM, last.name, last.version if source == REGISTRY else None,
                                  last.spec, rel, last.line, source=source,
                                  index=_npm_registry(resolved))
    return Manifest(rel, "yarn-lock", NPM, True, tuple(_dedupe(deps)))


def _yarn_berry(text: str, rel: str, path: Path) -> Manifest:
    data = _yaml(text, rel)
    deps = []
    for key, entry in data.items():
        if key == "__metadata" or not isinstance(entry, dict):
            continue
        resolution = str(entry.get("resolution", key))
        found = _YARN_KEY.match(resolution)
        if not found or "@workspace:" in resolution:
            continue
        protocol = resolution[found.end():].split(":", 1)[0]
        source = {"npm": REGISTRY, "git": GIT, "file": PATH, "link": PATH, "portal": PATH,
                  "patch": REGISTRY}.get(protocol, URL)
        version = str(entry.get("version"))
        deps.append(Dependency(NPM, found.group(1), version if source == REGISTRY else None,
                               version, rel, _yaml_line(entry), source=source,
                               hashed=bool(entry.get("checksum"))))
    return Manifest(rel, "yarn-lock", NPM, True, tuple(_dedupe(deps)))


def _pnpm_lock(text: str, rel: str, path: Path, root: Path) -> Manifest:
    data = _yaml(text, rel)
    packages = data.get("packages") or {}
    importer = (data.get("importers") or {}).get(".") or data
    direct: set[str] = set()
    for section in ("dependencies", "optionalDependencies", "devDependencies"):
        direct |= set(importer.get(section) or {})
    deps = []
    for key, entry in packages.items():
        parsed = _pnpm_key(str(key))
        if parsed is None:
            continue
        name, version = parsed
        entry = entry if isinstance(entry, dict) else {}
        resolution = entry.get("resolution") or {}
        source = (GIT if "repo" in resolution or "commit" in resolution else
                  PATH if "directory" in resolution else
                  URL if "tarball" in resolution else REGISTRY)
        deps.append(Dependency(
            NPM, name, version if source == REGISTRY else None, version, rel,
            _yaml_line(entry) or 1, direct=name in direct, source=source,
            dev=bool(entry.get("dev")), hashed=bool(resolution.get("integrity"))))
    return Manifest(rel, "pnpm-lock", NPM, True, tuple(_dedupe(deps)))


def _pnpm_key(key: str) -> tuple[str, str] | None:
    """`/name/1.2.3` (v5), `/name@1.2.3(peer@1)` (v6), `name@1.2.3` (v9)."""
    key = key.lstrip("/").split("(", 1)[0]
    if "@" in key[1:]:
        at = key.rfind("@")
        return key[:at], key[at + 1:]
    parts = key.rsplit("/", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _yaml(text: str, rel: str) -> dict[str, Any]:
    from faasguard.loaders.yamlsafe import load_yaml

    docs = load_yaml(text)
    data = docs[0] if docs else {}
    if not isinstance(data, dict):
        raise ValueError("not a YAML mapping")
    return data


def _yaml_line(entry: Any) -> int:
    from faasguard.loaders.yamlsafe import line_of

    return line_of(entry) or 1


def _dedupe(deps: Iterable[Dependency]) -> list[Dependency]:
    seen: dict[tuple[str, str | None, str], Dependency] = {}
    for dep in deps:
        seen.setdefault((dep.name, dep.version, dep.source), dep)
    return list(seen.values())


# --- shared ------------------------------------------------------------------------------


def _parent_chains(edges: Mapping[str, list[str]], roots: Iterable[str],
                   ) -> dict[str, tuple[str, ...]]:
    """For each package reachable from the direct dependencies, the shortest chain of
    packages above it (breadth first, so the path a person would follow)."""
    chains: dict[str, tuple[str, ...]] = {}
    queue: deque[str] = deque()
    for root in sorted(roots):
        chains[root] = ()
        queue.append(root)
    while queue:
        current = queue.popleft()
        for child in edges.get(current, ()):
            if child not in chains:
                chains[child] = (*chains[current], current)
                queue.append(child)
    return chains


_PARSERS: dict[str, Callable[[str, str, Path, Path], Manifest]] = {
    "requirements": _requirements, "pipfile-lock": _pipfile_lock,
    "poetry-lock": _poetry_lock, "uv-lock": _uv_lock, "pyproject": _pyproject,
    "package-json": _package_json, "package-lock": _package_lock,
    "yarn-lock": _yarn_lock, "pnpm-lock": _pnpm_lock,
}
