"""Build a small Node.js project on disk and analyse one handler of it."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faasguard.code.facts import FunctionCode
from faasguard.code.handlers import HandlerRef
from faasguard.code.js import analyze
from faasguard.model import Function, Location


def write(root: Path, files: Mapping[str, str]) -> None:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body).lstrip("\n"))


def run(root: Path, files: Mapping[str, str], entry: str = "index.js",
        export: str = "handler", environment: Mapping[str, Any] | None = None,
        code_dir: str = "") -> FunctionCode:
    write(root, files)
    code_root = root / code_dir if code_dir else root
    handler = HandlerRef("javascript", root / entry, entry, export, code_root)
    fn = Function(id="Fn", loc=Location("serverless.yml", 1), runtime="nodejs20.x",
                  environment=dict(environment or {}))
    return analyze(None, fn, handler)  # type: ignore[arg-type]


def line_of(root: Path, rel: str, needle: str) -> int:
    for number, line in enumerate((root / rel).read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {rel}")
