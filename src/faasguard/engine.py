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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from faasguard.config import Config
from faasguard.findings import Finding
from faasguard.loaders.base import LoadError, LoadOptions, inside, relpath
from faasguard.loaders.discover import Candidate, discover
from faasguard.model import App, Diagnostic, Location
from faasguard.rules.registry import Context, Rule

# Loaders are imported on first use so `faasguard --help` and a scan of one format
# never pay for the others.
LOADERS = {
    "serverless": "faasguard.loaders.serverless:load",
    "cloudformation": "faasguard.loaders.cloudformation:load",
    "cdk": "faasguard.loaders.cloudformation:load_cdk",
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
                severity=overrides.get(rule.id, rule.severity), message=hit.message,
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


def scan(paths: list[Path], opts: LoadOptions, config: Config,
         rules: list[Rule] | None = None,
         progress: Callable[[int, int, str], None] | None = None,
         today: dt.date | None = None) -> ScanResult:
    """``today`` fixes the date dated rules compare against (None: the real date)."""
    from faasguard.rules import all_rules
    from faasguard.suppress import apply_suppressions

    started = time.perf_counter()
    result = ScanResult(root=opts.root)
    active_rules = [r for r in (rules if rules is not None else all_rules())
                    if r.id not in config.disabled]
    ctx = Context(config=config, root=str(opts.root), today=today)
    candidates = list(discover(paths, opts.root, config.exclude))
    digests: dict[str, str] = {}
    for index, candidate in enumerate(candidates):
        if progress:
            progress(index, len(candidates), relpath(candidate.path, opts.root))
        rel = relpath(candidate.path, opts.root)
        twin = _duplicate_of(candidate.path, rel, digests, opts)
        if twin:
            result.diagnostics.append(Diagnostic(
                "info", f"same content as {twin}; scanned once", Location(rel)))
            continue
        apps, diagnostics = load_candidate(candidate, opts)
        result.diagnostics.extend(diagnostics)
        if any(d.level == "error" for d in diagnostics):
            result.files_failed += 1
        else:
            result.files_scanned += 1
        for app in apps:
            result.apps.append(app)
            result.diagnostics.extend(app.diagnostics)
            result.findings.extend(run_rules(app, active_rules, ctx, result.diagnostics))
    if progress:
        progress(len(candidates), len(candidates), "")
    result.findings = apply_suppressions(result.findings, config, opts.root,
                                         notes=result.diagnostics)
    result.findings.sort(key=lambda f: (f.location.file, f.location.line or 0, f.rule_id,
                                        f.subject.id, f.detail))
    result.seconds = time.perf_counter() - started
    return result
