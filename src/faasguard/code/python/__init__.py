"""Python front end: handler code read with ``ast`` (never imported or run)."""

from __future__ import annotations

import ast

from faasguard.code.facts import FunctionCode, Unknown
from faasguard.code.handlers import HandlerRef
from faasguard.code.python.project import PythonProject, count_lines
from faasguard.model import App, Function, Location

__all__ = ["PythonProject", "analyze", "count_lines"]


def analyze(app: App, fn: Function, handler: HandlerRef, project: PythonProject) -> FunctionCode:
    """Everything the Python front end finds for one function."""
    from faasguard.code.python.issues import find_issues
    from faasguard.code.python.sdk import find_calls
    from faasguard.code.python.taint import find_flows

    files = project.reachable(handler.file)
    unknowns: list[Unknown] = []
    entry = _entry(project, handler, unknowns)
    calls, sdk_unknowns = find_calls(project, handler, fn, app)
    flows = find_flows(project, handler)
    found = find_issues(project, handler)
    rels = {project.rel(path) for path in files}
    unknowns += sdk_unknowns
    unknowns += [u for u in project.unknowns if u.loc.file in rels]
    return FunctionCode(
        function=fn.id, language="python", entry=entry,
        files=tuple(project.rel(p) for p in files),
        lines_of_code=sum(project.lines_of_code(p) for p in files),
        sdk_calls=tuple(sorted(calls, key=lambda c: (c.loc, c.service, c.operation))),
        flows=tuple(flows), issues=tuple(found),
        unknowns=tuple(dict.fromkeys(unknowns)))


def _entry(project: PythonProject, handler: HandlerRef, unknowns: list[Unknown]
           ) -> Location | None:
    found = project.find_function(handler.file, handler.function_name)
    if found is not None:
        path, node = found
        return Location(project.rel(path), node.lineno)
    tree = project.parse(handler.file)
    if tree is not None:
        # ``handler = Mangum(app)`` and other wrappers: the name exists, the code is elsewhere
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == handler.function_name
                    for t in stmt.targets):
                return Location(handler.rel, stmt.lineno)
    unknowns.append(Unknown(Location(handler.rel),
                            f"handler function {handler.function_name}() not found"))
    return None
