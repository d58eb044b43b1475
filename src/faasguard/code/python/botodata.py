"""The AWS SDK's own models, read as data: botocore's service, paginator and waiter
models and boto3's resource models. Each file is loaded once, only for the services the
scanned code uses; nothing of boto3 is imported or run."""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

EMPTY: Mapping[str, Any] = {}


@functools.cache
def _loader() -> Any:
    from botocore.loaders import Loader

    paths: list[str] = []
    spec = importlib.util.find_spec("boto3")
    if spec is not None and spec.submodule_search_locations:
        paths = [str(Path(p) / "data") for p in spec.submodule_search_locations]
    return Loader(extra_search_paths=paths)


def xform_name(name: str) -> str:
    """botocore's operation name -> Python method name (``ListObjectsV2`` ->
    ``list_objects_v2``)."""
    from botocore import xform_name as xform

    return str(xform(name))


@functools.cache
def services() -> frozenset[str]:
    return frozenset(_loader().list_available_services("service-2"))


@functools.cache
def _model(service: str, kind: str) -> Mapping[str, Any]:
    if service not in services():
        return EMPTY
    try:
        data = _loader().load_service_model(service, kind)
    except Exception:  # botocore's DataNotFoundError and unreadable files alike
        return EMPTY
    return data if isinstance(data, Mapping) else EMPTY


@functools.cache
def operations(service: str) -> Mapping[str, str]:
    """Client method name -> operation name."""
    ops = _model(service, "service-2").get("operations", EMPTY)
    return {xform_name(op): op for op in ops}


@functools.cache
def waiters(service: str) -> Mapping[str, str]:
    """Waiter name (snake case as ``get_waiter`` takes it, and PascalCase as the resource
    models write it) -> the operation it polls."""
    found: dict[str, str] = {}
    for name, spec in _model(service, "waiters-2").get("waiters", EMPTY).items():
        op = spec.get("operation") if isinstance(spec, Mapping) else None
        if isinstance(op, str):
            found[xform_name(name)] = op
            found[name] = op
    return found


def resources(service: str) -> Mapping[str, Any]:
    """boto3's resource model of ``service`` (``{"service": ..., "resources": ...}``)."""
    return _model(service, "resources-1")


@functools.cache
def shape_attributes(service: str, shape: str) -> frozenset[str]:
    """Snake-case member names of a shape: the attributes a resource loads on access."""
    shapes = _model(service, "service-2").get("shapes", EMPTY)
    members = shapes.get(shape, EMPTY).get("members", EMPTY)
    return frozenset(xform_name(m) for m in members)
