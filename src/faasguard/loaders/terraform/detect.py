"""Cheap Terraform detection for the directory walk: no HCL parser, a bounded read.

A directory with ``.tf`` files is a root module unless another root calls it as a
module from the tree (``source = "./modules/x"``); those are read as part of their
caller, not scanned again on their own.
"""

from __future__ import annotations

import re
from pathlib import Path

SNIFF_BYTES = 64 * 1024
MAX_SOURCE_READ = 1024 * 1024
_LOCAL_SOURCE = re.compile(rb'^\s*source\s*=\s*"(\.\.?/[^"$]*)"', re.MULTILINE)


def is_plan_json(path: Path) -> bool:
    """``terraform show -json`` output: ``format_version`` and ``planned_values``."""
    if not path.name.endswith(".json"):
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return False
    return b'"format_version"' in head and b'"planned_values"' in head


def module_dirs(directory: Path) -> set[Path]:
    """Directories the ``.tf`` files of ``directory`` call as local modules."""
    found: set[Path] = set()
    try:
        paths = sorted(p for p in directory.iterdir() if p.name.endswith(".tf"))
    except OSError:
        return found
    for path in paths:
        try:
            with path.open("rb") as handle:
                text = handle.read(MAX_SOURCE_READ)
        except OSError:
            continue
        for match in _LOCAL_SOURCE.finditer(text):
            target = directory / match.group(1).decode("utf-8", "replace")
            try:
                found.add(target.resolve())
            except (OSError, RuntimeError):
                continue
    return found
