"""Find the app definitions under the paths a user gives, and tell their formats apart.

Detection reads names and a little text, never executes anything. Vendored and
generated trees are skipped so a stack is scanned once: ``.serverless/`` holds the
Framework's compiled copy of serverless.yml, ``.aws-sam/`` SAM's built copy, and
``cdk.out/asset.*`` the bundled code of a CDK app.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.loaders.base import inside
from faasguard.loaders.terraform.detect import is_plan_json, module_dirs

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

SKIP_DIRS = frozenset({
    "node_modules", "bower_components", "jspm_packages", ".venv", "venv", "site-packages",
    "dist-packages", "__pycache__", ".git", ".hg", ".svn", ".serverless", ".aws-sam",
    ".terraform", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
    "build", "dist", "vendor", ".idea", ".vscode", "coverage", ".next", ".cache",
})

SERVERLESS_NAMES = frozenset({"serverless.yml", "serverless.yaml", "serverless.json"})
SERVERLESS_CODE_CONFIGS = frozenset({"serverless.ts", "serverless.js", "serverless.cjs",
                                     "serverless.mjs"})
TEMPLATE_SUFFIXES = (".yml", ".yaml", ".json", ".template")
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Candidate:
    path: Path
    kind: str
    """"serverless", "cloudformation" (SAM and CDK included), "cdk", "terraform" (a
    directory of .tf files), "terraform-plan", or "unsupported"."""


def _conventional_template_name(name: str) -> bool:
    lower = name.lower()
    return (lower in ("template.yaml", "template.yml", "template.json")
            or lower.endswith((".template", ".template.json", ".template.yaml",
                               ".template.yml")))


def _sniff_cloudformation(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return True  # let the loader report the read error with the file named
    if b"\0" in head[:8192]:
        # A binary file under a conventional template name is reported by the loader
        # (a corrupted or mis-committed template); any other binary is not ours.
        return _conventional_template_name(path.name)
    return (b"AWSTemplateFormatVersion" in head
            or (b"Resources" in head and (b"AWS::" in head or b"Transform" in head)))


def classify(path: Path, in_cdk_out: bool = False, root: Path | None = None) -> str | None:
    """The format of ``path``, or None when it is not an app definition.

    A symlink that leaves ``root`` is never opened, not even to sniff it: when its
    name looks like a template it is passed on so the loader can refuse it by name.
    """
    name = path.name
    if root is not None and path.is_symlink() and not inside(path, root):
        return "cloudformation" if name.endswith(TEMPLATE_SUFFIXES) else None
    if name in SERVERLESS_NAMES:
        return "serverless"
    if name in SERVERLESS_CODE_CONFIGS:
        return "unsupported"
    if in_cdk_out:
        return "cdk" if name.endswith(".template.json") else None
    if name.endswith(".tf"):
        return "terraform"
    if name.endswith(".json") and is_plan_json(path):
        return "terraform-plan"
    if name.endswith(TEMPLATE_SUFFIXES) and _sniff_cloudformation(path):
        return "cloudformation"
    return None


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel + "/", p) for p in patterns)


def discover(paths: list[Path], root: Path, exclude: tuple[str, ...] = ()) -> Iterator[Candidate]:
    """Yield candidate files in a stable order. Explicit file arguments are always kept."""
    seen: set[Path] = set()
    tf_modules: set[Path] = set()  # called as modules by a Terraform root: read there
    for start in paths:
        if start.is_file():
            explicit = classify(start, "cdk.out" in start.parts, root) or "cloudformation"
            if explicit == "terraform":  # a .tf file stands for its directory's module
                start = start.parent
            real = start.resolve()
            if real not in seen:
                seen.add(real)
                yield Candidate(start, explicit)
            continue
        for folder, dirs, files in os.walk(start, followlinks=False):
            here = Path(folder)
            in_cdk = here.name == "cdk.out" or "cdk.out" in here.parts
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS
                             and not (in_cdk and d.startswith("asset."))
                             and not _excluded(_rel(here / d, root), exclude))
            terraform = False
            for name in sorted(files):
                path = here / name
                rel = _rel(path, root)
                if _excluded(rel, exclude):
                    continue
                kind = classify(path, in_cdk, root)
                if kind is None:
                    continue
                if kind == "terraform":
                    terraform = True
                    continue
                real = path.resolve()
                if real in seen:
                    continue
                seen.add(real)
                yield Candidate(path, kind)
            if terraform:
                real = here.resolve()
                tf_modules.update(module_dirs(here))
                if real not in tf_modules and real not in seen:
                    seen.add(real)
                    yield Candidate(here, "terraform")


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
