"""Version parsing and ordering per ecosystem: PEP 440 for PyPI (the `packaging`
library, the reference implementation pip uses), Semantic Versioning 2.0 for npm.

A version that does not parse is None: matching then says "unknown", never "safe" and
never "vulnerable".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

PYPI = "PyPI"
NPM = "npm"
ECOSYSTEMS = (PYPI, NPM)

_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")


class SemVer:
    """A Semantic Versioning 2.0 version; build metadata is ignored when ordering.
    The ordering key is computed once: matching compares the same versions many times."""

    __slots__ = ("core", "key", "pre")

    def __init__(self, core: tuple[int, int, int], pre: tuple[int | str, ...]) -> None:
        self.core = core
        self.pre = pre
        # A release sorts after its pre-releases; numeric identifiers before alphanumeric.
        ids = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in pre)
        self.key: tuple[Any, ...] = (core, 0 if pre else 1, ids)

    @classmethod
    def parse(cls, text: str) -> SemVer | None:
        found = _SEMVER.match(text.strip())
        if not found:
            return None
        major, minor, patch, pre, _build = found.groups()
        parts: tuple[int | str, ...] = tuple(
            int(p) if p.isdigit() else p for p in pre.split(".")) if pre else ()
        return cls((int(major), int(minor), int(patch)), parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SemVer) and self.key == other.key

    def __lt__(self, other: SemVer) -> bool:
        return self.key < other.key

    def __le__(self, other: SemVer) -> bool:
        return self.key <= other.key

    def __gt__(self, other: SemVer) -> bool:
        return self.key > other.key

    def __ge__(self, other: SemVer) -> bool:
        return self.key >= other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        pre = "-" + ".".join(map(str, self.pre)) if self.pre else ""
        return f"SemVer({'.'.join(map(str, self.core))}{pre})"


@lru_cache(maxsize=65536)
def parse(ecosystem: str, text: str) -> Any | None:
    """An orderable version, or None when ``text`` is not a version of ``ecosystem``."""
    if ecosystem == NPM:
        return SemVer.parse(text)
    if ecosystem == PYPI:
        from packaging.version import InvalidVersion, Version

        try:
            return Version(text)
        except InvalidVersion:
            return None
    return None


_PEP503 = re.compile(r"[-_.]+")


def normalize_name(ecosystem: str, name: str) -> str:
    """The name as the ecosystem compares it: PEP 503 for PyPI; npm names are exact
    (lower-case by the registry's rules)."""
    if ecosystem == PYPI:
        return _PEP503.sub("-", name).lower()
    return name.strip()


_NPM_EXACT = re.compile(r"^=?v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$")


def npm_exact(spec: str) -> str | None:
    """The version an npm dependency spec pins exactly (``1.2.3``, ``=1.2.3``), or None
    for ranges (``^1.2.3``, ``~1.2``, ``>=1``, ``*``, ``latest``) and non-registry specs."""
    spec = spec.strip()
    return spec.lstrip("=v") if _NPM_EXACT.match(spec) else None
