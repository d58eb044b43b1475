"""What boto3 offers, as the Python front end models it: the abstract values the
interpreter in ``sdk`` tracks (clients, resources, strings from the environment, project
modules and functions), the SDK's import surface, and the tables for what boto3 adds on
top of botocore (the S3 transfer helpers, injected loads)."""

from __future__ import annotations

import ast
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.code.facts import Target
from faasguard.code.python import botodata
from faasguard.model import Unresolved

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

EXPR_CHARS = 160
"""Longest expression text kept in an ``Unresolved``."""
# request parameters that name the resource an operation acts on
TARGET_SUFFIXES = ("Name", "Arn", "ARN", "Url", "Id", "Identifier")
TARGET_NAMES = frozenset({"Bucket", "Key"})
NOT_TARGETS = frozenset({"VersionId", "UploadId", "MessageDeduplicationId", "MessageGroupId",
                         "ClientRequestToken", "IdempotencyToken", "RequestId", "TraceId", "Id",
                         "ExpectedBucketOwner", "SSEKMSKeyId", "ContentId"})
# request members that hold further resource names (and nothing of the caller's data)
CONTAINERS = frozenset({"RequestItems", "TransactItems", "Put", "Update", "Delete",
                        "ConditionCheck", "Get", "Entries", "Statements", "TransactStatements"})
# s3transfer does these operations for the managed transfer helpers boto3 injects
UPLOAD = ("PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload",
          "AbortMultipartUpload")
DOWNLOAD = ("HeadObject", "GetObject")
COPY = ("HeadObject", "CopyObject", "CreateMultipartUpload", "UploadPartCopy",
        "CompleteMultipartUpload", "AbortMultipartUpload")
# method -> (operations, positional parameter names) on the S3 client
TRANSFER = {
    "upload_file": (UPLOAD, ("Filename", "Bucket", "Key", "ExtraArgs")),
    "upload_fileobj": (UPLOAD, ("Fileobj", "Bucket", "Key", "ExtraArgs")),
    "download_file": (DOWNLOAD, ("Bucket", "Key", "Filename", "ExtraArgs")),
    "download_fileobj": (DOWNLOAD, ("Bucket", "Key", "Fileobj", "ExtraArgs")),
    "copy": (COPY, ("CopySource", "Bucket", "Key", "ExtraArgs")),
}
# the same helpers on Bucket and Object resources: positional names after the ids
RESOURCE_TRANSFER: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "Bucket": {"upload_file": ("Filename", "Key", "ExtraArgs"),
               "upload_fileobj": ("Fileobj", "Key", "ExtraArgs"),
               "download_file": ("Key", "Filename", "ExtraArgs"),
               "download_fileobj": ("Key", "Fileobj", "ExtraArgs"),
               "copy": ("CopySource", "Key", "ExtraArgs")},
    "Object": {"upload_file": ("Filename", "ExtraArgs"),
               "upload_fileobj": ("Fileobj", "ExtraArgs"),
               "download_file": ("Filename", "ExtraArgs"),
               "download_fileobj": ("Fileobj", "ExtraArgs"),
               "copy": ("CopySource", "ExtraArgs")},
}
# load() that boto3 injects where the resource model has none
INJECTED_LOAD: Mapping[tuple[str, str], tuple[str, tuple[tuple[str, str], ...]]] = {
    ("s3", "Bucket"): ("ListBuckets", ()),
    ("s3", "ObjectSummary"): ("HeadObject", (("Bucket", "BucketName"), ("Key", "Key"))),
}


# --- abstract values ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Str:
    """A string the code computes: literal, from the environment, or unresolved."""

    value: Any
    env_var: str | None = None
    param: str | None = None
    """For a resource identifier taken from a request (``get_queue_by_name(QueueName=)``):
    the parameter that names it."""


@dataclass(frozen=True, slots=True)
class Sdk:
    """boto3 (or aioboto3), its session module, botocore's session module."""

    name: str


@dataclass(frozen=True, slots=True)
class Factory:
    kind: str
    """"client", "resource", "session", "create_client" (botocore), "get_session"."""


@dataclass(frozen=True, slots=True)
class Session:
    botocore: bool = False


@dataclass(frozen=True, slots=True)
class Client:
    service: str


Ids = tuple[tuple[str, Str], ...]


@dataclass(frozen=True, slots=True)
class Res:
    service: str
    rtype: str | None
    """None for the service resource (``boto3.resource("s3")``)."""
    ids: Ids = ()
    data: bool = False
    """True when it came with its attributes (a collection item, an action's result),
    so reading them makes no ``load`` call."""


@dataclass(frozen=True, slots=True)
class Meta:
    service: str


@dataclass(frozen=True, slots=True)
class Coll:
    owner: Res
    name: str
    filters: Ids = ()


@dataclass(frozen=True, slots=True)
class Paginator:
    service: str
    operation: str


@dataclass(frozen=True, slots=True)
class Waiter:
    service: str
    operation: str


@dataclass(frozen=True, slots=True)
class BatchWriter:
    table: Res


@dataclass(frozen=True, slots=True)
class Os:
    what: str
    """"os", "environ", "getenv"."""


FuncKey = tuple[Path, str]


@dataclass(frozen=True, slots=True)
class ModuleVal:
    path: Path


@dataclass(frozen=True, slots=True)
class Namespace:
    """A package directory without ``__init__.py`` (``import handlers.orders``)."""

    name: str


@dataclass(frozen=True, slots=True)
class FuncVal:
    key: FuncKey
    bound: bool = False
    """Called through an instance: the first parameter is ``self``."""
    receiver: FuncKey | None = None
    """The class of that instance (a subclass, when the method is inherited)."""


@dataclass(frozen=True, slots=True)
class Bound:
    """A method of an SDK object taken without calling it (``getattr(client, "x")``)."""

    owner: Any
    name: str


@dataclass(frozen=True, slots=True)
class ClassVal:
    key: FuncKey


@dataclass(frozen=True, slots=True)
class Instance:
    key: FuncKey


Vals = frozenset[Any]
NOTHING: Vals = frozenset()


# --- the SDK's import surface ---------------------------------------------------------

SDK_MODULES: Mapping[str, Any] = {
    "boto3": Sdk("boto3"), "aioboto3": Sdk("boto3"), "botocore": Sdk("botocore"),
    "os": Os("os"),
}
SDK_FROM: Mapping[tuple[str, str], Any] = {
    ("boto3", "client"): Factory("client"),
    ("boto3", "resource"): Factory("resource"),
    ("boto3", "Session"): Factory("session"),
    ("boto3", "session"): Sdk("boto3.session"),
    ("boto3.session", "Session"): Factory("session"),
    ("aioboto3", "Session"): Factory("session"),
    ("botocore", "session"): Sdk("botocore.session"),
    ("botocore.session", "get_session"): Factory("get_session"),
    ("botocore.session", "Session"): Factory("get_session"),
    ("os", "environ"): Os("environ"),
    ("os", "getenv"): Os("getenv"),
}
CLIENT_HELPERS = frozenset({"can_paginate", "close", "exceptions", "meta",
                            "get_available_subresources"})


def sdk_attribute(owner: Sdk, name: str) -> Vals:
    if owner.name == "boto3":
        if name in ("client", "resource"):
            return frozenset({Factory(name)})
        if name == "Session":
            return frozenset({Factory("session")})
        if name == "session":
            return frozenset({Sdk("boto3.session")})
    if owner.name == "botocore" and name == "session":
        return frozenset({Sdk("botocore.session")})
    if owner.name == "boto3.session" and name == "Session":
        return frozenset({Factory("session")})
    if owner.name == "botocore.session" and name in ("get_session", "Session"):
        return frozenset({Factory("get_session")})
    return NOTHING


def client_has(client: Client, name: str) -> bool:
    return (name in botodata.operations(client.service) or name in CLIENT_HELPERS
            or name in ("get_paginator", "get_waiter", "generate_presigned_url")
            or (client.service == "s3" and (name in TRANSFER
                                            or name == "generate_presigned_post")))


def resource_models(service: str) -> Mapping[str, Any]:
    data = botodata.resources(service).get("resources", {})
    return data if isinstance(data, Mapping) else {}


def resource_spec(res: Res) -> Mapping[str, Any]:
    if res.rtype is not None:
        spec = resource_models(res.service).get(res.rtype, {})
        return spec if isinstance(spec, Mapping) else {}
    service = dict(botodata.resources(res.service).get("service", {}))
    # boto3 gives the service resource a constructor for every resource type
    has = dict(service.get("has", {}))
    for name, spec in resource_models(res.service).items():
        if name not in has:
            has[name] = {"resource": {"type": name, "identifiers": [
                {"target": i.get("name"), "source": "input"}
                for i in spec.get("identifiers", ())]}}
    service["has"] = has
    return service


def needs_data(has: Mapping[str, Any]) -> bool:
    return any(i.get("source") == "data" for i in has.get("resource", {}).get("identifiers", ()))


def is_target_param(name: str) -> bool:
    """Request parameters that name the resource acted on (PascalCase, as in the API)."""
    return name not in NOT_TARGETS and (name in TARGET_NAMES or
                                         name.endswith(TARGET_SUFFIXES))


def make_target(value: Str, param: str) -> Target:
    return Target(value.value, value.param or param, value.env_var)


def one_str(vals: Vals, node: ast.AST | None) -> Str:
    strs = [v for v in vals if isinstance(v, Str)]
    if len(strs) == 1:
        return strs[0]
    expr = unparse(node) if isinstance(node, ast.expr) else "<argument>"
    return Str(Unresolved(expr, "not resolved from the code" if not strs
                          else "one of several values"))


_UNPARSED: weakref.WeakKeyDictionary[ast.AST, str] = weakref.WeakKeyDictionary()
"""Source text per node: the SDK pass renders the same arguments every round and for
every function that reaches a shared module."""


def unparse(node: ast.AST) -> str:
    found = _UNPARSED.get(node)
    if found is None:
        found = _unparse(node)
        _UNPARSED[node] = found
    return found


def _unparse(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError, AttributeError):
        return "<expression>"
    return text if len(text) <= EXPR_CHARS else text[: EXPR_CHARS - 3] + "..."
