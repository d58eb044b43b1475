"""CloudFormation, SAM and CDK templates into the model.

Entry points:

- ``load(path, opts)``: a CloudFormation or SAM template (YAML or JSON) -> one ``App``.
- ``load_cdk(path, opts)``: a ``cdk.out/*.template.json`` -> one ``App`` with
  ``format="cdk"``; construct paths name things, and asset metadata points each function
  at its bundled code in ``cdk.out``.
- ``build_app(template, rel, opts, *, name, fmt, root, aliases)``: the nodes of a parsed
  template as an ``AppParts``, for loaders that embed CloudFormation (serverless.yml's
  ``resources:`` block).

Loading runs in fixed passes so every link can be made by logical id: resolve each
active resource's properties with the intrinsics, build roles, then functions, then
APIs, then everything that refers to them (policies, URLs, permissions, routes, stages,
triggers, resource policies), and freeze.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from faasguard.loaders import cfn_apis, cfn_events, cfn_iam, cfn_lambda, cfn_resources, sam
from faasguard.loaders.base import LoadError, LoadOptions, parse_documents, read_text, relpath
from faasguard.loaders.cfn_stack import AppParts, Stack
from faasguard.loaders.intrinsics import IntrinsicContext, parameter_values, resolve
from faasguard.loaders.yamlsafe import LineDict, line_of
from faasguard.model import App, Diagnostic, Location
from faasguard.model.values import Unresolved

__all__ = ["AppParts", "build_app", "load", "load_cdk"]

# types that become functions, roles, APIs or permissions rather than plain resources
_MODELLED = frozenset({
    "AWS::Lambda::Function", "AWS::IAM::Role", "AWS::ApiGateway::RestApi",
    "AWS::ApiGatewayV2::Api", "AWS::Lambda::Permission", sam.FUNCTION, sam.API, sam.HTTP_API,
})

Handler = Callable[[Stack, str, Mapping[str, Any]], None]

_LINKS: dict[str, Handler] = {
    "AWS::Lambda::Url": cfn_lambda.build_url,
    "AWS::Lambda::Permission": cfn_lambda.build_permission,
    "AWS::Lambda::EventSourceMapping": cfn_lambda.build_event_source_mapping,
    "AWS::Lambda::EventInvokeConfig": cfn_lambda.build_event_invoke_config,
    "AWS::Lambda::Version": cfn_lambda.build_version,
    "AWS::Lambda::Alias": cfn_lambda.build_version,
    "AWS::ApiGateway::Method": cfn_apis.build_method,
    "AWS::ApiGatewayV2::Route": cfn_apis.build_v2_route,
    "AWS::ApiGateway::Stage": cfn_apis.build_stage,
    "AWS::ApiGateway::Deployment": cfn_apis.build_stage,
    "AWS::ApiGatewayV2::Stage": cfn_apis.build_stage,
    "AWS::ApiGateway::UsagePlan": cfn_apis.add_usage_plan,
}


def build_app(template: Mapping[str, Any], rel: str, opts: LoadOptions, *, name: str,
              fmt: str, root: str, aliases: Mapping[str, str] | None = None) -> AppParts:
    """The model nodes of one parsed template.

    ``template`` is a mapping with ``Resources`` (and optionally ``Parameters``,
    ``Mappings``, ``Conditions``, ``Globals``, ``Transform``) as read by
    ``parse_documents``, so lines are kept. ``rel`` is the file relative to the scan
    root, ``root`` its directory (code paths resolve from it), ``fmt`` the app format
    ("cloudformation", "sam", "cdk", "serverless") and ``name`` the app name, used in
    messages. ``aliases`` maps logical ids defined outside the template to model ids
    (serverless' ``HelloLambdaFunction`` -> ``hello``): ``Ref``/``GetAtt`` to them
    become ``Ref(<model id>)`` and whatever the template attaches to them (triggers,
    policies on a role) lands in ``AppParts.external_triggers`` /
    ``external_policies``. Raises ``LoadError`` when there is no ``Resources`` mapping.
    """
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        if "Resources" in template:
            shown = "a list" if isinstance(resources, list) else "not a mapping"
            raise LoadError(rel, f"not a CloudFormation template: Resources is {shown}, "
                            "expected a mapping of logical ids", line_of(template, "Resources"))
        raise LoadError(rel, "not a CloudFormation template: no Resources", line_of(template))
    is_sam = sam.is_sam(template)
    parameters = parameter_values(template.get("Parameters"), opts.parameters)
    region = opts.options.get("region") or opts.parameters.get("AWS::Region")
    known_ids = dict(aliases or {})
    if is_sam:
        known_ids.update({k: v for k, v in sam.generated_ids(resources).items()
                          if k not in resources})
    ctx = IntrinsicContext(
        resources=resources, parameters=parameters,
        mappings=_mapping(template.get("Mappings")),
        conditions=_mapping(template.get("Conditions")), aliases=known_ids)
    if isinstance(region, str) and region:
        ctx.region = region
    stack = Stack(rel=rel, root=root, fmt=fmt, opts=opts, ctx=ctx, resources_node=resources,
                  external_ids=frozenset((aliases or {}).values()))
    for key, at in getattr(template, "duplicates", ()):
        stack.diag("warning", f"duplicate key {key!r}: CloudFormation rejects the template; "
                   "faasguard read the value on this line", at)
    _collect(stack, template, resources, is_sam)
    _build(stack, template, is_sam)
    return stack.finish(parameters, region if isinstance(region, str) else None,
                        stack.parameter_specs(template.get("Parameters")))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _collect(stack: Stack, template: Mapping[str, Any], resources: Mapping[str, Any],
             is_sam: bool) -> None:
    """Active resources, their types and resolved properties."""
    for lid, resource in resources.items():
        if not isinstance(lid, str):
            continue
        if lid.startswith("Fn::ForEach::"):
            stack.diag("info", f"{lid}: Fn::ForEach is not expanded; its resources are not "
                       "scanned", line_of(resources, lid))
            continue
        rtype = resource.get("Type") if isinstance(resource, Mapping) else None
        if not isinstance(rtype, str):
            stack.diag("warning", f"{lid}: resource has no Type; skipped",
                       line_of(resources, lid))
            continue
        if rtype == "AWS::CDK::Metadata":
            continue  # CDK's usage analytics: no cloud resource behind it
        condition = resource.get("Condition")
        if isinstance(condition, str):
            active = stack.ctx.condition(condition)
            if active is False:
                continue
            if active is None:
                stack.diag("info", f"{lid}: condition {condition} cannot be evaluated "
                           f"({stack.ctx.condition_problem(condition)}); assumed present",
                           line_of(resource, "Condition"))
        props = resource.get("Properties")
        if is_sam and rtype.startswith("AWS::Serverless::"):
            props = sam.with_globals(template, rtype, resource, props)
        resolved = resolve(props, stack.ctx) if props is not None else LineDict(
            line_of(resources, lid) or 0)
        if not isinstance(resolved, Mapping):
            reason = resolved.reason if isinstance(resolved, Unresolved) else "not a mapping"
            stack.diag("warning", f"{lid}: properties could not be read ({reason})",
                       line_of(resource, "Properties"))
            resolved = LineDict(line_of(resources, lid) or 0)
        stack.types[lid] = rtype
        stack.props[lid] = resolved


def _build(stack: Stack, template: Mapping[str, Any], is_sam: bool) -> None:
    def each(*types: str) -> list[tuple[str, Mapping[str, Any]]]:
        return [(lid, stack.props[lid]) for lid in stack.of_type(*types)]

    for lid, props in each("AWS::IAM::Role"):
        cfn_iam.build_role(stack, lid, props)
    for lid, props in each("AWS::Lambda::Function"):
        cfn_lambda.build_function(stack, lid, props)
    for lid, props in each(sam.FUNCTION):
        sam.build_function(stack, lid, props)
    for lid, props in each("AWS::ApiGateway::RestApi"):
        cfn_apis.build_rest_api(stack, lid, props)
    for lid, props in each("AWS::ApiGatewayV2::Api"):
        cfn_apis.build_v2_api(stack, lid, props)
    for lid, props in each(sam.API, sam.HTTP_API):
        sam.build_api(stack, lid, props, stack.types[lid] == sam.HTTP_API)
    for lid, rtype in stack.types.items():
        if rtype not in _MODELLED:
            stack.resources[lid] = cfn_resources.build_resource(stack, lid, rtype,
                                                                stack.props[lid])
    cfn_iam.build_policies(stack)
    for lid, rtype in list(stack.types.items()):
        handler = _LINKS.get(rtype)
        if handler is not None:
            handler(stack, lid, stack.props[lid])
    if is_sam:
        sam.add_api_bodies(stack)
        sam.build_events(stack, template)
    cfn_events.build_triggers(stack)
    cfn_resources.attach_extras(stack)
    cfn_apis.finish_apis(stack)


# --- files -------------------------------------------------------------------------------------


def _read_template(path: Path, opts: LoadOptions) -> tuple[str, Mapping[str, Any]]:
    rel = relpath(path, opts.root)
    docs = parse_documents(read_text(path, opts), rel, opts)
    doc = next((d for d in docs if d is not None), None)
    if not isinstance(doc, Mapping):
        raise LoadError(rel, "not a CloudFormation template: the top level is not a mapping",
                        line_of(doc))
    return rel, doc


def _app(parts: AppParts, *, name: str, rel: str, fmt: str, root: str) -> App:
    return App(
        name=name, source=Location(rel, 1), format=fmt, region=parts.region, root=root,
        functions=tuple(parts.functions.values()), roles=parts.roles, apis=parts.apis,
        permissions=tuple(parts.permissions), resources=parts.resources,
        diagnostics=tuple(parts.diagnostics), parameters=parts.parameters,
        parameter_specs=parts.parameter_specs)


def _root_of(path: Path, opts: LoadOptions) -> str:
    # absolute on both sides: a template given by a relative path is still under root
    rel = relpath(path.parent.absolute(), opts.root.absolute())
    return "." if rel in ("", ".") else rel


def load(path: Path, opts: LoadOptions) -> list[App]:
    """A CloudFormation or SAM template file as one app named after the file."""
    rel, template = _read_template(path, opts)
    fmt = "sam" if sam.is_sam(template) else "cloudformation"
    root = _root_of(path, opts)
    name = _app_name(path, opts.root)
    parts = build_app(template, rel, opts, name=name, fmt=fmt, root=root)
    return [_app(parts, name=name, rel=rel, fmt=fmt, root=root)]


# --- CDK -----------------------------------------------------------------------------------------

CDK_PATH = "aws:cdk:path"
ASSET_PATH = "aws:asset:path"
ASSET_PROPERTY = "aws:asset:property"


def _stack_name(path: Path) -> str:
    """The stack's name from ``manifest.json`` next to the template, else the file name."""
    manifest = path.parent / "manifest.json"
    try:
        if manifest.is_file() and manifest.stat().st_size < 5 * 1024 * 1024:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            for artifact_id, artifact in _mapping(_mapping(data).get("artifacts")).items():
                props = _mapping(_mapping(artifact).get("properties"))
                if props.get("templateFile") == path.name:
                    stack_name = props.get("stackName") or artifact_id
                    return str(stack_name)
    except (OSError, ValueError):
        pass
    return path.name.removesuffix(".json").removesuffix(".template")


def _construct_name(cdk_path: Any, stack_name: str) -> str | None:
    """``MyStack/Api/Handler/Resource`` -> ``Api/Handler``."""
    if not isinstance(cdk_path, str):
        return None
    parts = [p for p in cdk_path.split("/") if p]
    if parts and parts[-1] == "Resource":
        parts = parts[:-1]
    if len(parts) > 1:
        parts = parts[1:]  # the stack's own id
    return "/".join(parts) or stack_name


GENERIC_STEMS = frozenset({"template", "templates", "cloudformation", "cfn", "stack", "main",
                           "packaged", "sam", "infra", "infrastructure"})


def _app_name(path: Path, root: Path) -> str:
    """The app's name: the file stem, or its folder's name when the stem says nothing
    (every SAM app is called ``template``)."""
    stem = path.stem.removesuffix(".template")
    if stem.lower() in GENERIC_STEMS:
        folder = path.resolve().parent
        if folder != root.resolve().parent and folder.name:
            return folder.name
    return stem


def load_cdk(path: Path, opts: LoadOptions) -> list[App]:
    """A synthesized CDK stack (``cdk.out/<Stack>.template.json``)."""
    rel, template = _read_template(path, opts)
    root = _root_of(path, opts)
    name = _stack_name(path)
    parts = build_app(template, rel, opts, name=name, fmt="cdk", root=root)
    resources = _mapping(template.get("Resources"))
    for lid, resource in resources.items():
        metadata = _mapping(_mapping(resource).get("Metadata"))
        _name_from_construct(parts, str(lid), _construct_name(metadata.get(CDK_PATH), name))
        asset = metadata.get(ASSET_PATH)
        if lid in parts.functions and isinstance(asset, str) and \
                metadata.get(ASSET_PROPERTY, "Code") == "Code":
            _point_at_asset(parts, str(lid), asset, path, opts, line_of(metadata, ASSET_PATH))
    return [_app(parts, name=name, rel=rel, fmt="cdk", root=root)]


def _name_from_construct(parts: AppParts, lid: str, label: str | None) -> None:
    """Give nodes without a physical name their construct path as a name."""
    if label is None:
        return
    for table in (parts.functions, parts.roles, parts.apis, parts.resources):
        node: Any = table.get(lid)
        if node is not None and node.name is None:
            table[lid] = replace(node, name=label)


def _point_at_asset(parts: AppParts, lid: str, asset: str, template: Path, opts: LoadOptions,
                    line: int | None) -> None:
    fn = parts.functions[lid]
    asset_path = Path(asset) if PurePosixPath(asset).is_absolute() else template.parent / asset
    rel = relpath(asset_path, opts.root)
    try:
        asset_path.resolve().relative_to(opts.root.resolve())
    except (ValueError, OSError):
        parts.diagnostics.append(Diagnostic(
            "warning", f"{lid}: CDK asset {asset!r} is outside the scanned tree; not followed",
            Location(relpath(template, opts.root), line)))
        return
    lines = dict(fn.lines)
    if line:
        lines["code_path"] = line
    parts.functions[lid] = replace(fn, code_path=rel, lines=lines)
