"""Third-party dependencies (E1, E2, C5): known vulnerabilities, pinning, where
packages come from, and dependencies no code imports.

Each function's dependencies are the manifests nearest its code (see
`faasguard.deps.project`). A dependency several functions share is reported once, at
its line in the manifest, naming every function that ships it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.deps.model import GIT, PATH, REGISTRY, URL, Dependency, Manifest
from faasguard.findings import Severity, Subject
from faasguard.model import App, Function, Location
from faasguard.rules.registry import Context, Hit, rule

if TYPE_CHECKING:
    from dataclasses import dataclass

    from faasguard.deps.project import DependencyIndex, FunctionDeps
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

SEVERITY_ORDER = ("low", "medium", "high", "critical")


@dataclass
class Shipped:
    """One dependency entry of one manifest, with the functions that deploy it."""

    dep: Dependency
    functions: list[Function] = field(default_factory=list)


def _index(ctx: Context) -> DependencyIndex:
    index: DependencyIndex | None = ctx.memo.get("deps.index")
    if index is None:
        # Imported here: a scan of apps without Python or Node.js code never reads one.
        from faasguard.deps.project import DependencyIndex

        index = ctx.memo["deps.index"] = DependencyIndex(Path(ctx.root))
    return index


def _function_deps(app: App, ctx: Context) -> list[tuple[Function, FunctionDeps]]:
    key = ("deps.app", app.name, app.source.file)
    if key not in ctx.memo:
        index = _index(ctx)
        ctx.memo[key] = [(fn, index.for_function(app, fn)) for fn in app.functions]
    found: list[tuple[Function, FunctionDeps]] = ctx.memo[key]
    return found


def _shipped(app: App, ctx: Context) -> list[Shipped]:
    """Deployable dependencies, each once per manifest entry, in manifest order."""
    entries: dict[tuple[str, int, str, str | None], Shipped] = {}
    for fn, deps in _function_deps(app, ctx):
        for dep in deps.dependencies:
            key = (dep.file, dep.line, dep.name, dep.version)
            entries.setdefault(key, Shipped(dep)).functions.append(fn)
    return sorted(entries.values(), key=lambda s: (s.dep.file, s.dep.line, s.dep.name))


def _names(functions: list[Function]) -> str:
    names = [fn.display_name for fn in functions]
    if len(names) <= 3:
        return ", ".join(names)
    return f"{', '.join(names[:3])} and {len(names) - 3} more"


def _their(functions: list[Function]) -> str:
    return "its" if len(functions) == 1 else "their"


def _hit(shipped: Shipped, message: str, detail: str, *,
         severity: Severity | None = None, evidence: dict[str, object] | None = None) -> Hit:
    first = shipped.functions[0]
    subject = Subject("function", first.id, first.display_name, first.id)
    return Hit(message, Location(shipped.dep.file, shipped.dep.line), subject, detail,
               evidence or {}, severity)


def _problems(app: App, ctx: Context) -> None:
    for _, deps in _function_deps(app, ctx):
        for manifest in (*deps.manifests, *deps.declared):
            for problem in manifest.problems:
                ctx.note("warning", problem, Location(manifest.file))


# --- E1 -----------------------------------------------------------------------------------


def _imports_of(app: App, ctx: Context, fn: Function, *, analyse: bool = False,
                ) -> frozenset[str] | None:
    """Packages the function's reachable code imports, or None when the code could not
    be found, or when this scan does not analyse code and ``analyse`` is off. FG-DEP-004
    is a code rule and analyses; FG-DEP-001 only uses an analysis the scan already made
    (the code rules, FG-CODE and on, sort before it), so `--no-code` stays code-free."""
    if ctx.analyzer is None and not analyse:
        return None
    key = ("deps.imports", app.name, fn.id)
    if key not in ctx.memo:
        from faasguard.deps.imports import imported_packages

        code = ctx.code(app, fn)
        ctx.memo[key] = imported_packages(Path(ctx.root), code.files) if code.files else None
    found: frozenset[str] | None = ctx.memo[key]
    return found


def _reachability(app: App, ctx: Context, shipped: Shipped, *, analyse: bool = False) -> str:
    from faasguard.deps.imports import import_names

    dep = shipped.dep
    wanted = set(import_names(dep.ecosystem, dep.parents[0] if dep.parents else dep.name))
    verdicts = [_imports_of(app, ctx, fn, analyse=analyse) for fn in shipped.functions]
    if any(v is None for v in verdicts):
        return "not checked"
    if any(wanted & v for v in verdicts if v is not None):
        return "imported" if not dep.parents else f"imported through {dep.parents[0]}"
    return "not imported"


@rule(id="FG-DEP-001", title="Dependency with a known vulnerability", severity="high",
      category="dependencies", controls=("E1",), cwe=(1395,))
def vulnerable_dependency(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Matches every deployable dependency of each function (the exact versions of its
    lock file or pinned requirements, transitive ones included) against the OSV
    advisories in the local advisory database, and reports each vulnerable package
    once with its advisory ids (aliases such as GHSA, PYSEC and CVE merged), the
    dependency path, the versions that fix it, the functions that ship it and whether
    their code imports it. The finding's severity is the advisory's. The database is
    filled by `faasguard db update` (online) or `faasguard db import` (offline).

    ## Why is this bad?
    A known vulnerability in a package the function ships runs with the function's
    role and sees its events. Published advisories come with exploit details, so
    they are the first thing an attacker tries.

    ## Example
    ```text
    # requirements.txt of the orders function
    requests==2.30.0
    ```

    ## Fix
    ```text
    requests==2.32.3
    ```
    Upgrade to a fixed version (the finding lists them), re-lock, and redeploy.
    """
    shipped = [s for s in _shipped(app, ctx) if s.dep.version and s.dep.source == REGISTRY]
    _problems(app, ctx)
    if not shipped:
        return
    from faasguard.deps.osv import fixed_in, is_affected, merge_aliases
    from faasguard.deps.store import AdvisoryDB, default_path

    db = AdvisoryDB(Path(ctx.config.advisory_db) if ctx.config.advisory_db else default_path())
    if not db.exists():
        ctx.note("warning", f"dependencies not checked for known vulnerabilities: no advisory "
                 f"database at {db.path}; run `faasguard db update` or `faasguard db import`",
                 app.source)
        return
    by_ecosystem: dict[str, set[str]] = {}
    for s in shipped:
        by_ecosystem.setdefault(s.dep.ecosystem, set()).add(s.dep.name)
    try:
        known = {eco: db.lookup(eco, names) for eco, names in by_ecosystem.items()}
    except ValueError as exc:
        ctx.note("error", str(exc), app.source)
        return
    from faasguard.deps.versions import normalize_name

    for s in shipped:
        dep = s.dep
        assert dep.version is not None
        candidates = known[dep.ecosystem].get(normalize_name(dep.ecosystem, dep.name), [])
        hits = [a for a in candidates if is_affected(a.affected[0], dep.version)]
        if not hits:
            continue
        groups = merge_aliases(hits)
        ids = ["/".join(sorted({a.id for a in g} | {x for a in g for x in a.aliases}))
               for g in groups]
        fixes = sorted({v for a in hits for v in fixed_in(a.affected[0])})
        ranked = [a.severity for a in hits if a.severity in SEVERITY_ORDER]
        severity = Severity.parse(max(ranked, key=SEVERITY_ORDER.index)) if ranked else None
        summary = next((a.summary for a in hits if a.summary), "")
        via = f" (through {' > '.join(dep.parents)})" if dep.parents else ""
        fix = f"fixed in {', '.join(fixes)}" if fixes else "no fixed version yet"
        reach = _reachability(app, ctx, s)
        count = f"{len(groups)} known vulnerabilities" if len(groups) > 1 else \
            "a known vulnerability"
        yield _hit(s, f"{dep.name} {dep.version}{via} has {count}: {'; '.join(ids)}"
                   f"{f' ({summary})' if summary and len(groups) == 1 else ''}; {fix}. "
                   f"Shipped by {_names(s.functions)}; {reach} by {_their(s.functions)} code.",
                   f"{dep.name}@{dep.version}", severity=severity,
                   evidence={"package": dep.name, "version": dep.version,
                             "ecosystem": dep.ecosystem, "advisories": ids, "fixed": fixes,
                             "path": dep.path, "reachability": reach,
                             "functions": [fn.id for fn in s.functions]})


# --- E2 -----------------------------------------------------------------------------------


def _unlocked(app: App, ctx: Context) -> list[tuple[Manifest, list[Function]]]:
    """Plain manifests that are the only source of versions (no lock beside them)."""
    found: dict[str, tuple[Manifest, list[Function]]] = {}
    for fn, deps in _function_deps(app, ctx):
        for manifest in deps.manifests:
            if not manifest.lock:
                found.setdefault(manifest.file, (manifest, []))[1].append(fn)
    return [found[k] for k in sorted(found)]


@rule(id="FG-DEP-002", title="Deployable dependency not pinned to one version",
      severity="low", category="dependencies", controls=("E2",), cwe=(1357,))
def unpinned_dependency(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports dependencies a function deploys from a manifest that gives a range
    (`flask>=2.0`, `^4.17.0`, no version at all) when no lock file beside it pins
    the exact version. Development dependencies, and ranges in a package.json whose
    lock file pins them, are not reported.

    ## Why is this bad?
    Each build may install a different version: a compromised or broken release
    reaches production without anyone choosing it, and the version that runs is not
    the one that was tested or scanned.

    ## Example
    ```text
    flask>=2.0
    ```

    ## Fix
    ```text
    flask==3.0.3 --hash=sha256:...
    ```
    Pin exact versions (pip-compile, poetry lock, uv lock, npm ci with a lock file),
    with hashes where the tool supports them.
    """
    for manifest, fns in _unlocked(app, ctx):
        for dep in manifest.dependencies:
            if dep.dev or dep.version or dep.source != REGISTRY:
                continue
            shipped = Shipped(dep, fns)
            yield _hit(shipped, f"{dep.name} is declared as {dep.spec!r} in {manifest.file} "
                       "with no lock file pinning it, so each build may deploy a different "
                       f"version to {_names(fns)}; pin the exact version.", dep.name)


_SOURCE_WHY = {
    GIT: "comes from a git repository, outside the registry's immutable releases and "
         "advisories",
    URL: "is downloaded from a URL, outside the registry's immutable releases and "
         "advisories",
    PATH: "is installed from a local path, so what deploys is whatever that folder holds "
          "at build time",
}


@rule(id="FG-DEP-003", title="Dependency from outside the default registry",
      severity="medium", category="dependencies", controls=("E2",), cwe=(829,))
def untrusted_source(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports deployable dependencies installed from a git URL, an archive URL, a local
    path, or a package index or registry other than PyPI / the npm registry.

    ## Why is this bad?
    These sources skip what the default registry gives: immutable versions, a
    published advisory trail that scanners can match, and for extra indexes the
    dependency-confusion risk of a public package with the same name winning.
    A git branch can change under the same reference between two builds.

    ## Example
    ```text
    git+https://github.com/example/internal-lib.git@main#egg=internal-lib
    ```

    ## Fix
    ```text
    internal-lib==1.4.2 --hash=sha256:...   # published to your registry, pinned
    ```
    Publish internal packages to a registry you control, pin them by version and
    hash, and scope extra indexes to the packages they serve.
    """
    for s in _shipped(app, ctx):
        dep = s.dep
        if dep.source in _SOURCE_WHY:
            yield _hit(s, f"{dep.name} {_SOURCE_WHY[dep.source]} ({dep.spec}); shipped by "
                       f"{_names(s.functions)}.", f"{dep.name}:{dep.source}")
        elif dep.index:
            yield _hit(s, f"{dep.name} is fetched from a non-default index {dep.index}; "
                       f"shipped by {_names(s.functions)}. Make sure that index cannot be "
                       "overridden by a public package of the same name.",
                       f"{dep.name}:index")


# --- C5 -----------------------------------------------------------------------------------

# Packages that are used without being imported by name: drivers loaded by a
# framework, type stubs, build tools, runtime patches.
_USED_INDIRECTLY = frozenset({
    "boto3-stubs", "botocore-stubs", "mypy-boto3", "typing-extensions", "setuptools", "wheel",
    "pip", "psycopg2-binary", "psycopg-binary", "pymysql", "cryptography", "certifi",
    "aws-xray-sdk", "gunicorn", "uvicorn", "python-multipart", "tslib", "source-map-support",
})


def _indirect(dep: Dependency) -> bool:
    name = dep.name.lower()
    return (name in _USED_INDIRECTLY or name.startswith(("types-", "@types/", "mypy-boto3-"))
            or name.endswith("-stubs"))


@rule(id="FG-DEP-004", title="Dependency that no function imports", severity="low",
      category="dependencies", controls=("C5", "E2"), cwe=(1164,))
def unused_dependency(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports a direct, deployable dependency that none of the functions shipping it
    imports anywhere in the code reachable from their handlers (so it is a code rule:
    `--no-code` skips it), and skips packages that are normally used without an
    import: type stubs, database drivers, build tools. When a function's code cannot
    be found, nothing is said.

    ## Why is this bad?
    Every package shipped is attack surface and cold-start weight, and is one more
    thing to patch; one that nothing imports adds the risk without the use.

    ## Example
    ```text
    # requirements.txt of a function that only uses boto3
    requests==2.32.3
    pandas==2.2.2
    ```

    ## Fix
    ```text
    requests==2.32.3
    ```
    Remove it from the function's manifest; if it is loaded indirectly (a plugin or
    driver named in configuration), suppress this finding with that reason.
    """
    for s in _shipped(app, ctx):
        dep = s.dep
        if not dep.direct or dep.parents or dep.source not in {REGISTRY} or _indirect(dep):
            continue
        if _reachability(app, ctx, s, analyse=True) == "not imported":
            yield _hit(s, f"{dep.name} is shipped with {_names(s.functions)} but "
                       f"{'none of their code' if len(s.functions) > 1 else 'its code never'} "
                       "imports it; remove it, or suppress this finding if it is loaded "
                       "indirectly.", dep.name)
