"""Code analysis for Node.js functions: JavaScript and TypeScript, parsed by tree-sitter.

``analyze`` reads the handler's module and every project module it imports, and
returns the SDK calls (for least privilege), event-to-sink flows (D1) and other code
issues (D2-D4, B3 in code) as one ``FunctionCode``. Nothing is executed; node_modules
is never read as project code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.code.facts import CodeIssue, FunctionCode, TaintFlow, Unknown
from faasguard.model import App, Function, Location

if TYPE_CHECKING:
    from tree_sitter import Node

    from faasguard.code.handlers import HandlerRef
    from faasguard.code.js.project import JsProject, Module

__all__ = ["analyze"]


def analyze(app: App, fn: Function, handler: HandlerRef,
            project: JsProject | None = None) -> FunctionCode:
    """What the code of ``fn`` does, starting at ``handler``. Pass ``project`` to share
    parsed modules between functions of one code root."""
    from faasguard.code.js import issues, sdk, taint
    from faasguard.code.js.project import JsProject

    del app  # the environment comes from the function; the app adds nothing yet
    if project is None:
        project = JsProject(handler.code_root, scan_root_of(handler))
    found = project.begin()
    modules = project.reachable(handler.file)
    if not modules:
        return FunctionCode(fn.id, "javascript", unknowns=(
            *found, Unknown(Location(handler.rel), "handler file could not be read")))
    entry_module = modules[0]
    entry = _entry(project, entry_module, handler.function_name)
    unknowns: list[Unknown] = []
    flows: list[TaintFlow] = []
    event_names: set[str] = {"event"}
    if entry is None:
        unknowns.append(Unknown(Location(handler.rel),
                                f"export {handler.function_name} not found"))
    else:
        module, function = entry
        flows = taint.find_flows(project, modules, module, function)
        params = taint.parameters(function)
        if params:
            event_names |= set(taint.bound_names(params[0]))
    calls = sdk.find_calls(project, modules, fn.environment)
    code_issues: list[CodeIssue] = issues.table_scans(calls.scans)
    for module in modules:
        code_issues += issues.unbounded_selects(module)
        code_issues += issues.error_leaks(module)
        code_issues += issues.sensitive_logs(module, event_names)
        code_issues += issues.hardcoded_secrets(module)
    unique = {(i.kind, i.loc): i for i in reversed(code_issues)}  # one per line and kind
    code_issues = sorted(unique.values(), key=lambda i: (i.loc.file, i.loc.line or 0, i.kind))
    return FunctionCode(
        function=fn.id,
        language="javascript",
        entry=entry[0].loc(entry[1]) if entry else None,
        files=tuple(m.rel for m in modules),
        lines_of_code=sum(m.lines_of_code for m in modules),
        sdk_calls=tuple(calls.calls),
        flows=tuple(flows),
        issues=tuple(code_issues),
        unknowns=(*found, *calls.unknowns, *unknowns),
    )


def scan_root_of(handler: HandlerRef) -> Path:
    """The scan root, from the handler's absolute and root-relative paths."""
    root = handler.file
    for _ in Path(handler.rel).parts:
        root = root.parent
    return root


def _entry(project: JsProject, module: Module, name: str) -> tuple[Module, Node] | None:
    """The handler function; ``handlers.main`` names a member of an exported object."""
    first, _, rest = name.partition(".")
    found = project.export(module, first)
    if found is not None and not rest:
        return found
    value = module.exports.get(first)
    if rest and value is not None:
        from faasguard.code.js.parse import object_properties

        member = object_properties(value).get(rest)
        return project.function_of(module, member) if member is not None else None
    return found
