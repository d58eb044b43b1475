"""AWS SDK calls in JavaScript/TypeScript modules -> ``SdkCall``.

Covers aws-sdk v2 (``new AWS.S3()``, ``aws-sdk/clients/s3``, ``DocumentClient``, callbacks
and ``.promise()`` alike since the call itself names the operation, ``upload``,
``getSignedUrl``, ``waitFor``) and v3 (``new XCommand(...)`` from ``@aws-sdk/client-*``
and ``@aws-sdk/lib-dynamodb``, aggregated clients ``new S3().getObject()``,
``DynamoDBDocument``, paginators, waiters, ``lib-storage`` ``Upload``, presigners).
Client objects are tracked per module by the name they are bound to (``s3``,
``this.db``), flow-insensitively: a name bound to a client anywhere in a file is that
client everywhere in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from faasguard.code.facts import SdkCall, Target, Unknown
from faasguard.code.js import services
from faasguard.code.js.names import callee_name, method_name, qualify, receiver
from faasguard.code.js.parse import (
    arguments,
    object_properties,
    property_name,
    string_value,
    text,
    unwrap,
)
from faasguard.code.js.project import JsProject, Module, pattern_names
from faasguard.model.values import Unresolved

if TYPE_CHECKING:
    from dataclasses import dataclass

    from tree_sitter import Node
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

TARGET_PARAMS = (
    "Bucket", "TableName", "QueueUrl", "FunctionName", "TopicArn", "TargetArn",
    "StateMachineArn", "SecretId", "KeyId", "StreamName", "StreamARN",
    "DeliveryStreamName", "LogGroupName", "EventBusName", "UserPoolId", "IdentityPoolId",
    "ResourceArn", "resourceArn", "secretArn", "Name", "Names", "Key",
)
"""Request parameters that name the resource acted on (``Key`` scopes S3 objects;
``Name``/``Names`` are read for SSM only)."""
NAME_SERVICES = frozenset({"ssm"})
PERMISSION_PARAMS = ("VersionId", "SSEKMSKeyId", "ServerSideEncryption", "CopySource",
                     "KMSKeyId", "SSECustomerKey", "ACL", "Tagging")
"""Literal parameters that change the permission a call needs."""
TRANSFER_OPERATIONS = ("PutObject", "CreateMultipartUpload", "UploadPart",
                       "CompleteMultipartUpload", "AbortMultipartUpload")
NOT_OPERATIONS = frozenset({
    "promise", "send", "on", "once", "destroy", "config", "makeRequest",
    "makeUnauthenticatedRequest", "createPresignedPost", "getSignedUrl",
    "getSignedUrlPromise", "upload", "waitFor", "createSet", "setupRequestListeners",
    "middlewareStack", "then", "catch", "finally", "constructor", "toString",
})
MAX_DEPTH = 6


@dataclass(frozen=True, slots=True)
class Client:
    service: str
    document: bool = False
    """A DynamoDB document client (method names ``put``/``get``...)."""
    commands_only: bool = False
    """A v3 bare client: operations come from ``send(new XCommand())``."""


class SdkFinder:
    """Finds the SDK calls of one module; ``environment`` is the function's."""

    def __init__(self, project: JsProject, module: Module,
                 environment: Mapping[str, Any]) -> None:
        self.project = project
        self.module = module
        self.environment = environment
        self.calls: list[SdkCall] = []
        self.unknowns: list[Unknown] = []
        self.env_aliases = env_aliases(module)
        self.clients: dict[str, Client] = {}
        self.scans: list[tuple[Node, Module, bool]] = []
        """DynamoDB Scan calls and whether they pass ``Limit``."""

    def run(self) -> None:
        self._bind_clients()
        for node in self.module.nodes:
            if node.type == "new_expression":
                self._new(node)
            elif node.type == "call_expression":
                self._call(node)

    # --- clients ---------------------------------------------------------------------

    def _bind_clients(self) -> None:
        for node in self.module.nodes:
            if node.type == "variable_declarator":
                left, right = node.child_by_field_name("name"), node.child_by_field_name(
                    "value")
            elif node.type in ("assignment_expression", "public_field_definition",
                               "field_definition"):
                left = (node.child_by_field_name("left") or node.child_by_field_name(
                    "property") or node.child_by_field_name("name"))
                right = node.child_by_field_name("right") or node.child_by_field_name(
                    "value")
            else:
                continue
            if left is None or right is None:
                continue
            client = self.client_of(right)
            if client is not None:
                name = text(left)
                self.clients[name] = client
                if node.type != "variable_declarator":
                    self.clients[f"this.{name}"] = client

    def client_of(self, node: Node | None, depth: int = 0) -> Client | None:
        node = unwrap(node)
        if node is None or depth > MAX_DEPTH:
            return None
        if node.type == "new_expression":
            return self._constructed(node)
        if node.type == "call_expression":  # DynamoDBDocumentClient.from(...), AWSXRay
            name = callee_name(self.module, node) or ""
            if name.endswith((".DynamoDBDocumentClient.from", ".DynamoDBDocument.from")) \
                    and name.startswith("@aws-sdk/lib-dynamodb"):
                return Client("dynamodb", document=True,
                              commands_only=name.endswith("Client.from"))
            if name.endswith(("captureAWSv3Client", "captureAWSClient")):
                args = arguments(node)
                return self.client_of(args[0], depth + 1) if args else None
            return None
        if node.type in ("identifier", "member_expression"):
            key = text(node)
            if key in self.clients:
                return self.clients[key]
            value = self.module.values.get(key)
            if value is not None and value is not node:
                return self.client_of(value, depth + 1)
        return None

    def _constructed(self, node: Node) -> Client | None:
        constructor = unwrap(node.child_by_field_name("constructor"))
        name = callee_name(self.module, node)
        if name is None:
            if constructor is not None and constructor.type == "subscript_expression" \
                    and (qualify(self.module, constructor.child_by_field_name("object"))
                         or "").startswith("aws-sdk"):
                self.unknowns.append(Unknown(self.module.loc(node), "dynamic client name"))
            return None
        if name.startswith("aws-sdk/clients/"):
            rest = name[len("aws-sdk/clients/"):]
            base, _, member = rest.partition(".")
            if member == "DocumentClient":
                return Client("dynamodb", document=True)
            service = services.service_of_v2_module(base)
            return Client(service) if service and not member else None
        if name.startswith("aws-sdk."):
            parts = name.split(".")[1:]
            if parts == ["DynamoDB", "DocumentClient"]:
                return Client("dynamodb", document=True)
            v2_service = services.service_of_v2_class(parts[0]) if len(parts) == 1 else None
            return Client(v2_service) if v2_service else None
        if name.startswith("@aws-sdk/client-") and "." in name:
            package, _, cls = name.partition(".")
            v3_service = services.service_of_v3_package(package)
            if v3_service is None:
                return None
            return Client(v3_service, commands_only=cls.endswith("Client"))
        return None

    # --- calls -----------------------------------------------------------------------

    def _new(self, node: Node) -> None:
        name = callee_name(self.module, node) or ""
        args = arguments(node)
        package, _, cls = name.partition(".")
        if package == "@aws-sdk/lib-storage" and cls == "Upload":
            options = object_properties(self._object(args[0] if args else None))
            params = options.get("params")
            for operation in TRANSFER_OPERATIONS:
                self._add("s3", operation, node, params, "transfer")
            return
        if not cls.endswith("Command") or cls == "Command":
            return
        operation = cls[: -len("Command")]
        if package == "@aws-sdk/lib-dynamodb":
            service = "dynamodb"
            operation = services.document_operation(
                operation[:1].lower() + operation[1:]) or operation
        else:
            found = services.service_of_v3_package(package)
            if found is None:
                return
            service = found
        via = "presign" if self._presigned(node) else "command"
        self._add(service, operation, node, args[0] if args else None, via)

    def _presigned(self, node: Node) -> bool:
        parent = node.parent
        call = parent.parent if parent is not None and parent.type == "arguments" else None
        if call is None or call.type != "call_expression":
            return False
        return (callee_name(self.module, call) or "").endswith(".getSignedUrl")

    def _call(self, node: Node) -> None:
        name = callee_name(self.module, node) or ""
        args = arguments(node)
        package, _, function = name.partition(".")
        if package.startswith("@aws-sdk/client-") and function:
            service = services.service_of_v3_package(package)
            if service is not None:
                self._helper(service, function, node, args)
            return
        if name == "@aws-sdk/s3-presigned-post.createPresignedPost":
            self._add("s3", "PutObject", node, args[1] if len(args) > 1 else None, "presign")
            return
        callee = unwrap(node.child_by_field_name("function"))
        if callee is None or callee.type not in ("member_expression", "subscript_expression"):
            return
        client = self.client_of(receiver(node) if callee.type == "member_expression"
                                else callee.child_by_field_name("object"))
        if client is None:
            return
        if callee.type == "subscript_expression":
            index = string_value(callee.child_by_field_name("index"))
            if index is None:
                self.unknowns.append(Unknown(self.module.loc(node),
                                             "operation name from a variable"))
                return
            method = index
        else:
            method = method_name(node) or ""
        params = args[0] if args else None
        if method in ("getSignedUrl", "getSignedUrlPromise") and args:
            operation = string_value(args[0])
            if operation is None:
                self.unknowns.append(Unknown(self.module.loc(node),
                                             "presigned operation from a variable"))
                return
            self._add(client.service, services.operation_of_method(operation), node,
                      args[1] if len(args) > 1 else None, "presign")
        elif method == "createPresignedPost" and client.service == "s3":
            self._add("s3", "PutObject", node, params, "presign")
        elif method == "upload" and client.service == "s3":
            for operation in TRANSFER_OPERATIONS:
                self._add("s3", operation, node, params, "transfer")
        elif method == "waitFor" and args:
            state = string_value(args[0])
            waiter = services.waiter_operation(client.service,
                                               services.operation_of_method(state or ""))
            if waiter is None:
                self.unknowns.append(Unknown(self.module.loc(node), "unknown waiter"))
                return
            self._add(client.service, waiter, node, args[1] if len(args) > 1 else None,
                      "waiter")
        elif method in NOT_OPERATIONS or client.commands_only:
            return
        elif client.document:
            operation = services.document_operation(method)
            if operation is not None:
                self._add("dynamodb", operation, node, params, "client")
        elif method[:1].islower():
            self._add(client.service, services.operation_of_method(method), node, params,
                      "client")

    def _helper(self, service: str, function: str, node: Node, args: list[Node]) -> None:
        params = args[1] if len(args) > 1 else None
        if function.startswith("paginate") and len(function) > len("paginate"):
            self._add(service, function[len("paginate"):], node, params, "paginator")
        elif function.startswith(("waitUntil", "waitFor")):
            waiter = function.removeprefix("waitUntil").removeprefix("waitFor")
            operation = services.waiter_operation(service, waiter)
            if operation is None:
                self.unknowns.append(Unknown(self.module.loc(node), f"unknown waiter {waiter}"))
                return
            self._add(service, operation, node, params, "waiter")

    # --- parameters ------------------------------------------------------------------

    def _object(self, node: Node | None, depth: int = 0) -> Node | None:
        node = unwrap(node)
        while node is not None and node.type == "identifier" and depth < MAX_DEPTH:
            value = self.module.values.get(text(node))
            if value is None:
                return None
            node, depth = unwrap(value), depth + 1
        return node

    def _add(self, service: str, operation: str, node: Node, params: Node | None,
             via: str) -> None:
        props = object_properties(self._object(params))
        targets: list[Target] = []
        for key in TARGET_PARAMS:
            if key not in props or (key in ("Name", "Names") and service not in NAME_SERVICES):
                continue
            for value in self._values(props[key]):
                targets.append(Target(value, key, env_var_of(self, props[key])))
        for key in ("RequestItems", "TransactItems"):
            if key in props:
                targets.extend(self._nested_tables(props[key]))
        literal = {key: self.value(props[key]) for key in PERMISSION_PARAMS if key in props}
        if service == "dynamodb" and operation == "Scan":
            self.scans.append((node, self.module, "Limit" in props))
        self.calls.append(SdkCall(service, operation, self.module.loc(node), "javascript",
                                  tuple(targets), via, literal))

    def _values(self, node: Node | None) -> list[Any]:
        node = unwrap(node)
        if node is not None and node.type == "array":
            return [self.value(item) for item in node.named_children]
        return [self.value(node)]

    def _nested_tables(self, node: Node | None) -> list[Target]:
        node = self._object(node)
        found: list[Target] = []
        if node is None:
            return found
        if node.type == "object":  # RequestItems: { [TABLE]: [...], "orders": [...] }
            for pair in node.named_children:
                if pair.type != "pair":
                    continue
                key = pair.child_by_field_name("key")
                if key is None:
                    continue
                if key.type == "computed_property_name":
                    inner = key.named_children[0] if key.named_children else None
                    found.append(Target(self.value(inner), "TableName",
                                        env_var_of(self, inner)))
                else:
                    found.append(Target(property_name(key), "TableName"))
        elif node.type == "array":  # TransactItems: [{ Put: { TableName } }]
            for item in node.named_children:
                for action in object_properties(item).values():
                    table = object_properties(self._object(action)).get("TableName")
                    if table is not None:
                        found.append(Target(self.value(table), "TableName",
                                            env_var_of(self, table)))
        return found

    def value(self, node: Node | None, depth: int = 0) -> Any:
        """A parameter's value: a literal, the function's environment value for
        ``process.env.X``, or ``Unresolved``."""
        node = unwrap(node)
        if node is None:
            return Unresolved("", "missing")
        literal = string_value(node)
        if literal is not None:
            return literal
        variable = env_var_of(self, node)
        if variable is not None:
            if variable in self.environment:
                return self.environment[variable]
            return Unresolved(f"process.env.{variable}", "not in the function's environment")
        if depth < MAX_DEPTH and node.type == "identifier":
            name = text(node)
            if name in self.module.values:
                return self.value(self.module.values[name], depth + 1)
            imported = self._imported_value(name, depth)
            if imported is not None:
                return imported
        if depth < MAX_DEPTH and node.type == "binary_expression" and \
                text(node.child_by_field_name("operator")) in ("||", "??"):
            return self.value(node.child_by_field_name("left"), depth + 1)
        if depth < MAX_DEPTH and node.type == "template_string":
            parts: list[str] = []
            for child in node.named_children:
                if child.type == "template_substitution":
                    inner = self.value(child.named_children[0] if child.named_children
                                       else None, depth + 1)
                    if not isinstance(inner, str):
                        return Unresolved(text(node), "built at run time")
                    parts.append(inner)
                else:
                    parts.append(text(child))
            return "".join(parts)
        return Unresolved(text(node)[:200], "computed at run time")

    def _imported_value(self, name: str, depth: int) -> Any:
        imp = self.module.imports.get(name)
        if imp is None or imp.name is None:
            return None
        path = self.project.resolve(self.module.path, imp.spec)
        other = self.project.module(path) if path else None
        if other is None or imp.name not in other.exports:
            return None
        finder = SdkFinder(self.project, other, self.environment)
        return finder.value(other.exports[imp.name], depth + 1)


def env_aliases(module: Module) -> dict[str, str]:
    """Local names bound by ``const { TABLE, B: bucket } = process.env``."""
    aliases: dict[str, str] = {}
    for node in module.nodes:
        if node.type != "variable_declarator":
            continue
        name, value = node.child_by_field_name("name"), unwrap(node.child_by_field_name(
            "value"))
        if name is not None and name.type == "object_pattern" and value is not None \
                and text(value) == "process.env":
            for key, local in pattern_names(name):
                aliases[local] = key
    return aliases


def env_var_of(finder: SdkFinder, node: Node | None, depth: int = 0) -> str | None:
    """``X`` when ``node`` reads ``process.env.X`` (directly, through a destructured or
    ``const`` alias, or as the left of ``|| default``)."""
    node = unwrap(node)
    if node is None or depth > MAX_DEPTH:
        return None
    if node.type in ("member_expression", "subscript_expression"):
        obj = unwrap(node.child_by_field_name("object"))
        if obj is not None and text(obj) == "process.env":
            if node.type == "member_expression":
                return text(node.child_by_field_name("property"))
            return string_value(node.child_by_field_name("index"))
        return None
    if node.type == "identifier":
        name = text(node)
        if name in finder.env_aliases:
            return finder.env_aliases[name]
        value = finder.module.values.get(name)
        return env_var_of(finder, value, depth + 1) if value is not None else None
    if node.type == "binary_expression" and text(node.child_by_field_name("operator")) in (
            "||", "??"):
        return env_var_of(finder, node.child_by_field_name("left"), depth + 1)
    return None


@dataclass(slots=True)
class SdkResult:
    calls: list[SdkCall]
    unknowns: list[Unknown]
    scans: list[tuple[Node, Module, bool]]


def find_calls(project: JsProject, modules: list[Module],
               environment: Mapping[str, Any]) -> SdkResult:
    result = SdkResult([], [], [])
    for module in modules:
        finder = SdkFinder(project, module, environment)
        finder.run()
        result.calls += finder.calls
        result.unknowns += finder.unknowns
        result.scans += finder.scans
    return result
