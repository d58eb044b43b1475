"""The HTML report: one self-contained file, nothing from the scan parsed as markup,
secrets masked in messages and in source excerpts, a graph per app."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import json
import re
from pathlib import Path

import pytest

from faasguard.engine import ScanResult
from faasguard.findings import Finding, Severity, Subject
from faasguard.formats import RenderOptions, clean
from faasguard.formats import html as report
from faasguard.model import (
    App,
    AuthKind,
    Authorizer,
    Bucket,
    Function,
    Location,
    Policy,
    Ref,
    Role,
    Route,
    Statement,
    Trigger,
    TriggerKind,
)

from .conftest import FAKE_RULE, make_result

SECRET = "ghp_Z3kq8VwL1xNp5RtY7uBc2MdF9sHj4AeG6iKo"  # an invented GitHub token
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"
HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture(autouse=True)
def html_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report, "rules_by_id", lambda: {FAKE_RULE.id: FAKE_RULE})


def _data(page: str) -> dict:  # type: ignore[type-arg]
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page,
                     re.S)
    assert blob is not None
    return json.loads(blob.group(1))  # type: ignore[no-any-return]


def _finding(rule_id: str, severity: Severity, file: str, line: int, subject: Subject,
             app: str = "shop", controls: tuple[str, ...] = ("A1",), message: str = "m",
             ) -> Finding:
    return Finding(rule_id, "A title", severity, message, Location(file, line), subject, app,
                   controls)


# --- the page --------------------------------------------------------------------------


def test_one_self_contained_file_with_a_strict_policy(result: ScanResult) -> None:
    page = report.render(result, RenderOptions())
    assert page.startswith("<!DOCTYPE html>")
    css = re.search(r"<style>(.*?)</style>", page, re.S)
    js = re.search(r"<script>(.*?)</script>", page, re.S)
    assert css and js
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    for text in (css.group(1), js.group(1)):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy.group(1)
    assert "default-src 'none'" in policy.group(1)
    assert "unsafe-inline" not in policy.group(1)
    # nothing fetched at view time: no external scripts, styles, fonts or images
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", page.replace(
        _data_text(page), ""))


def _data_text(page: str) -> str:
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page,
                     re.S)
    assert blob is not None
    return blob.group(1)


def test_summary_and_rows(result: ScanResult) -> None:
    data = _data(report.render(result, RenderOptions(fail_on=Severity.HIGH)))
    assert data["by_severity"] == [1, 2, 1, 0, 0]  # active findings only
    assert len(data["findings"]) == 6  # suppressed ones travel too, hidden by default
    assert data["show_suppressed"] is False
    first = data["findings"][0]
    assert first[0] == "FG-API-900" and data["severities"][first[1]] == "critical"
    assert data["files"][first[3]] == "orders/template.yaml" and first[4] == 72
    assert data["apps"][first[5]]["name"] == "orders" and first[8] == "CreateOrder"
    assert first[10] is True  # fails the scan at --fail-on high
    suppressed = [row for row in data["findings"] if row[9]]
    assert {row[0] for row in suppressed} == {"FG-CFG-900", "FG-LOG-900"}
    assert data["diagnostics"][0] == ["error", "invalid UTF-8 at byte 17",
                                      "broken/template.yaml:3"]
    assert data["scan"]["fail_on"] == "high"


def test_fix_comes_from_the_rule_docs(result: ScanResult) -> None:
    data = _data(report.render(result, RenderOptions()))
    fix = data["rules"]["FG-TST-001"]["fix"]
    assert fix[0] == ["code", "yaml", "Action: s3:GetObject"]
    assert fix[1] == ["p", [["t", "Name the actions the function calls."]]]
    assert data["rules"]["FG-API-900"]["fix"] == []  # a rule the catalogue does not know
    assert data["controls"]["A1"] == "Least privilege per function"


def test_doc_blocks_reads_the_markdown_the_rules_use() -> None:
    blocks = report.doc_blocks("Use `Ref` and **never** `*`:\n\n- one\n- two `x`\n  wrapped\n\n"
                               "```json\n{\"a\": 1}\n```\nLast.")
    assert blocks == [
        ["p", [["t", "Use "], ["c", "Ref"], ["t", " and "], ["b", "never"], ["t", " "],
               ["c", "*"], ["t", ":"]]],
        ["ul", [[["t", "one"]], [["t", "two "], ["c", "x"], ["t", " wrapped"]]]],
        ["code", "json", '{"a": 1}'],
        ["p", [["t", "Last."]]],
    ]


# --- escaping and masking ---------------------------------------------------------------


def test_hostile_names_stay_data(result: ScanResult) -> None:
    hostile_app = App(name=HOSTILE, source=Location("x/template.yaml", 1), format="sam",
                      functions=(Function(id=HOSTILE, loc=Location("x/template.yaml", 3),
                                          runtime=HOSTILE, environment={"K": HOSTILE}),))
    result.apps.append(hostile_app)
    result.findings.append(_finding("FG-TST-001", Severity.HIGH, "x/template.yaml", 3,
                                    Subject("function", HOSTILE, None, HOSTILE), app=HOSTILE,
                                    message=HOSTILE))
    result.diagnostics.append(dataclasses.replace(result.diagnostics[0], message=HOSTILE))
    page = report.render(result, RenderOptions())
    assert page.count("<script") == 2  # the data blob and the report script, nothing else
    assert page.count("</script>") == 2
    assert "<img" not in page and "onerror=alert" in page  # present, but only as text
    data = _data(page)
    assert HOSTILE in [a["name"] for a in data["apps"]]
    assert any(row[2] == HOSTILE for row in data["findings"])
    graph = data["apps"][-1]["graph"]
    assert any(node[6] == HOSTILE for node in graph["n"])
    assert "<title>" in page and HOSTILE not in page.split("<title>")[1].split("</title>")[0]


def test_script_json_cannot_end_the_script_element() -> None:
    text = report.script_json({"k": "</script><!-- \u2028 & >"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"k": "</script><!-- \u2028 & >"}


def test_secrets_that_slipped_through_are_masked(result: ScanResult) -> None:
    result.findings[1] = dataclasses.replace(result.findings[1], message=f"key {SECRET} in env",
                                             suppressed=f"inline: {SECRET}")
    result.diagnostics[0] = dataclasses.replace(result.diagnostics[0], message=f"bad {SECRET}")
    result.apps[0] = dataclasses.replace(result.apps[0], name=f"app-{SECRET}")
    page = report.render(result, RenderOptions(show_suppressed=True))
    assert SECRET not in page
    assert "ghp_****(40 chars)" in page


def test_mask_line_masks_values_that_have_no_name_on_the_line() -> None:
    assert "hunter2" not in report.mask_line("  Default: hunter2-xyz", secret_here=True)
    assert report.mask_line("const key = 'hunter2-xyz';", secret_here=True) == \
        "const key = 'hu****(11 chars)';"
    assert report.mask_line("  - hunter2-xyz", secret_here=True) == "  - hu****(11 chars)"
    assert report.mask_line("    hunter2-xyz", secret_here=True) == "    hu****(11 chars)"
    assert report.mask_line("  Default: hunter2-xyz") == "  Default: hunter2-xyz"
    random = "q8Vw3Lx1Np5RtY7uBc2MdF9sHj4AeG6iKoZ3k"
    assert random not in report.mask_line(f"    - {random}")  # a value with no name
    assert SECRET not in report.mask_line(f"TOKEN: {SECRET}")
    keep = "arn:aws:iam::123456789012:role/service-role/orders-handler-role"
    assert report.mask_line(f"Role: {keep}") == f"Role: {keep}"


# --- excerpts ----------------------------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    lines = [f"line {n}" for n in range(1, 31)]
    lines[9] = f"    GITHUB_TOKEN: {SECRET}"
    lines[11] = "    Default: s3cr3t-Passw0rd"
    lines[12] = "    Name: <script>alert(1)</script>"
    lines[13:16] = ["  Key: |", "    -----BEGIN RSA PRIVATE KEY-----", f"    {PEM_BODY}",
                    "    -----END RSA PRIVATE KEY-----"]
    (root / "app" / "template.yaml").write_text("\n".join(lines) + "\n")
    (tmp_path / "outside.yaml").write_text("outside secret line\n" * 20)
    (root / "app" / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    return root


def test_excerpts_are_masked_escaped_and_stored_once(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    fn = Subject("function", "f", None, "f")
    findings = [
        _finding("FG-TST-001", Severity.HIGH, "app/template.yaml", 10, fn),
        _finding("FG-TST-001", Severity.LOW, "app/template.yaml", 11, fn),
        _finding("FG-SEC-002", Severity.HIGH, "app/template.yaml", 12, fn, controls=("B3",)),
        _finding("FG-TST-001", Severity.LOW, "app/template.yaml", 17, fn),
        _finding("FG-TST-001", Severity.LOW, "app/link.yaml", 5, fn),
        _finding("FG-TST-001", Severity.LOW, "../outside.yaml", 5, fn),
    ]
    result = ScanResult(root=root, findings=findings)
    page = report.render(result, RenderOptions())
    assert SECRET not in page and "s3cr3t-Passw0rd" not in page and "outside secret" not in page
    assert PEM_BODY not in page
    data = _data(page)
    lines = data["excerpts"][str(data["files"].index("app/template.yaml"))]
    # lines 7..15 around three findings and 14..20 around the key, each once
    assert sorted(int(n) for n in lines) == list(range(7, 21))
    assert lines["16"] == "****(private key line)" and "****" in lines["15"]
    assert lines["10"] == "    GITHUB_TOKEN: ghp_****(40 chars)"
    assert lines["12"].startswith("    Default: ") and "****" in lines["12"]
    assert lines["13"] == "    Name: <script>alert(1)</script>"  # data, escaped in the blob
    assert "<script>alert(1)" not in page
    assert len(data["excerpts"]) == 1  # the symlink and the path outside the root: not read


def test_excerpts_skip_binary_huge_and_long_lines(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path
    (root / "bin.yaml").write_bytes(b"a\0b\n" * 10)
    (root / "long.yaml").write_text("short\n" + "x" * (report.MAX_LINE_CHARS + 1) + "\n")
    (root / "big.yaml").write_text("y\n" * 300)
    monkeypatch.setattr(report, "MAX_FILE_BYTES", 500)
    subject = Subject("function", "f")
    files = {"bin.yaml": 0, "long.yaml": 1, "big.yaml": 2}
    out = report.excerpts(root, [_finding("X", Severity.LOW, f, 2, subject) for f in files], files)
    assert list(out) == ["1"]
    assert out["1"]["1"] == "short" and "too long" in out["1"]["2"]


# --- the graph ---------------------------------------------------------------------------


def _app() -> App:
    loc = Location("t.yaml", 1)
    public = Route("Api", "get", "/items", Location("t.yaml", 5), function="List")
    guarded = Route("Api", "post", "/items", Location("t.yaml", 6),
                    Authorizer(AuthKind.JWT, "jwt"), function="Create")
    wide = Statement("Allow", Location("t.yaml", 20), actions=("s3:*",), resources=("*",))
    narrow = Statement("Allow", Location("t.yaml", 22), actions=("dynamodb:GetItem",),
                       resources=(Ref("Table", "Arn"),))
    return App(
        name="shop", source=loc, format="sam",
        functions=(
            Function(id="List", loc=Location("t.yaml", 2), role="Shared", runtime="python3.12",
                     triggers=(Trigger(TriggerKind.HTTP_API, Location("t.yaml", 5), api="Api",
                                       route=public),)),
            Function(id="Create", loc=Location("t.yaml", 3), role="Shared",
                     triggers=(Trigger(TriggerKind.HTTP_API, Location("t.yaml", 6), api="Api",
                                       route=guarded),
                               Trigger(TriggerKind.S3, Location("t.yaml", 7),
                                       source=Ref("Uploads")))),
            Function(id="Lonely", loc=Location("t.yaml", 4)),
        ),
        roles={"Shared": Role(id="Shared", loc=Location("t.yaml", 19),
                              policies=(Policy("p", loc, (wide, narrow)),))},
        resources={"Table": Bucket(id="Table", loc=Location("t.yaml", 30), type="AWS::S3::Bucket"),
                   "Uploads": Bucket(id="Uploads", loc=Location("t.yaml", 31),
                                     type="AWS::S3::Bucket"),
                   "Unused": Bucket(id="Unused", loc=Location("t.yaml", 32))},
    )


def test_graph_columns_edges_and_risk() -> None:
    app = _app()
    findings = [
        _finding("R1", Severity.CRITICAL, "t.yaml", 5,
                 Subject("route", "Api GET /items", "GET /items", "List")),
        _finding("R2", Severity.MEDIUM, "t.yaml", 20, Subject("role", "Shared")),
        _finding("R3", Severity.LOW, "t.yaml", 31, Subject("resource", "Uploads")),
    ]
    graph = report.build_graph(app, findings)
    nodes = {n.key: n for n in graph.nodes}
    assert {k for k, n in nodes.items() if n.column == 1} == {"fn:List", "fn:Create", "fn:Lonely"}
    assert nodes["route:Api:GET /items"].public and not nodes["route:Api:POST /items"].public
    assert nodes["route:Api:GET /items"].severity is Severity.CRITICAL
    assert nodes["fn:List"].severity is Severity.CRITICAL  # the route's finding is its own
    assert nodes["fn:Create"].severity is None and nodes["fn:Lonely"].severity is None
    assert nodes["role:Shared"].severity is Severity.MEDIUM
    assert nodes["s3:Uploads"].severity is Severity.LOW  # the trigger's source resource
    assert nodes["res:*"].wildcard and nodes["res:Table"].column == 3
    assert "res:Unused" not in nodes  # nothing reaches it and nothing is wrong with it
    keys = [n.key for n in graph.nodes]
    edges = {(keys[a], keys[b]): (style, tip) for a, b, style, tip in graph.edges}
    assert edges[("s3:Uploads", "fn:Create")][0] == report.EDGE_PLAIN
    assert ("fn:List", "role:Shared") in edges and ("fn:Create", "role:Shared") in edges
    assert edges[("role:Shared", "res:*")] == (report.EDGE_WILDCARD, "s3:*")
    assert edges[("role:Shared", "res:Table")] == (report.EDGE_PLAIN, "dynamodb:GetItem")
    # laid out without overlaps, every column from the top
    for column in range(4):
        ys = sorted(n.y for n in graph.nodes if n.column == column)
        assert all(b - a >= report.STEP_Y for a, b in itertools.pairwise(ys))
    assert graph.height >= max(n.y for n in graph.nodes) + report.NODE_H


def test_every_app_gets_a_graph() -> None:
    result = make_result()
    data = _data(report.render(result, RenderOptions()))
    assert [a["name"] for a in data["apps"]] == ["orders", "billing"]
    counts = [sum(1 for n in a["graph"]["n"] if n[0] == 1) for a in data["apps"]]
    assert counts == [2, 1]


def test_html_is_a_scan_format(tmp_path: Path) -> None:
    from faasguard.cli import main

    out = tmp_path / "report.html"
    examples = Path(__file__).resolve().parents[2] / "examples"
    code = main(["scan", str(examples), "--format", "html", "--output", str(out),
                 "--no-progress"])
    assert code == 1  # the examples are deliberately vulnerable
    page = out.read_text(encoding="utf-8")
    data = _data(page)
    assert {a["name"] for a in data["apps"]} == {"shop", "shop-sam"}
    assert len(page) < 1_000_000
    assert all(clean(m) == m for m in (row[2] for row in data["findings"]))


def test_an_app_without_functions_and_findings_of_an_unknown_app(result: ScanResult) -> None:
    result.apps.append(App(name="empty", source=Location("e/template.yaml", 1),
                           format="cloudformation"))
    result.findings.append(_finding("FG-TST-001", Severity.LOW, "gone/template.yaml", 2,
                                    Subject("resource", "B"), app="gone"))
    data = _data(report.render(result, RenderOptions()))
    apps = {a["name"]: a for a in data["apps"]}
    assert apps["empty"]["graph"] == {"h": report.NODE_H, "n": [], "e": []}
    assert apps["gone"] == {"name": "gone"}  # listed for its findings, no graph
