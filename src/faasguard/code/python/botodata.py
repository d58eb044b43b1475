"""The AWS SDK's own models, read as data: botocore's service and waiter models and
boto3's resource models (through :mod:`faasguard.code.sdkmodels`, which reads the files
and keeps a small cached index). Only the services the scanned code uses are read;
nothing of boto3 or botocore is imported or run."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from faasguard.code import sdkmodels

EMPTY: Mapping[str, Any] = {}


@functools.cache
def xform_name(name: str, service: str = "") -> str:
    """botocore's operation name -> Python method name (``ListObjectsV2`` ->
    ``list_objects_v2``): from the service's index when it holds the name, else by
    botocore's own rule."""
    known = sdkmodels.names(service).get(name) if service else None
    if isinstance(known, str):
        return known
    from botocore import xform_name as xform

    return str(xform(name))


def services() -> frozenset[str]:
    return sdkmodels.services()


def operations(service: str) -> Mapping[str, str]:
    """Client method name -> operation name."""
    return sdkmodels.operations(service)


@functools.cache
def waiters(service: str) -> Mapping[str, str]:
    """Waiter name (snake case as ``get_waiter`` takes it, and PascalCase as the resource
    models write it) -> the operation it polls."""
    found: dict[str, str] = {}
    for name, op in sdkmodels.waiter_operations(service).items():
        found[xform_name(name, service)] = op
        found[name] = op
    return found


def resources(service: str) -> Mapping[str, Any]:
    """boto3's resource model of ``service`` (``{"service": ..., "resources": ...}``)."""
    if service not in services():
        return EMPTY
    return sdkmodels.resources(service)


@functools.cache
def shape_attributes(service: str, shape: str) -> frozenset[str]:
    """Snake-case member names of a shape: the attributes a resource loads on access."""
    found = sdkmodels.shape_members(service, shape)
    if found is not None:
        return found
    shapes = sdkmodels.load_model(service, "service-2").get("shapes", EMPTY)
    members = shapes.get(shape, EMPTY).get("members", EMPTY)
    return frozenset(xform_name(m) for m in members)
