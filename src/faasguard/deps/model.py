"""What a manifest or lock file says about one dependency."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


REGISTRY = "registry"
GIT = "git"
PATH = "path"
URL = "url"


@dataclass(frozen=True, slots=True)
class Dependency:
    ecosystem: str
    """"PyPI" or "npm"."""
    name: str
    """As the file writes it; compare with `versions.normalize_name`."""
    version: str | None
    """The exact version installed (a pin or a lock entry), None for a range."""
    spec: str
    """What the file declares: "==2.31.0", "^4.17.0", a URL, ..."""
    file: str
    """Relative to the scan root."""
    line: int
    direct: bool = True
    parents: tuple[str, ...] = ()
    """For a transitive dependency, a chain from a direct dependency down to its parent."""
    source: str = REGISTRY
    """registry | git | path | url: where the package comes from."""
    index: str | None = None
    """A non-default package index or registry it is fetched from."""
    dev: bool = False
    """A development dependency (devDependencies, Pipfile develop, poetry dev group):
    not deployed with the function."""
    hashed: bool = False
    """Pinned by hash as well as version (pip --require-hashes, lock integrity)."""

    @property
    def path(self) -> str:
        """The dependency path as a person reads it: "express > body-parser > qs"."""
        return " > ".join((*self.parents, self.name))


@dataclass(frozen=True, slots=True)
class Manifest:
    file: str
    kind: str
    """requirements | pipfile-lock | poetry-lock | uv-lock | pyproject | package-json |
    package-lock | yarn-lock | pnpm-lock"""
    ecosystem: str
    lock: bool
    """A lock file: exact versions of the whole tree."""
    dependencies: tuple[Dependency, ...]
    problems: tuple[str, ...] = ()
    """What could not be read, as "file:line: message"."""
