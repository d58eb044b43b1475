"""A fixed scan result that every format test renders.

It holds what reports must get right: two apps, findings tied to a function (through
its role and directly), a route, a resource, one suppressed inline and one through
the config, a message carrying markup, a pipe, a terminal escape and a secret-looking
value, a rule the catalogue does not know, an unreadable file and a warning.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.engine import ScanResult
from faasguard.findings import Finding, Severity, Subject
from faasguard.model import Api, App, Diagnostic, Function, Location, Role, Route
from faasguard.rules.registry import Rule

HOSTILE = "Role allows s3:* on * <img src=x onerror=alert(1)> | col \x1b[2J @octocat"


def _noop_check(app, ctx):  # type: ignore[no-untyped-def]
    return iter(())


FAKE_RULE = Rule(
    id="FG-TST-001", title="Wildcard action in a test policy", severity=Severity.HIGH,
    category="iam", controls=("A1",), cwe=(732, 269),
    docs={"What it does": "Reports wildcards.\n\nMore detail.", "Why is this bad?": "Because.",
          "Example": "```yaml\nAction: '*'\n```", "Fix": "```yaml\nAction: s3:GetObject\n```\n"
          "Name the actions the function calls.", "References": "- https://example.org"},
    check=_noop_check, module="tests")
"""A catalogue rule for the tests (the real catalogue changes as rules are added)."""


def make_result(root: Path = Path("/srv/project")) -> ScanResult:
    orders = App(
        name="orders", source=Location("orders/template.yaml", 1), format="sam",
        region="eu-west-1",
        functions=(Function(id="CreateOrder", loc=Location("orders/template.yaml", 10),
                            name="orders-prod-create"),
                   Function(id="ListOrders", loc=Location("orders/template.yaml", 30))),
        roles={"CreateOrderRole": Role(id="CreateOrderRole",
                                       loc=Location("orders/template.yaml", 50))},
        apis={"Api": Api(id="Api", loc=Location("orders/template.yaml", 70), kind="http",
                         routes=(Route(api="Api", method="post", path="/orders",
                                       loc=Location("orders/template.yaml", 72),
                                       function="CreateOrder"),))},
    )
    billing = App(name="billing", source=Location("billing/serverless.yml", 1),
                  format="serverless",
                  functions=(Function(id="charge", loc=Location("billing/serverless.yml", 8)),))
    findings = [
        Finding("FG-TST-001", FAKE_RULE.title, Severity.HIGH, HOSTILE,
                Location("orders/template.yaml", 52),
                Subject("role", "CreateOrderRole", None, "CreateOrder"), "orders",
                ("A1",), (732, 269), "s3:*", {"action": "s3:*", "refs": ("a", 1)}),
        Finding("FG-ENC-900", "Bucket without encryption", Severity.MEDIUM,
                "Bucket DataBucket has no default encryption.",
                Location("orders/template.yaml", 90), Subject("resource", "DataBucket"),
                "orders", ("B1",), (311,)),
        Finding("FG-API-900", "Route without an authorizer", Severity.CRITICAL,
                "Route POST /orders of the HTTP API has no authorizer.",
                Location("orders/template.yaml", 72),
                Subject("route", "Api POST /orders", "POST /orders", "CreateOrder"), "orders",
                ("A4",), (306,), "POST /orders"),
        Finding("FG-CFG-900", "Timeout at the maximum", Severity.LOW,
                "Function ListOrders has a timeout of 900 seconds.",
                Location("orders/template.yaml", 33),
                Subject("function", "ListOrders", None, "ListOrders"), "orders", ("C2",), (400,),
                suppressed="inline: batch export, runs for minutes"),
        Finding("FG-LOG-900", "Log retention not set", Severity.INFO,
                "Function charge keeps its logs forever.", Location("billing/serverless.yml", 9),
                Subject("function", "charge", None, "charge"), "billing", ("F1",), (778,),
                suppressed=".faasguard.toml: retention is set by the org"),
        Finding("FG-SEC-900", "Secret in an environment variable", Severity.HIGH,
                "Function charge has a secret in STRIPE_KEY (sk_l****).",
                Location("billing/serverless.yml", 12),
                Subject("function", "charge", None, "charge"), "billing", ("B3",), (798,),
                "STRIPE_KEY"),
    ]
    diagnostics = [
        Diagnostic("error", "invalid UTF-8 at byte 17", Location("broken/template.yaml", 3)),
        Diagnostic("warning", "${ssm:/billing/key} is resolved at deploy time; not checked",
                   Location("billing/serverless.yml", 12)),
        Diagnostic("info", "same content as orders/template.yaml; scanned once",
                   Location("copy/template.yaml")),
    ]
    return ScanResult(root=root, apps=[orders, billing], findings=findings,
                      diagnostics=diagnostics, files_scanned=3, files_failed=1, seconds=0.25)


@pytest.fixture
def result() -> ScanResult:
    return make_result()


@pytest.fixture(autouse=True)
def fixed_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Formats see a catalogue of exactly FAKE_RULE, whatever rules exist today."""
    import faasguard.formats as formats

    for module in ("faasguard.formats", "faasguard.formats.sarif", "faasguard.formats.markdown"):
        __import__(module)
        monkeypatch.setattr(f"{module}.rules_by_id", lambda: {FAKE_RULE.id: FAKE_RULE})
    assert formats.rules_by_id() == {FAKE_RULE.id: FAKE_RULE}
