"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright
(never a browser Playwright downloads). The report of the bundled examples opens without
console errors or network requests, draws one box per function, and its filters show
exactly the findings they should. Screenshots go to tests/browser/artifacts/.

Skipped when chromium or playwright is missing, unless FAASGUARD_REQUIRE_SERVERS=1 (CI),
where that fails.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from faasguard.config import Config
from faasguard.engine import ScanResult, scan
from faasguard.findings import Severity
from faasguard.formats import RenderOptions
from faasguard.formats.html import render
from faasguard.loaders.base import LoadOptions
from faasguard.model import App, Location

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("FAASGUARD_CHROMIUM", "/usr/bin/chromium")
REQUIRE_ENV = "FAASGUARD_REQUIRE_SERVERS"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
HOSTILE = "<img src=x onerror=window.__pwned=1>"


def unavailable(message: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} ({REQUIRE_ENV}=1)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    binary = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not binary:
        unavailable(f"chromium not found (looked for {CHROMIUM} and on PATH; "
                    "apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def examples() -> ScanResult:
    return scan([ROOT / "examples"], LoadOptions(root=ROOT), Config())


class Page:
    """A report opened from disk, with everything that went wrong recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.url = path.as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1440, "height": 900},
                                     color_scheme="light")
        self.page.on("console", lambda m: m.type in ("error", "warning") and
                     self.errors.append(f"console {m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: r.url != self.url and
                     self.errors.append(f"request failed: {r.url}"))
        self.page.route("**/*", self._route)
        self.page.goto(self.url)
        self.page.wait_for_selector("html[data-ready=true]", timeout=10_000)

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def matching(self) -> int:
        text = self.page.inner_text("#finding-count")
        found = re.search(r"of (\d+) matching", text)
        assert found, text
        return int(found.group(1))

    def shown_severities(self) -> set[str]:
        return set(self.page.eval_on_selector_all(
            "#finding-list .finding", "els => els.map(e => e.dataset.sev)"))


def _write(result: ScanResult, path: Path) -> Path:
    path.write_text(render(result, RenderOptions()), encoding="utf-8")
    return path


def test_examples_report_opens_and_filters(browser: Any, examples: ScanResult,
                                           tmp_path: Path) -> None:
    report = Page(browser, _write(examples, tmp_path / "report.html"))
    page = report.page
    active = examples.active
    functions = sum(len(app.functions) for app in examples.apps)
    assert functions and active

    # one box per function, in one graph per app
    assert page.locator("svg.graph").count() == len(examples.apps)
    assert page.locator("svg.graph .node.fn").count() == functions
    assert page.locator("svg.graph .node.wild").count() >= 1  # the examples grant `*`
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-report-overview.png"))

    assert report.matching() == len(active)

    # severity: switching one off hides exactly its findings
    page.click("#f-sev-low")
    assert report.matching() == sum(1 for f in active if f.severity is not Severity.LOW)
    assert "low" not in report.shown_severities()
    # a summary card shows that severity alone
    page.click(".sev-card[data-sev=high]")
    assert report.matching() == sum(1 for f in active if f.severity is Severity.HIGH)
    assert report.shown_severities() == {"high"}
    page.click("#f-reset")
    assert report.matching() == len(active)

    # control
    page.select_option("#f-control", "A4")
    assert report.matching() == sum(1 for f in active if "A4" in f.controls)

    # function (clicking its box in the graph), combined with the control filter
    app_index = [app.name for app in examples.apps].index("shop-sam")
    page.click("svg.graph .node.fn:has-text('ExportOrders')")
    assert page.input_value("#f-function") == f"{app_index}/ExportOrders"
    assert report.matching() == sum(1 for f in active if f.app == "shop-sam"
                                    and f.subject.function == "ExportOrders"
                                    and "A4" in f.controls)
    page.select_option("#f-control", "")
    mine = [f for f in active if f.app == "shop-sam" and f.subject.function == "ExportOrders"]
    assert report.matching() == len(mine)

    # a finding opens to its excerpt, with the reported line marked, and its fix
    first = page.locator("#finding-list .finding").first
    first.locator("summary").click()
    assert first.locator(".excerpt .ln.hit").count() == 1
    assert first.locator(".fix").count() == 1
    first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "html-report-findings.png"))

    assert report.errors == []
    assert report.requests == []


def test_hostile_names_are_shown_not_run(browser: Any, tmp_path: Path) -> None:
    app = tmp_path / "evil"
    app.mkdir()
    (app / "serverless.yml").write_text(
        f'service: "svc-{HOSTILE}"\n'
        "provider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n"
        f'  "fn-{HOSTILE}":\n'
        "    handler: h.main\n"
        "    url: true\n"
        "    environment:\n"
        f'      NOTE: "</script><script>window.__pwned=2</script>"\n', encoding="utf-8")
    result = scan([app], LoadOptions(root=tmp_path), Config())
    assert result.apps and result.findings
    # an app with nothing to draw, and findings of an app the model does not have
    result.apps.append(App(name="empty", source=Location("e.yaml", 1), format="cloudformation"))
    result.findings.append(dataclasses.replace(result.findings[0], app="gone"))
    report = Page(browser, _write(result, tmp_path / "report.html"))
    page = report.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0
    assert HOSTILE in (page.locator("svg.graph .node.fn title").text_content() or "")
    page.locator("#finding-list .finding summary").first.click()
    assert page.locator("details.app").count() == 3
    assert page.locator("svg.graph").count() == 1
    assert report.errors == []
    assert report.requests == []
