"""Terraform plans in JSON (``terraform show -json plan.out``) into the model.

A plan holds every resource instance with its values resolved by Terraform itself:
``count``/``for_each`` expanded, variables and modules applied. What Terraform could not
know before apply (the ARN of a role it will create) is missing from ``values``; where
the ``configuration`` section says which resource the expression referred to, the
value becomes a ``Ref`` to it, else it stays ``Unresolved``.

A plan has no source lines: each node points at the line of its ``"address"`` in the
plan file, which is where a reader finds it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from faasguard.loaders.base import LoadError, LoadOptions, read_text, relpath
from faasguard.loaders.terraform.assemble import assemble
from faasguard.loaders.terraform.modules import Instance, Session
from faasguard.loaders.yamlsafe import LineDict, LineList
from faasguard.model import App, Location
from faasguard.model.values import Ref, Unresolved

MAX_DEPTH = 64
_ADDRESS_LINE = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')
_REFERENCE = re.compile(
    r"^((?:data\.)?[A-Za-z][\w-]*\.[A-Za-z_][\w-]*(?:\[[^\]]+\])?)(?:\.([A-Za-z_][\w-]*))?$")


def load_plan_file(path: Path, opts: LoadOptions) -> App:
    rel = relpath(path, opts.root)
    text = read_text(path, opts)
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(rel, f"invalid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise LoadError(rel, "nesting too deep to read") from None
    if not isinstance(plan, dict) or not isinstance(plan.get("planned_values"), dict):
        raise LoadError(rel, "not a Terraform plan (no planned_values)")
    lines = _address_lines(text)
    session = Session(opts, path.parent)
    raw_config = plan.get("configuration")
    config: dict[str, Any] = raw_config if isinstance(raw_config, dict) else {}
    variables = {name: v.get("value") for name, v in (plan.get("variables") or {}).items()
                 if isinstance(v, dict)}
    regions = _provider_regions(config, variables)
    session.provider_regions = regions
    expressions = _expressions(config.get("root_module"), "")
    root = plan["planned_values"].get("root_module") or {}
    instances = list(_instances(root, rel, lines, expressions, session, 0))
    name = path.name.removesuffix(".json").removesuffix(".tfplan") or path.parent.name
    region = regions.get("aws")
    return assemble(session, instances, name=name, source=Location(rel, 1), region=region,
                    region_explicit=region is not None, parameters=variables)


def _address_lines(text: str) -> dict[str, int]:
    found: dict[str, int] = {}
    line, last = 1, 0
    for match in _ADDRESS_LINE.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        found.setdefault(match.group(1).replace('\\"', '"'), line)
    return found


def _provider_regions(config: Mapping[str, Any], variables: Mapping[str, Any]) -> dict[str, Any]:
    regions: dict[str, Any] = {}
    providers = config.get("provider_config")
    for key, provider in (providers or {}).items() if isinstance(providers, dict) else ():
        if not isinstance(provider, dict) or provider.get("name") != "aws":
            continue
        region = (provider.get("expressions") or {}).get("region")
        if not isinstance(region, dict):
            continue
        value: Any = region.get("constant_value")
        if value is None:
            refs = region.get("references") or []
            var = next((r[4:] for r in refs if isinstance(r, str) and r.startswith("var.")),
                       None)
            value = variables.get(var) if var else None
            if value is None:
                value = Unresolved("provider region", "not known in the plan")
        alias = provider.get("alias")
        regions[f"aws.{alias}" if alias else "aws"] = value
        if key == "aws" and not alias:
            regions["aws"] = value
    return regions


def _expressions(module: Any, prefix: str) -> dict[str, Mapping[str, Any]]:
    """Configuration address (module prefix + ``type.name``) -> its expressions."""
    out: dict[str, Mapping[str, Any]] = {}
    if not isinstance(module, dict):
        return out
    for res in module.get("resources") or []:
        if isinstance(res, dict) and isinstance(res.get("address"), str):
            out[prefix + res["address"]] = res.get("expressions") or {}
    for name, call in (module.get("module_calls") or {}).items():
        if isinstance(call, dict):
            out.update(_expressions(call.get("module"), f"{prefix}module.{name}."))
    return out


def _config_address(address: str) -> str:
    """``module.a["x"].aws_s3_bucket.b[0]`` -> ``module.a.aws_s3_bucket.b``."""
    return re.sub(r"\[[^\]]*\]", "", address)


def _instances(module: Mapping[str, Any], rel: str, lines: Mapping[str, int],
               expressions: Mapping[str, Mapping[str, Any]], session: Session,
               depth: int) -> Iterator[Instance]:
    if depth > MAX_DEPTH:
        return
    for res in module.get("resources") or []:
        if not isinstance(res, dict):
            continue
        address, rtype = res.get("address"), res.get("type")
        if not isinstance(address, str) or not isinstance(rtype, str):
            continue
        line = lines.get(address, 1)
        prefix = address[:address.index(rtype)] if rtype in address else ""
        if prefix.endswith("data."):
            prefix = prefix[:-5]
        exprs = expressions.get(_config_address(address), {})
        body = _body(res.get("values") or {}, line, exprs, prefix)
        provider = "aws"
        name = res.get("name") if isinstance(res.get("name"), str) else address
        yield Instance(address, rtype, str(name), body, Location(rel, line),
                       session.root_rel, provider, None, res.get("mode") == "data")
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            yield from _instances(child, rel, lines, expressions, session, depth + 1)


def _body(values: Mapping[str, Any], line: int, exprs: Mapping[str, Any],
          prefix: str) -> LineDict:
    body = LineDict(line)
    for key, value in values.items():
        if value is None and key in exprs:
            value = _from_references(exprs[key], prefix)
            if value is None:
                continue
        elif value is None:
            continue
        body[key] = _lined(value, line, 0)
        body.key_lines[key] = line
    for key, expr in exprs.items():  # unknown until apply: absent from values
        if key not in body and key not in values:
            value = _from_references(expr, prefix)
            if value is not None:
                body[key] = value
                body.key_lines[key] = line
    return body


def _from_references(expr: Any, prefix: str) -> Any:
    if not isinstance(expr, dict):
        return None
    refs = [r for r in expr.get("references") or [] if isinstance(r, str)]
    for ref in refs:
        match = _REFERENCE.match(ref)
        if match and not ref.startswith(("var.", "local.", "module.", "each.", "count.",
                                         "path.")):
            return Ref(prefix + match.group(1), match.group(2))
    if refs:
        return Unresolved(refs[0], "known only after apply")
    return None


def _lined(value: Any, line: int, depth: int) -> Any:
    if depth > MAX_DEPTH:
        return Unresolved("...", "nesting too deep")
    if isinstance(value, dict):
        out = LineDict(line)
        for key, item in value.items():
            out[key] = _lined(item, line, depth + 1)
            out.key_lines[key] = line
        return out
    if isinstance(value, list):
        items = LineList(line)
        for item in value:
            items.append(_lined(item, line, depth + 1))
            items.item_lines.append(line)
        return items
    return value
