"""From resource instances to the App: every mapper in order, then frozen nodes.

Shared by the configuration loader (``.tf`` files) and the plan loader, which differ
only in how they produce instances.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faasguard.loaders.base import LoadOptions, relpath
from faasguard.loaders.terraform.apis import api_nodes, build_apis
from faasguard.loaders.terraform.build import Build
from faasguard.loaders.terraform.expressions import Traversal
from faasguard.loaders.terraform.functions import (
    build_function,
    build_invoke_settings,
    build_permissions,
    build_triggers,
    build_urls,
    link_log_groups,
    link_roles,
)
from faasguard.loaders.terraform.iam import build_roles
from faasguard.loaders.terraform.modules import Instance, Module, Session
from faasguard.loaders.terraform.resources import build_resources
from faasguard.model import App, Diagnostic, Function, Location, Parameter, Role
from faasguard.model.values import Unresolved


def load_root(directory: Path, opts: LoadOptions) -> App:
    session = Session(opts, directory)
    module = Module(session, directory)
    session.provider_regions = module.providers
    instances = list(module.instances())
    where = module.region_line()
    region = module.providers.get("aws")
    explicit = region is not None
    parameters, specs = _parameters(module)
    name = directory.name or opts.root.name
    return assemble(session, instances, name=name, source=_source(session, directory),
                    region=region, region_explicit=explicit, region_line=where,
                    parameters=parameters, specs=specs)


def _source(session: Session, directory: Path) -> Location:
    main = directory / "main.tf"
    if relpath(main, session.opts.root) in session.files_read:
        return Location(relpath(main, session.opts.root))
    if session.files_read:
        return Location(session.files_read[0])
    return Location(relpath(directory, session.opts.root))


def _parameters(module: Module) -> tuple[dict[str, Any], dict[str, Parameter]]:
    """Root variables as parameters: their values, and their declarations (``sensitive``
    plays the part of CloudFormation's ``NoEcho``)."""
    values: dict[str, Any] = {}
    specs: dict[str, Parameter] = {}
    for name, block in module.variables.items():
        lines: dict[str, int] = {}
        fields: dict[str, Any] = {}
        for field, key in (("type", "type"), ("default", "default"),
                           ("no_echo", "sensitive"), ("description", "description")):
            attr = block.attr(key)
            if attr is None:
                continue
            lines[field] = attr.line
            if field == "type":
                fields[field] = attr.expr.text.strip()
            else:
                fields[field] = module.evaluator.eval(attr.expr)
        if "no_echo" in fields and not isinstance(fields["no_echo"], bool):
            fields["no_echo"] = None
        specs[name] = Parameter(id=name, loc=Location(block.file, block.line), lines=lines,
                                **fields)
        values[name] = module.variable(name, Traversal(block.line, f"var.{name}", root="var",
                                                       steps=(name,)))
    return values, specs


def assemble(session: Session, instances: list[Instance], *, name: str, source: Location,
             region: Any, region_explicit: bool | None,
             region_line: tuple[str, int] | None = None,
             parameters: Mapping[str, Any] | None = None,
             specs: Mapping[str, Parameter] | None = None) -> App:
    b = Build(session, instances)
    build_roles(b)
    for inst in b.of_type("aws_lambda_function"):
        build_function(b, inst)
    link_roles(b)
    build_resources(b)
    build_urls(b)
    build_permissions(b)
    build_triggers(b)
    build_invoke_settings(b)
    build_apis(b)
    link_log_groups(b)
    functions = tuple(
        Function(id=address, loc=draft.loc, lines=draft.lines, env_lines=draft.env_lines,
                 triggers=tuple(draft.triggers), **draft.values)
        for address, draft in b.functions.items())
    roles = {rid: Role(id=rid, loc=draft.loc, lines=draft.lines,
                       policies=tuple(draft.policies), **draft.values)
             for rid, draft in b.roles.items()}
    if isinstance(region, Unresolved) and region_line:
        b.diagnostics.append(Diagnostic(
            "info", f"provider region could not be resolved ({region.reason})",
            Location(*region_line)))
    return App(name=name, source=source, format="terraform", region=region,
               region_explicit=region_explicit, root=session.root_rel, functions=functions,
               roles=roles, apis=api_nodes(b), permissions=tuple(b.permissions),
               resources=dict(b.resources),
               diagnostics=tuple(session.diagnostics + b.diagnostics),
               parameters=dict(parameters or {}), parameter_specs=dict(specs or {}))
