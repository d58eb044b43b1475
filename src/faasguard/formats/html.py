"""A self-contained HTML report: one file that opens anywhere without a network.

The page is static markup plus one JSON blob (``<script type="application/json">``)
that a small inline script turns into the app graphs and the filterable finding list.
The script builds every element with ``textContent``/``setAttribute`` and never parses
markup, so a function named ``<script>`` stays text; the Content-Security-Policy
allows only the page's own inline style and script (by hash) and no fetches at all.

What is embedded, and why it stays small for hundreds of apps:
- each finding once, as a row of short fields; rule metadata and the fix once per rule;
- the graph of each app as laid-out node and edge rows (the script draws the SVG);
- source excerpts as numbered lines, each (file, line) stored once however many
  findings point near it, read only from files under the scan root, size-bounded and
  masked like every other output.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.findings import Finding, Severity
from faasguard.formats import (
    SEVERITIES,
    TOOL_NAME,
    RenderOptions,
    clean,
    counts,
    failing,
    rules_by_id,
)
from faasguard.model import App, Function, Ref, Resource, Role, Trigger, TriggerKind

if TYPE_CHECKING:
    from faasguard.engine import ScanResult

CONTEXT_LINES = 3
"""Lines shown above and below the reported line."""
MAX_FILE_BYTES = 4 * 1024 * 1024
"""Excerpts come only from files up to this size (the loaders' own limit is larger)."""
MAX_LINE_CHARS = 400
"""Longer lines are left out of excerpts: masking is not run on very long lines."""
MAX_EXCERPT_CHARS = 8_000_000
"""Budget for all excerpt text of one report; findings past it show no excerpt."""
OPEN_APPS = 12
"""With at most this many apps every app section starts open; beyond, graphs are drawn
when a section is opened."""

SEVERITY_INDEX = {s: i for i, s in enumerate(SEVERITIES)}
"""Severities travel as indexes into SEVERITIES (0 = critical)."""

# --- the app graph -------------------------------------------------------------------

COLUMNS = ("Triggers", "Functions", "Roles", "Resources")
NODE_W, NODE_H, STEP_Y = 210, 40, 52
COLUMN_X = (0, 290, 580, 870)
GRAPH_W = COLUMN_X[-1] + NODE_W
MAX_LABEL = 40
"""Longer titles are cut here; the page script then fits them to the box it draws."""

EDGE_PLAIN, EDGE_WILDCARD = 0, 1

_TRIGGER_NAMES = {
    TriggerKind.REST_API: "REST API", TriggerKind.HTTP_API: "HTTP API",
    TriggerKind.WEBSOCKET: "WebSocket API", TriggerKind.FUNCTION_URL: "Function URL",
    TriggerKind.ALB: "Load balancer", TriggerKind.S3: "S3 events", TriggerKind.SQS: "SQS queue",
    TriggerKind.SNS: "SNS topic", TriggerKind.DYNAMODB_STREAM: "DynamoDB stream",
    TriggerKind.KINESIS: "Kinesis stream", TriggerKind.KAFKA: "Kafka",
    TriggerKind.SCHEDULE: "Schedule", TriggerKind.EVENTBRIDGE: "EventBridge",
    TriggerKind.COGNITO: "Cognito trigger", TriggerKind.IOT: "IoT rule",
    TriggerKind.CLOUDWATCH_LOGS: "CloudWatch Logs", TriggerKind.OTHER: "Event",
}


@dataclass(slots=True)
class Node:
    """One box of the graph, before and after layout."""

    column: int
    key: str
    title: str
    """The whole text; the box shows it shortened to fit, the tooltip in full."""
    subtitle: str
    severity: Severity | None = None
    public: bool = False
    """An entry point anyone on the internet can call (no authorizer, URL auth NONE)."""
    wildcard: bool = False
    function: str | None = None
    """For function nodes: the function id, so clicking filters the findings."""
    note: str = ""
    """More for the tooltip (a function's deployed name)."""
    y: float = 0.0


@dataclass(slots=True)
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[int, int, int, str]] = field(default_factory=list)
    """(from node, to node, EDGE_* style, tooltip)."""
    height: float = 0.0


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _text(value: Any) -> str:
    if isinstance(value, Ref):
        return clean(value.target)
    return clean(str(value)) if value is not None else ""


def _worst(findings: Iterable[Finding]) -> Severity | None:
    worst: Severity | None = None
    for finding in findings:
        if worst is None or finding.severity.rank > worst.rank:
            worst = finding.severity
    return worst


class _Risk:
    """The active findings of one app, indexed by what they are about."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.by_subject: dict[tuple[str, str], list[Finding]] = {}
        self.by_function: dict[str, list[Finding]] = {}
        for finding in findings:
            subject = finding.subject
            self.by_subject.setdefault((subject.kind, subject.id), []).append(finding)
            if subject.function:
                self.by_function.setdefault(subject.function, []).append(finding)

    def of(self, kind: str, node_id: str) -> list[Finding]:
        return self.by_subject.get((kind, node_id), [])

    def function(self, fid: str) -> Severity | None:
        return _worst([*self.by_function.get(fid, ()), *self.of("function", fid)])


def _trigger_node(app: App, fn: Function, trigger: Trigger, risk: _Risk) -> Node:
    kind = _TRIGGER_NAMES.get(trigger.kind, trigger.kind.value)
    related: list[Finding] = []
    public = False
    if trigger.route is not None:
        route = trigger.route
        api = trigger.api or route.api
        title, subtitle = route.name, f"{kind} \N{MIDDLE DOT} {api}"
        public = route.authorizer.is_none and not route.api_key_required
        related += risk.of("route", f"{route.api} {route.name}") + risk.of("api", route.api)
        key = f"route:{route.api}:{route.name}"
    elif trigger.kind is TriggerKind.FUNCTION_URL:
        auth = _text(fn.url.auth_type) if fn.url else ""
        title, subtitle = f"{fn.id} URL", f"{kind} \N{MIDDLE DOT} auth {auth or '?'}"
        public = auth.upper() == "NONE"
        related += [f for f in risk.of("function", fn.id) if "A4" in f.controls]
        key = f"url:{fn.id}"
    else:
        source = trigger.source
        title = _text(source) or kind
        subtitle = kind
        if isinstance(source, Ref):
            related += risk.of("resource", source.target)
        key = f"{trigger.kind.value}:{title}"
    return Node(0, key, clean(title), clean(subtitle), _worst(related), public=public)


def _resource_node(res: Resource, risk: _Risk) -> Node:
    kind = res.type.removeprefix("AWS::").replace("::", " ") if res.type else "resource"
    return Node(3, f"res:{res.id}", clean(res.id), clean(kind),
                _worst(risk.of("resource", res.id)))


def _reached(app: App, role: Role) -> Iterator[tuple[str | None, str]]:
    """(resource id or None for "any resource", actions) for each resource an Allow
    statement of the role names."""
    for _, statement in role.statements():
        if not statement.allows:
            continue
        actions = ", ".join(_text(a) for a in statement.actions[:6])
        if statement.not_actions:
            actions = "all but " + ", ".join(_text(a) for a in statement.not_actions[:6])
        if statement.not_resources:
            yield None, actions
            continue
        for value in statement.resources:
            if value == "*":
                yield None, actions
            elif isinstance(value, Ref) and value.target in app.resources:
                yield value.target, actions
            else:
                for ref in getattr(value, "refs", ()):
                    if isinstance(ref, Ref) and ref.target in app.resources:
                        yield ref.target, actions


def build_graph(app: App, findings: Iterable[Finding]) -> Graph:
    """The app's triggers, functions, roles and the resources they reach, laid out in
    four columns, each node marked with the worst active finding about it."""
    risk = _Risk(findings)
    graph = Graph()
    index: dict[str, int] = {}
    edges: dict[tuple[int, int], tuple[int, list[str]]] = {}

    def add(node: Node) -> int:
        if node.key not in index:
            index[node.key] = len(graph.nodes)
            graph.nodes.append(node)
        return index[node.key]

    def link(a: int, b: int, style: int, tip: str = "") -> None:
        old_style, tips = edges.setdefault((a, b), (style, []))
        if tip and tip not in tips:
            tips.append(tip)
        edges[(a, b)] = (max(old_style, style), tips)

    functions = sorted(app.functions, key=lambda f: (f.role or "\uffff",))
    for fn in functions:
        name = fn.display_name
        add(Node(1, f"fn:{fn.id}", clean(fn.id), _short(_text(fn.runtime) or "function"),
                 risk.function(fn.id), function=fn.id,
                 note="" if name == fn.id else f"deployed as {clean(name)}"))
    for fn in functions:
        me = index[f"fn:{fn.id}"]
        for trigger in fn.triggers:
            link(add(_trigger_node(app, fn, trigger, risk)), me, EDGE_PLAIN)
        role = app.role_of(fn)
        if role is not None:
            subtitle = "external role" if role.external_arn else (
                "generated role" if role.generated else "execution role")
            role_node = add(Node(2, f"role:{role.id}", clean(role.id), subtitle,
                                 _worst(risk.of("role", role.id))))
            link(me, role_node, EDGE_PLAIN)
    for role_id in sorted({fn.role for fn in functions if fn.role in app.roles}, key=str):
        role = app.roles[str(role_id)]
        me = index[f"role:{role.id}"]
        for target, actions in _reached(app, role):
            if target is None:
                node = add(Node(3, "res:*", "* any resource", "wildcard in IAM policy",
                                None, wildcard=True))
                link(me, node, EDGE_WILDCARD, actions)
            else:
                link(me, add(_resource_node(app.resources[target], risk)), EDGE_PLAIN, actions)
    # Resources no role reaches but that have findings still belong on the map, except
    # those the framework creates for itself (log groups, deployment bucket).
    for res in app.resources.values():
        if not res.generated and risk.of("resource", res.id) and f"res:{res.id}" not in index:
            add(_resource_node(res, risk))
    graph.edges = [(a, b, style, clean("; ".join(tips))[:300])
                   for (a, b), (style, tips) in edges.items()]
    _layout(graph)
    return graph


def _layout(graph: Graph) -> None:
    """Functions stacked in order; every other column placed at the mean height of its
    neighbours (fewer crossings, straighter edges), then pushed apart to not overlap."""
    neighbours: dict[int, list[int]] = {}
    for a, b, _, _ in graph.edges:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    columns: list[list[int]] = [[] for _ in COLUMNS]
    for i, node in enumerate(graph.nodes):
        columns[node.column].append(i)
    y = 0.0
    for i in columns[1]:
        graph.nodes[i].y = y
        fan_in = sum(1 for n in neighbours.get(i, ()) if graph.nodes[n].column == 0)
        y += STEP_Y * max(1, fan_in)
    # Triggers and roles follow the functions they connect to; resources follow roles.
    for column, anchor in ((0, 1), (2, 1), (3, 2)):
        ideal: list[tuple[float, int]] = []
        for order, i in enumerate(columns[column]):
            placed = [graph.nodes[n].y for n in neighbours.get(i, ())
                      if graph.nodes[n].column == anchor]
            # nodes linked to nothing (resources with findings only) go last
            ideal.append((sum(placed) / len(placed) if placed else float("inf"), order))
        bottom = -float(STEP_Y)
        for want, order in sorted(ideal):
            node = graph.nodes[columns[column][order]]
            node.y = bottom + STEP_Y if math.isinf(want) else max(want, bottom + STEP_Y)
            bottom = node.y
    graph.height = max((n.y for n in graph.nodes), default=0.0) + NODE_H


def _tooltip(node: Node) -> str | None:
    """What the box's tooltip names, when it says more than the box: the whole title."""
    head = node.title if len(node.title) > MAX_LABEL else ""
    if node.note:
        head = f"{node.title} ({node.note})"
    return head or None


def _graph_data(graph: Graph) -> dict[str, Any]:
    nodes = [[n.column, round(n.y), _short(n.title), n.subtitle,
              SEVERITY_INDEX[n.severity] if n.severity else -1,
              (1 if n.public else 0) | (2 if n.wildcard else 0), n.function,
              _tooltip(n)]
             for n in graph.nodes]
    return {"h": round(graph.height), "n": nodes, "e": [list(e) for e in graph.edges]}


# --- rule fixes: a small, safe reading of the docs' markdown ---------------------------

_FENCE = re.compile(r"^```(\w*)\s*$")
_BULLET = re.compile(r"^\s*[-*] +(.*)$")
_INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*")


def inline(text: str) -> list[list[str]]:
    """Text as [kind, text] runs: "t" plain, "c" code, "b" bold."""
    runs: list[list[str]] = []
    at = 0
    for match in _INLINE.finditer(text):
        if match.start() > at:
            runs.append(["t", text[at:match.start()]])
        runs.append(["c", match.group(1)] if match.group(1) else ["b", match.group(2)])
        at = match.end()
    if at < len(text):
        runs.append(["t", text[at:]])
    return runs


def doc_blocks(markdown: str) -> list[list[Any]]:
    """A rule's doc section as blocks the page script builds with text nodes only:
    ["code", lang, text], ["p", runs], ["ul", [runs, ...]]."""
    blocks: list[list[Any]] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line.strip())
        if fence:
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                body.append(lines[i])
                i += 1
            blocks.append(["code", fence.group(1), "\n".join(body)])
            i += 1
        elif _BULLET.match(line):
            items: list[str] = []
            while i < len(lines) and (_BULLET.match(lines[i]) or
                                      (lines[i].startswith("  ") and items)):
                bullet = _BULLET.match(lines[i])
                if bullet:
                    items.append(bullet.group(1).strip())
                else:
                    items[-1] += " " + lines[i].strip()
                i += 1
            blocks.append(["ul", [inline(item) for item in items]])
        elif line.strip():
            para = []
            while (i < len(lines) and lines[i].strip() and not _FENCE.match(lines[i].strip())
                   and not _BULLET.match(lines[i])):
                para.append(lines[i].strip())
                i += 1
            blocks.append(["p", inline(" ".join(para))])
        else:
            i += 1
    return blocks


# --- source excerpts -----------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-.~]{20,}")
_QUOTED = re.compile(r"""(["'`])((?:(?!\1).)+)\1""")
_VALUE = re.compile(r"^(?P<head>\s*(?:-\s+)?[\"']?[\w.@/-]+[\"']?\s*(?::|=)\s*)(?P<value>\S.*)$")


def mask_line(line: str, secret_here: bool = False) -> str:
    """One source line as reports may show it.

    ``clean`` masks known formats and secret-named assignments; on top, any long token
    that looks random is masked (an excerpt has no name to judge it by). On a line that
    a secrets finding points at, the whole value is masked (every quoted string in
    code), whatever it looks like: the name that made it a secret may sit on another
    line (a parameter's ``Default:``).
    """
    from faasguard.secrets import detect, mask

    if secret_here:
        found = _VALUE.match(line)
        if found:
            return clean(found.group("head")) + mask(found.group("value").strip())
        if _QUOTED.search(line):  # code: `const key = "..."`, `f(token='...')`
            return clean(_QUOTED.sub(lambda m: m.group(1) + mask(m.group(2)) + m.group(1), line))
        sep = re.search(r"[:=]", line)
        if sep and line[sep.end():].strip():
            return clean(line[:sep.end()]) + " " + mask(line[sep.end():].strip())
        value = line.lstrip().removeprefix("- ").strip()  # a YAML list item keeps its dash
        return line[:len(line) - len(line.lstrip(" -"))] + mask(value) if value else line
    text = clean(line)
    return _TOKEN.sub(lambda m: mask(m.group()) if detect(None, m.group()) else m.group(), text)


_KEY_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_KEY_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY-----")


def private_key_lines(lines: list[str]) -> set[int]:
    """Line numbers inside PEM private key blocks: their base64 body lines carry no
    name and need not look random, so they are hidden by position."""
    inside_key, out = False, set()
    for number, line in enumerate(lines, 1):
        if inside_key:
            out.add(number)
            inside_key = not _KEY_END.search(line)
        else:
            begin = _KEY_BEGIN.search(line)
            inside_key = begin is not None and not _KEY_END.search(line, begin.end())
    return out


def _read_lines(root: Path, rel: str) -> list[str] | None:
    """The file's lines when it is a readable text file under the scan root."""
    from faasguard.loaders.base import inside

    path = root / rel
    if Path(rel).is_absolute() or ".." in Path(rel).parts or not inside(path, root):
        return None
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace").splitlines()


def excerpts(root: Path, findings: Iterable[Finding], files: dict[str, int],
             ) -> dict[str, dict[str, str]]:
    """file index -> {line number: masked text} for the lines around each finding,
    every line once. ``files`` maps paths to their index in the report."""
    wanted: dict[str, set[int]] = {}
    secret_lines: set[tuple[str, int]] = set()
    for finding in findings:
        loc = finding.location
        if not loc.line:
            continue
        wanted.setdefault(loc.file, set()).update(
            range(max(1, loc.line - CONTEXT_LINES), loc.line + CONTEXT_LINES + 1))
        if "B3" in finding.controls:
            secret_lines.add((loc.file, loc.line))
    out: dict[str, dict[str, str]] = {}
    budget = MAX_EXCERPT_CHARS
    for rel in sorted(wanted):
        lines = _read_lines(root, rel)
        if lines is None:
            continue
        shown: dict[str, str] = {}
        hidden = private_key_lines(lines)
        for number in sorted(wanted[rel]):
            if number > len(lines):
                break
            text = lines[number - 1]
            if number in hidden and not _KEY_END.search(text):
                text = "****(private key line)"
            elif len(text) > MAX_LINE_CHARS:
                text = "\N{HORIZONTAL ELLIPSIS} (line too long to show)"
            else:
                text = mask_line(text, (rel, number) in secret_lines)
            budget -= len(text)
            shown[str(number)] = text
        if budget < 0:
            break
        out[str(files[rel])] = shown
    return out


# --- the report data ---------------------------------------------------------------------


def report_data(result: ScanResult, options: RenderOptions) -> dict[str, Any]:
    """Everything the page script needs, every string from the scan cleaned."""
    from faasguard.meta import __version__
    from faasguard.ruledocs import CONTROL_NAMES

    catalogue = rules_by_id()
    findings = sorted(result.findings, key=lambda f: (
        -f.severity.rank, f.app, f.location.file, f.location.line or 0, f.rule_id,
        f.subject.id, f.detail))
    files: dict[str, int] = {}
    apps = {app.name: i for i, app in enumerate(result.apps)}
    rules: dict[str, dict[str, Any]] = {}
    rows = []
    for finding in findings:
        file_index = files.setdefault(finding.location.file, len(files))
        if finding.rule_id not in rules:
            rule = catalogue.get(finding.rule_id)
            rules[finding.rule_id] = {
                "title": clean(finding.title), "controls": list(finding.controls),
                "cwe": list(finding.cwe),
                "fix": doc_blocks(rule.docs.get("Fix", "")) if rule else []}
        app_index = apps.setdefault(finding.app, len(apps))
        subject = finding.subject
        rows.append([
            finding.rule_id, SEVERITY_INDEX[finding.severity], clean(finding.message),
            file_index, finding.location.line or 0, app_index, subject.kind,
            clean(subject.label), clean(subject.function) if subject.function else None,
            clean(finding.suppressed) if finding.suppressed else None,
            failing(finding, options.fail_on)])
    active_by_app: dict[str, list[Finding]] = {}
    for finding in result.active:
        active_by_app.setdefault(finding.app, []).append(finding)
    app_rows = []
    for name, _ in sorted(apps.items(), key=lambda item: item[1]):
        app = next((a for a in result.apps if a.name == name), None)
        entry: dict[str, Any] = {"name": clean(name)}
        if app is not None:
            region = app.region if isinstance(app.region, str) else None
            entry.update({"format": app.format, "region": clean(region) if region else None,
                          "source": clean(str(app.source)),
                          "functions": [clean(fn.id) for fn in app.functions],
                          "graph": _graph_data(build_graph(app, active_by_app.get(name, [])))})
        app_rows.append(entry)
    controls = sorted({c for r in rules.values() for c in r["controls"]})
    tally = counts(result.active)
    return {
        "tool": {"name": TOOL_NAME, "version": __version__},
        "scan": {"root": clean(str(result.root)), "files_scanned": result.files_scanned,
                 "files_failed": result.files_failed, "seconds": round(result.seconds, 2),
                 "fail_on": options.fail_on.value if options.fail_on else None},
        "severities": [s.value for s in SEVERITIES],
        "by_severity": [tally[s] for s in SEVERITIES],
        "show_suppressed": options.show_suppressed,
        "context": CONTEXT_LINES,
        "layout": {"columns": list(COLUMNS), "x": list(COLUMN_X), "w": NODE_W, "h": NODE_H},
        "open_apps": len(app_rows) <= OPEN_APPS,
        "controls": {c: CONTROL_NAMES.get(c, "") for c in controls},
        "rules": rules,
        "files": [clean(f) for f in files],
        "apps": app_rows,
        "findings": rows,
        "excerpts": excerpts(result.root, findings, files),
        "diagnostics": [[d.level, clean(d.message), clean(str(d.loc))]
                        for d in result.diagnostics if d.level != "info"],
    }


# --- the page ------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return (resources.files("faasguard.formats") / "html_assets" / name).read_text("utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no "</script", "<!--" or line separators."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render(result: ScanResult, options: RenderOptions) -> str:
    data = report_data(result, options)
    css, js = _asset("report.css"), _asset("report.js")
    csp = (f"default-src 'none'; style-src {_sha256(css)}; script-src {_sha256(js)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    title = f"{TOOL_NAME} report \N{EM DASH} {len(result.active)} findings"
    roots = ", ".join(a["name"] for a in data["apps"][:3])
    return "".join((
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<meta name=\"referrer\" content=\"no-referrer\">\n",
        f"<title>{html.escape(title)}{html.escape(' (' + roots + ')') if roots else ''}</title>\n",
        f"<style>{css}</style>\n</head>\n<body>\n",
        "<noscript><p class=\"noscript\">This report draws its graphs and findings with "
        "JavaScript; allow scripts for this file to see them.</p></noscript>\n",
        "<div id=\"app\"></div>\n",
        f"<script type=\"application/json\" id=\"report-data\">{script_json(data)}</script>\n",
        f"<script>{js}</script>\n</body>\n</html>\n",
    ))
