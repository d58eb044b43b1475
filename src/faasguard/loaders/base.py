"""What every loader shares: the load error, the options, and bounded file reading."""

from __future__ import annotations

import os
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.loaders.yamlsafe import (
    DEFAULT_LIMITS,
    Limits,
    YamlLimitError,
    YamlSyntaxError,
    load_yaml,
)

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


class LoadError(Exception):
    """A file could not be read or understood. Always names the file, and the line if known."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")
        self.file = file
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class LoadOptions:
    root: Path
    """Absolute scan root. Nothing outside it is read (``${file()}``, symlinks, code)."""
    limits: Limits = DEFAULT_LIMITS
    env_vars: bool = False
    """Read ``${env:X}`` from the scanner's own environment (off unless the user asks)."""
    options: dict[str, Any] = field(default_factory=dict)
    """``--opt key=value`` values for ``${opt:key}`` (stage, region, ...)."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """``--param Name=Value`` for CloudFormation parameters / serverless ``${param:}``."""


def relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def inside(path: Path, root: Path) -> bool:
    """True when ``path``, with every symlink followed, stays under ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def read_text(path: Path, opts: LoadOptions) -> str:
    """Read a source file within the limits, or raise LoadError with a clear reason."""
    rel = relpath(path, opts.root)
    if path.is_symlink() and not inside(path, opts.root):
        raise LoadError(rel, "symlink points outside the scanned tree; not followed")
    try:
        size = path.stat().st_size
        if size > opts.limits.max_bytes:
            mb = opts.limits.max_bytes / 1024 / 1024
            raise LoadError(rel, f"file is {size / 1024 / 1024:.1f} MB, over the {mb:g} MB limit")
        with path.open("rb") as handle:
            data = handle.read(opts.limits.max_bytes + 1)
    except OSError as exc:
        raise LoadError(rel, f"cannot read: {exc.strerror or exc}") from None
    if b"\0" in data[:8192]:
        raise LoadError(rel, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LoadError(rel, f"invalid UTF-8 at byte {exc.start}", line) from None


def parse_documents(text: str, rel: str, opts: LoadOptions) -> list[Any]:
    """YAML or JSON documents with line info, errors turned into LoadError."""
    try:
        return load_yaml(text, opts.limits)
    except (YamlSyntaxError, YamlLimitError) as exc:
        raise LoadError(rel, str(exc), exc.line) from None
    except RecursionError:
        raise LoadError(rel, "nesting too deep") from None


def env_allowed(opts: LoadOptions) -> dict[str, str]:
    """The environment the loaders may read: empty unless ``--env-vars`` was given."""
    return dict(os.environ) if opts.env_vars else {}
