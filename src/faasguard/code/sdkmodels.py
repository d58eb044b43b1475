"""The AWS SDK's model files, read as data: botocore's service and waiter models and
boto3's resource models, from the packages' data folders (found without importing
either package: importing botocore's loader alone pulls in urllib3 and http.client).

A service model is large (S3's is 1.3 MB of JSON) and a scan needs a few names from it,
so the first use of a service keeps what is needed (operations with their Python method
names, waiters, the IAM prefix, the members of the shapes boto3's resources load) in a
small file per service in the user cache directory, in a folder keyed by the botocore and
boto3 versions. When the cache cannot be read or written the index lives in memory only.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

FORMAT = 1
"""Version of the cached index layout; bump when it changes."""
CACHE_PREFIX = "sdkmodels-"
EMPTY: Mapping[str, Any] = {}
_SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]*")


@cache
def _package_dir(package: str) -> Path | None:
    from importlib.util import find_spec

    try:
        spec = find_spec(package)
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / "data").is_dir():
            return Path(folder)
    return None


def botocore_data() -> Path | None:
    """botocore's data folder (service, paginator and waiter models)."""
    base = _package_dir("botocore")
    return base / "data" if base else None


def boto3_data() -> Path | None:
    """boto3's data folder (resource models)."""
    base = _package_dir("boto3")
    return base / "data" if base else None


def _version(package: str) -> str:
    base = _package_dir(package)
    try:
        text = (base / "__init__.py").read_text(encoding="utf-8") if base else ""
    except OSError:
        return "unknown"
    found = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", text)
    return found.group(1) if found else "unknown"


# --- the files --------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    raw = path.read_bytes()
    return json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)


def model_file(base: Path | None, service: str, kind: str) -> Path | None:
    """The ``kind`` file (``service-2``, ``waiters-2``, ``resources-1``) of the latest API
    version of ``service`` that has one, plain or gzipped."""
    if base is None or not _SERVICE_NAME.fullmatch(service):
        return None
    folder = base / service
    try:
        versions = sorted((p for p in folder.iterdir() if p.is_dir()), reverse=True)
    except OSError:
        return None
    for version in versions:
        for name in (f"{kind}.json", f"{kind}.json.gz"):
            if (version / name).is_file():
                return version / name
    return None


def load_model(service: str, kind: str) -> Mapping[str, Any]:
    """One model file as data (botocore's ``sdk-extras`` merged in), or EMPTY."""
    base = boto3_data() if kind == "resources-1" else botocore_data()
    path = model_file(base, service, kind)
    if path is None:
        return EMPTY
    try:
        data = _read_json(path)
        extras = path.parent / f"{kind}.sdk-extras.json"
        if isinstance(data, dict) and extras.is_file():
            merge = _read_json(extras).get("merge")
            if isinstance(merge, Mapping):
                _merge(data, merge)
    except (OSError, ValueError, EOFError, AttributeError):
        return EMPTY
    return data if isinstance(data, Mapping) else EMPTY


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


@cache
def resources(service: str) -> Mapping[str, Any]:
    """boto3's resource model of ``service`` (``{"service": ..., "resources": ...}``)."""
    return load_model(service, "resources-1")


# --- the index ----------------------------------------------------------------------------


class _Index:
    """What a scan needs of each service model, cached across runs: one small file per
    service (a scan reads only the services its code uses) and one for the list of
    services, in a folder per botocore and boto3 installation."""

    def __init__(self) -> None:
        self.key = f"{FORMAT}:{botocore_data()}:{_version('botocore')}:{boto3_data()}:" \
                   f"{_version('boto3')}"
        self.folder = _cache_folder(self.key)
        self._services: list[str] | None = None
        self._entries: dict[str, Mapping[str, Any]] = {}

    def _read(self, name: str) -> dict[str, Any] | None:
        if self.folder is None:
            return None
        try:
            with (self.folder / f"{name}.json").open("rb") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            return None  # missing or damaged: built again
        return data if isinstance(data, dict) and data.get("key") == self.key else None

    def _write(self, name: str, data: dict[str, Any]) -> None:
        import tempfile

        if self.folder is None:
            return
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=self.folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"key": self.key, **data}, handle, separators=(",", ":"))
            os.replace(tmp, self.folder / f"{name}.json")  # atomic for a concurrent reader
        except OSError:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def services(self) -> list[str]:
        if self._services is None:
            data = self._read("_services")  # "_" starts no service name
            found = data.get("services") if data else None
            if not (isinstance(found, list) and all(isinstance(s, str) for s in found)):
                found = _list_services()
                self._write("_services", {"services": found})
            self._services = found
        return self._services

    def entry(self, service: str) -> Mapping[str, Any]:
        known = self._entries.get(service)
        if known is not None:
            return known
        named = _SERVICE_NAME.fullmatch(service) is not None  # safe as a file name
        data = self._read(service) if named else None
        cached = data.get("entry") if data else None
        entry: Mapping[str, Any]
        if _valid_entry(cached):
            entry = cached
        else:
            entry = _build_entry(service)
            if named:
                self._write(service, {"entry": entry})
        self._entries[service] = entry
        return entry


def _cache_folder(key: str) -> Path | None:
    from faasguard.iamdb import default_cache_dir

    folder = default_cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return folder / f"{CACHE_PREFIX}{digest}"


def _list_services() -> list[str]:
    base = botocore_data()
    if base is None:
        return []
    try:
        folders = sorted(p for p in base.iterdir() if p.is_dir())
    except OSError:
        return []
    return [p.name for p in folders if model_file(base, p.name, "service-2") is not None]


def _valid_entry(entry: Any) -> TypeGuard[dict[str, Any]]:
    return (isinstance(entry, dict) and isinstance(entry.get("ops"), dict)
            and isinstance(entry.get("waiters"), dict) and isinstance(entry.get("shapes"), dict)
            and isinstance(entry.get("names"), dict)
            and isinstance(entry.get("prefix"), str | None))


def _build_entry(service: str) -> dict[str, Any]:
    from botocore import xform_name  # the SDK's own naming rule; only when building

    model = load_model(service, "service-2")
    meta = model.get("metadata", EMPTY)
    prefix = meta.get("signingName") or meta.get("endpointPrefix") \
        if isinstance(meta, Mapping) else None
    ops = {str(xform_name(op)): op for op in model.get("operations", EMPTY)}
    waiters = {name: spec.get("operation")
               for name, spec in load_model(service, "waiters-2").get("waiters", EMPTY).items()
               if isinstance(spec, Mapping) and isinstance(spec.get("operation"), str)}
    boto = resources(service)
    names = {name: str(xform_name(name)) for name in sorted(set(_camel_names(boto)))}
    names.update({name: str(xform_name(name)) for name in waiters})
    shapes: dict[str, list[str]] = {}
    all_shapes = model.get("shapes", EMPTY)
    for spec in boto.get("resources", EMPTY).values():
        shape = spec.get("shape") if isinstance(spec, Mapping) else None
        if isinstance(shape, str) and isinstance(all_shapes.get(shape), Mapping):
            members = all_shapes[shape].get("members", EMPTY)
            shapes[shape] = sorted(str(xform_name(m)) for m in members)
    return {"prefix": prefix if isinstance(prefix, str) else None, "ops": ops,
            "waiters": waiters, "shapes": shapes, "names": names}


def _camel_names(value: Any) -> Iterator[str]:
    """Every CamelCase key and value of a resource model: the names boto3 turns into
    Python attribute and method names."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and _CAMEL.fullmatch(key):
                yield key
            yield from _camel_names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _camel_names(item)
    elif isinstance(value, str) and _CAMEL.fullmatch(value):
        yield value


@cache
def _index() -> _Index:
    return _Index()


# --- lookups --------------------------------------------------------------------------------


@cache
def services() -> frozenset[str]:
    """botocore's services that have a service model."""
    return frozenset(_index().services())


def _entry(service: str) -> Mapping[str, Any]:
    if service not in services():
        return EMPTY
    return _index().entry(service)


@cache
def operations(service: str) -> Mapping[str, str]:
    """Client method name -> operation name (``list_objects_v2`` -> ``ListObjectsV2``)."""
    return dict(_entry(service).get("ops", EMPTY))


@cache
def waiter_operations(service: str) -> Mapping[str, str]:
    """Waiter name as botocore spells it (``TableExists``) -> the operation it polls."""
    return dict(_entry(service).get("waiters", EMPTY))


def iam_prefix(service: str) -> str | None:
    """The service's signing name (its IAM prefix, mostly), from the model."""
    prefix = _entry(service).get("prefix")
    return prefix if isinstance(prefix, str) else None


def names(service: str) -> Mapping[str, str]:
    """CamelCase names of the service's resource and waiter models -> snake case."""
    found = _entry(service).get("names", EMPTY)
    return found if isinstance(found, Mapping) else EMPTY


def shape_members(service: str, shape: str) -> frozenset[str] | None:
    """Snake-case member names of one shape boto3's resources load; None when the
    index does not hold the shape."""
    found = _entry(service).get("shapes", EMPTY).get(shape)
    return frozenset(found) if isinstance(found, list) else None
