"""The bundled example app is found vulnerable the same way in both of its forms.

examples/shop-serverless (serverless.yml) and examples/shop-sam (SAM) describe the
same shop. Each planted problem (examples/README.md) must be reported in both, at
the line that plants it, by the rule that covers it; the near misses planted beside
them (a git SHA, an ${ssm:} reference, a JWT-protected route) must not be; and the
two forms must give the same (rule, function) pairs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FORMS = {"serverless": EXAMPLES / "shop-serverless" / "serverless.yml",
         "sam": EXAMPLES / "shop-sam" / "template.yaml"}

# (rule, function or None, per form: the line the finding must point at). A line is
# named by its text, or by (text of an earlier line, text) when the text repeats.
Where = str | tuple[str, str]
PLANTED: list[tuple[str, str | None, dict[str, Where]]] = [
    ("FG-IAM-002", None, {"serverless": "- dynamodb:*", "sam": "- dynamodb:*"}),
    ("FG-ISO-001", None, {"serverless": "role:", "sam": "ShopFunctionRole:"}),
    ("FG-IAM-002", "exportorders", {"serverless": "- s3:*", "sam": "- s3:*"}),
    ("FG-ISO-002", "exportorders", {"serverless": ("- lambda:InvokeFunction", 'Resource: "*"'),
                                    "sam": ("- lambda:InvokeFunction", 'Resource: "*"')}),
    ("FG-API-001", "listproducts", {"serverless": ("listProducts:", "- http:"),
                                    "sam": ("ListProducts:", "Products:")}),
    ("FG-API-001", "checkout", {"serverless": ("checkout:", "- http:"),
                                "sam": ("Handler: checkout.checkout", "Checkout:")}),
    ("FG-API-004", "exportorders", {"serverless": "url: true", "sam": "AuthType: NONE"}),
    ("FG-API-005", "exportorders", {"serverless": ("ExportOrdersPublicInvoke:", "Principal:"),
                                    "sam": ("ExportOrdersPublicInvoke:", "Principal:")}),
    ("FG-SEC-001", "checkout", {"serverless": "STRIPE_SECRET_KEY:", "sam": "STRIPE_SECRET_KEY:"}),
    ("FG-CFG-001", "exportorders", {"serverless": "runtime: nodejs14.x",
                                    "sam": "Runtime: nodejs14.x"}),
    ("FG-CFG-006", "listproducts", {"serverless": "timeout: 900", "sam": "Timeout: 900"}),
    ("FG-CFG-007", "listproducts", {"serverless": "timeout: 900", "sam": "Timeout: 900"}),
    ("FG-ENC-002", None, {"serverless": "UploadsBucket:", "sam": "UploadsBucket:"}),
    ("FG-STO-004", None, {"serverless": "UploadsBucket:", "sam": "UploadsBucket:"}),
    ("FG-STO-006", None, {"serverless": "OrdersTable:", "sam": "OrdersTable:"}),
]

# Planted in the manifests beside the code (examples/advisories holds the advisories):
# (rule, package, per form: the manifest, relative to the form's folder).
PLANTED_DEPS = [
    ("FG-DEP-001", "requests", {"serverless": "requirements.txt", "sam": "src/requirements.txt"}),
    ("FG-DEP-001", "lodash", {"serverless": "package.json", "sam": "src/package.json"}),
    ("FG-DEP-004", "requests", {"serverless": "requirements.txt", "sam": "src/requirements.txt"}),
    ("FG-DEP-004", "lodash", {"serverless": "package.json", "sam": "src/package.json"}),
]

# Rules that must stay quiet: each is the near miss planted next to a real problem.
QUIET = [
    ("FG-API-002", "getorder"),       # the httpApi route has a JWT authorizer
    ("FG-CFG-001", "nightlyreport"),  # nodejs24.x is current
    ("FG-CFG-002", "nightlyreport"),
]
# Environment variables that are not secrets: a git SHA, an ${ssm:} / {{resolve:}} reference.
NOT_SECRETS = ("BUILD_COMMIT", "PAYMENT_WEBHOOK_SECRET", "ORDERS_TABLE", "ORDERS_QUEUE_URL")

# What only one form has, by design: the Framework creates a log group per function
# (FG-ENC-008 then sees each one); SAM leaves log groups to Lambda.
ONLY_SERVERLESS = {"FG-ENC-008"}
# Node ids that differ between the forms but name the same construct.
SAME_NODE = {
    "IamRoleLambdaExecution": "shared role", "ShopFunctionRole": "shared role",
    "ApiGatewayRestApi": "rest api", "ServerlessRestApi": "rest api",
    "HttpApi": "http api", "ShopHttpApi": "http api",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "faasguard", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def advisories() -> str:
    """The demo's advisory database, built as `make demo` builds it."""
    db = Path(tempfile.mkdtemp(prefix="faasguard-demo-")) / "advisories.sqlite3"
    run = _run("db", "import", str(EXAMPLES / "advisories"), "--advisory-db", str(db))
    assert run.returncode == 0, run.stderr
    return str(db)


@cache
def report(form: str) -> dict[str, Any]:
    run = _run("scan", str(FORMS[form].parent.relative_to(ROOT)), "--format", "json",
               "--no-progress", "--advisory-db", DEMO_DB())
    assert "Traceback" not in run.stderr
    assert run.returncode == 1, run.stderr  # vulnerable on purpose
    data: dict[str, Any] = json.loads(run.stdout)
    return data


DEMO_DB = cache(advisories)


def _function(finding: dict[str, Any]) -> str | None:
    fn = finding["subject"]["function"]
    return fn.casefold() if fn else None


def _node(finding: dict[str, Any]) -> str:
    fn = _function(finding)
    if fn:
        return fn
    sid = finding["subject"]["id"]
    return SAME_NODE.get(sid, sid)


def _line_of(form: str, where: Where) -> int:
    """The 1-based line that ``where`` names in the form's template."""
    after, text = where if isinstance(where, tuple) else ("", where)
    lines = [line.strip() for line in FORMS[form].read_text(encoding="utf-8").splitlines()]
    start = 0
    if after:
        anchors = [n for n, line in enumerate(lines) if line.startswith(after)]
        assert len(anchors) == 1, f"{after!r} must start exactly one line in {form}"
        start = anchors[0]
    found = [n for n, line in enumerate(lines) if n >= start and line.startswith(text)]
    assert found if after else len(found) == 1, f"{where!r} does not name one line in {form}"
    return found[0] + 1


def test_rule_ids_exist() -> None:
    run = _run("rules", "--format", "json")
    assert run.returncode == 0, run.stderr
    catalogue = json.loads(run.stdout)
    known = {r["id"] for r in catalogue["rules"]}
    pinned = {rule for rule, _, _ in PLANTED} | {rule for rule, _ in QUIET}
    assert pinned <= known, f"renamed or removed rules: {sorted(pinned - known)}"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("rule", "function", "where"), PLANTED,
                         ids=[f"{r}-{f or 'app'}" for r, f, _ in PLANTED])
def test_planted_problem_is_found(form: str, rule: str, function: str | None,
                                  where: dict[str, Where]) -> None:
    line = _line_of(form, where[form])
    hits = [f for f in report(form)["findings"]
            if f["rule_id"] == rule and _function(f) == function]
    assert hits, f"{rule} not reported for {function or 'the app'} in {form}"
    assert line in {f["location"]["line"] for f in hits}, \
        f"{rule} points at {[f['location']['line'] for f in hits]}, expected line {line}"


@pytest.mark.parametrize("form", FORMS)
def test_near_misses_stay_quiet(form: str) -> None:
    findings = report(form)["findings"]
    for rule, function in QUIET:
        assert not [f for f in findings if f["rule_id"] == rule and _function(f) == function], \
            f"{rule} on {function} in {form}"
    secrets = {f["detail"] for f in findings if f["rule_id"].startswith("FG-SEC")}
    assert not secrets & set(NOT_SECRETS), secrets
    # The planted secret is reported masked, never in full.
    assert "sk_live_51ShopDemoFakeKey9xQ2mN7vR4tY8wZ3kL6pJ" not in json.dumps(report(form))


@pytest.mark.parametrize("form", FORMS)
def test_app_reads_cleanly(form: str) -> None:
    data = report(form)
    assert data["scan"]["files_failed"] == 0
    assert [d for d in data["diagnostics"] if d["level"] in ("error", "warning")] == []
    (app,) = data["apps"]
    assert app["functions"] == 7


def test_both_forms_report_the_same() -> None:
    def pairs(form: str) -> set[tuple[str, str]]:
        return {(f["rule_id"], _node(f)) for f in report(form)["findings"]
                if f["rule_id"] not in ONLY_SERVERLESS}

    serverless, sam = pairs("serverless"), pairs("sam")
    assert serverless - sam == set(), "only in serverless.yml"
    assert sam - serverless == set(), "only in SAM"
    assert {f["rule_id"] for f in report("serverless")["findings"]} >= ONLY_SERVERLESS


def test_make_demo_scans_both_forms() -> None:
    """What ``make demo`` runs: the whole examples/ tree, both apps, findings exit 1."""
    run = _run("scan", "examples", "--no-progress")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    assert "2 files scanned, 2 apps" in run.stdout


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("rule", "package", "where"), PLANTED_DEPS,
                         ids=[f"{r}-{p}" for r, p, _ in PLANTED_DEPS])
def test_planted_dependency_problems(form: str, rule: str, package: str,
                                     where: dict[str, str]) -> None:
    hits = [f for f in report(form)["findings"] if f["rule_id"] == rule
            and f["location"]["file"] == where[form]
            and f["message"].startswith(f"{package} ")]
    assert len(hits) == 1, [f["message"] for f in report(form)["findings"]
                            if f["rule_id"] == rule]
    if rule == "FG-DEP-001":
        assert hits[0]["evidence"]["reachability"] == "not imported"
