"""What the resource mappers share: the instances of one root module by address and
type, mutable drafts of the nodes being built, and how a value names another node.

Terraform names a resource by address (``aws_iam_role.lambda``); model node ids are
those addresses, so a ``Ref`` from an attribute resolves with ``App.resolve_ref``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from faasguard.loaders.terraform.modules import Instance, Session
from faasguard.loaders.yamlsafe import LineDict, LineList
from faasguard.model import Diagnostic, Location, Policy, Trigger
from faasguard.model.values import Interpolated, Ref


class Draft:
    """Constructor arguments of a node under construction, with the line of each."""

    def __init__(self, nid: str, loc: Location) -> None:
        self.id = nid
        self.loc = loc
        self.values: dict[str, Any] = {}
        self.lines: dict[str, int] = {}
        self.triggers: list[Trigger] = []
        self.policies: list[Policy] = []
        self.env_lines: dict[str, int] = {}

    def set(self, name: str, value: Any, line: int | None) -> None:
        self.values[name] = value
        if line:
            self.lines[name] = line


def first(value: Any) -> Any:
    """The first of a repeated nested block (``environment { ... }``), or None."""
    if isinstance(value, LineList | list | tuple):
        return value[0] if value else None
    return value


def sub(value: Any, *keys: str) -> Any:
    """``value.key1[0].key2...``: nested blocks are lists, so each step takes the first."""
    for key in keys:
        value = first(value)
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def line_in(container: Any, key: str, fallback: int | None = None) -> int | None:
    if isinstance(container, LineDict) and key in container:
        return container.line_of(key) or fallback
    return fallback


def targets(value: Any) -> list[str]:
    """Addresses a value names: a ``Ref``, the refs of an ``Interpolated``, lists of them."""
    if isinstance(value, Ref):
        return [value.target]
    if isinstance(value, Interpolated):
        return [r.target for r in value.refs]
    if isinstance(value, list | tuple):
        return [t for item in value for t in targets(item)]
    return []


class Build:
    """The instances of one root module and the nodes made from them."""

    def __init__(self, session: Session, instances: list[Instance]) -> None:
        self.session = session
        self.instances = [i for i in instances if not i.data]
        self.data = {i.address: i for i in instances if i.data}
        self.by_address = {i.address: i for i in self.instances}
        self.types = {i.address: i.type for i in self.instances}
        self.functions: dict[str, Draft] = {}
        self.roles: dict[str, Draft] = {}
        self.resources: dict[str, Any] = {}
        self.permissions: list[Any] = []
        self.apis: dict[str, Draft] = {}
        self.routes: dict[str, list[Any]] = {}
        self.diagnostics: list[Diagnostic] = []

    def of_type(self, *types: str) -> Iterator[Instance]:
        for inst in self.instances:
            if inst.type in types:
                yield inst

    def diag(self, level: str, message: str, inst: Instance, line: int | None = None) -> None:
        self.diagnostics.append(Diagnostic(level, message,
                                           Location(inst.loc.file, line or inst.loc.line)))

    def at(self, inst: Instance, line: int | None) -> Location:
        return Location(inst.loc.file, line or inst.loc.line)

    def target(self, value: Any, *types: str) -> str | None:
        """The address of the instance of one of ``types`` that ``value`` names."""
        for address in targets(value):
            if self.types.get(address) in types:
                return address
        return None

    def named(self, value: Any, types: tuple[str, ...], name_key: str) -> str | None:
        """By reference, or by a literal name or ARN equal to the instance's name."""
        found = self.target(value, *types)
        if found is not None or not isinstance(value, str) or isinstance(value, Interpolated):
            return found
        short = value.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        for inst in self.of_type(*types):
            name = inst.body.get(name_key)
            if isinstance(name, str) and name in (value, short):
                return inst.address
        return None

    def function_id(self, value: Any) -> str | None:
        return self.named(value, ("aws_lambda_function",), "function_name")

    def role_id(self, value: Any) -> str | None:
        return self.named(value, ("aws_iam_role",), "name")

    def integrated_function(self, value: Any) -> str | None:
        """The function an integration URI names (``invoke_arn``, or an alias of it)."""
        found = self.target(value, "aws_lambda_function")
        if found is None:
            alias = self.target(value, "aws_lambda_alias")
            if alias is not None:
                found = self.function_id(self.by_address[alias].body.get("function_name"))
        return found
