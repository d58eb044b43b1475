"""The scan pipeline: discover -> load (one model) -> rules -> suppressions.

Every failure is contained where it happens: a file that cannot be read becomes a
``Diagnostic`` naming the file and line, a rule that crashes on one app becomes a
diagnostic for that rule and app, and the scan goes on with everything else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.config import Config
from faasguard.findings import Finding
from faasguard.loaders.base import LoadError, LoadOptions, inside, relpath
from faasguard.loaders.discover import Candidate, discover
from faasguard.model import App, Diagnostic, Location
from faasguard.rules.registry import Context, Rule

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

# Loaders are imported on first use so `faasguard --help` and a scan of one format
# never pay for the others.
LOADERS = {
    "serverless": "faasguard.loaders.serverless:load",
    "cloudformation": "faasguard.loaders.cloudformation:load",
    "cdk": "faasguard.loaders.cloudformation:load_cdk",
    "terraform": "faasguard.loaders.terraform:load",
    "terraform-plan": "faasguard.loaders.terraform:load_plan",
}


@dataclass(slots=True)
class ScanResult:
    root: Path
    apps: list[App] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    """All findings, suppressed ones included (``Finding.suppressed`` tells)."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_scanned: int = 0
    files_failed: int = 0
    seconds: float = 0.0

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]


def _loader(kind: str) -> Callable[[Path, LoadOptions], list[App]]:
    module, _, name = LOADERS[kind].partition(":")
    loader: Callable[[Path, LoadOptions], list[App]] = getattr(importlib.import_module(module), name)
    return loader


def load_candidate(candidate: Candidate, opts: LoadOptions) -> tuple[list[App], list[Diagnostic]]:
    rel = relpath(candidate.path, opts.root)
    if candidate.kind == "unsupported":
        return [], [Diagnostic(
            "warning",
            f"{candidate.path.name} is code, not data; faasguard does not execute it. "
            "Export it with `serverless print > serverless.yml` to scan it.",
            Location(rel))]
    try:
        return _loader(candidate.kind)(candidate.path, opts), []
    except LoadError as exc:
        return [], [Diagnostic("error", exc.message, Location(exc.file, exc.line))]
    except RecursionError:
        return [], [Diagnostic("error", "nesting too deep to read", Location(rel))]


def run_rules(app: App, rules: Iterable[Rule], ctx: Context,
              diagnostics: list[Diagnostic]) -> list[Finding]:
    found: list[Finding] = []
    overrides = ctx.config.severity_overrides
    for rule in rules:
        try:
            hits = list(rule(app, ctx))
        except Exception as exc:  # a rule bug must not lose the rest of the scan
            diagnostics.append(Diagnostic(
                "error", f"rule {rule.id} failed on {app.name}: {type(exc).__name__}: {exc}",
                app.source))
            continue
        for hit in hits:
            found.append(Finding(
                rule_id=rule.id, title=rule.title,
                severity=overrides.get(rule.id, hit.severity or rule.severity), message=hit.message,
                location=hit.location, subject=hit.subject, app=app.name,
                controls=rule.controls, cwe=rule.cwe, detail=hit.detail,
                evidence=hit.evidence))
    return found


def _duplicate_of(path: Path, rel: str, digests: dict[str, str],
                  opts: LoadOptions) -> str | None:
    """The file already scanned with the same bytes (a copied stack), if any."""
    if path.is_symlink() and not inside(path, opts.root):
        return None  # never read: the loader refuses it by path
    try:
        if path.stat().st_size > opts.limits.max_bytes:
            return None  # the loader reports the size; never read it whole here
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    first = digests.setdefault(digest, rel)
    return first if first != rel else None


@dataclass(slots=True)
class _Unit:
    """What one file gave: its apps, their findings, its diagnostics in scan order, and
    the context's notes that were new while it was scanned."""

    apps: list[App]
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    failed: bool
    notes: list[Diagnostic]


def _scan_file(candidate: Candidate, opts: LoadOptions, rules: list[Rule],
               ctx: Context) -> _Unit:
    known_notes = len(ctx.notes)
    apps, diagnostics = load_candidate(candidate, opts)
    failed = any(d.level == "error" for d in diagnostics)
    findings: list[Finding] = []
    for app in apps:
        diagnostics.extend(app.diagnostics)
        findings.extend(run_rules(app, rules, ctx, diagnostics))
    return _Unit(apps, findings, diagnostics, failed, ctx.notes[known_notes:])


PARALLEL_FROM = 8
"""Files in a scan from which it runs in several processes: forking and sending the
results back cost more than they save on fewer."""

_JOB: tuple[list[Candidate], LoadOptions, list[Rule], Context] | None = None
"""The scan the worker processes serve: set before they are forked, so they inherit it
instead of receiving it (rules hold functions, which do not pickle by value)."""


def _work(index: int) -> _Unit:
    assert _JOB is not None
    candidates, opts, rules, ctx = _JOB
    return _scan_file(candidates[index], opts, rules, ctx)


def _processes(jobs: int | None, files: int) -> int:
    """How many worker processes to use: ``jobs`` (default: the CPUs this process may
    run on), one when forking is not available or the scan is small."""
    import os
    import sys

    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
    if jobs <= 1 or files < PARALLEL_FROM or sys.platform != "linux":
        return 1
    return min(jobs, files // 4)  # a few files each, or the forking is not worth it


def scan(paths: list[Path], opts: LoadOptions, config: Config,
         rules: list[Rule] | None = None,
         progress: Callable[[int, int, str], None] | None = None,
         today: dt.date | None = None, jobs: int | None = 1) -> ScanResult:
    """``today`` fixes the date dated rules compare against (None: the real date).
    ``jobs``: worker processes for a large scan (None: one per CPU); the result is the
    same, in the same order, whatever it is."""
    from faasguard.rules import all_rules
    from faasguard.suppress import apply_suppressions

    global _JOB
    started = time.perf_counter()
    result = ScanResult(root=opts.root)
    active_rules = [r for r in (rules if rules is not None else all_rules())
                    if r.id not in config.disabled]
    ctx = Context(config=config, root=str(opts.root), today=today)
    candidates = list(discover(paths, opts.root, config.exclude))
    # Copies of a file already seen are reported, not scanned; decided in file order.
    digests: dict[str, str] = {}
    twins = [_duplicate_of(c.path, relpath(c.path, opts.root), digests, opts)
             for c in candidates]
    todo = [index for index, twin in enumerate(twins) if not twin]
    processes = _processes(jobs, len(todo))
    units: Iterator[_Unit]
    pool = None
    if processes > 1:
        import multiprocessing

        for kind in {candidates[index].kind for index in todo} & LOADERS.keys():
            _loader(kind)  # imported once here, shared with the workers
        _JOB = (candidates, opts, active_rules, ctx)
        pool = multiprocessing.get_context("fork").Pool(processes)
        units = pool.imap(_work, todo, chunksize=2)
    else:
        units = (_scan_file(candidates[index], opts, active_rules, ctx) for index in todo)
    try:
        for index, candidate in enumerate(candidates):
            rel = relpath(candidate.path, opts.root)
            if progress:
                progress(index, len(candidates), rel)
            if twins[index]:
                result.diagnostics.append(Diagnostic(
                    "info", f"same content as {twins[index]}; scanned once", Location(rel)))
                continue
            unit = next(units)
            if unit.failed:
                result.files_failed += 1
            else:
                result.files_scanned += 1
            result.apps.extend(unit.apps)
            result.findings.extend(unit.findings)
            result.diagnostics.extend(unit.diagnostics)
            if pool is not None:
                for note in unit.notes:
                    ctx.note(note.level, note.message, note.loc)
    finally:
        if pool is not None:
            pool.terminate()
            _JOB = None
    if progress:
        progress(len(candidates), len(candidates), "")
    result.diagnostics.extend(ctx.notes)
    result.findings = apply_suppressions(result.findings, config, opts.root,
                                         notes=result.diagnostics)
    result.findings.sort(key=lambda f: (f.location.file, f.location.line or 0, f.rule_id,
                                        f.subject.id, f.detail))
    result.seconds = time.perf_counter() - started
    return result
