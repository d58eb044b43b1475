"""The HTML log report in a real browser (Debian's headless Chromium driven by
Playwright): it opens without console errors or network requests, draws one bar per
busy bucket with the anomalies marked, sorts and filters its tables, and shows hostile
names from the logs as text. Screenshots go to tests/browser/artifacts/.

Skipped when chromium or playwright is missing, unless FAASGUARD_REQUIRE_SERVERS=1 (CI),
where that fails.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from faasguard.logs.ingest import ingest
from faasguard.logs.report import LogReport, OfficeHours, Period, build_report, open_store
from faasguard.logs.report.auth import AuthOptions
from faasguard.logs.report.html import render

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "tests" / "fixtures" / "logs" / "report" / "logs"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("FAASGUARD_CHROMIUM", "/usr/bin/chromium")
REQUIRE_ENV = "FAASGUARD_REQUIRE_SERVERS"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
HOSTILE = "<img src=x onerror=window.__pwned=1>"

sys.path.insert(0, str(ROOT / "tests" / "logs"))
import reportrows  # noqa: E402


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


def _report(db_path: Path) -> LogReport:
    db = open_store(db_path)
    try:
        office = OfficeHours.parse("08:00-18:00", "Europe/Paris")
        return build_report(db, db_path.name, Period(), AuthOptions(office=office))
    finally:
        db.close()


@pytest.fixture(scope="module")
def fixtures_report(tmp_path_factory: pytest.TempPathFactory) -> LogReport:
    db = tmp_path_factory.mktemp("html") / "logs.duckdb"
    assert ingest([str(LOGS)], db).failed == 0
    return _report(db)


class Page:
    """A report opened from disk, with everything that went wrong recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.url = path.as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1440, "height": 900},
                                     color_scheme="light")
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.route("**/*", self._route)
        self.page.goto(self.url)
        self.page.wait_for_selector("html[data-ready=true]", timeout=10_000)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"console {message.type}: {message.text}")

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def column(self, table: str, index: int) -> list[str]:
        return list(self.page.eval_on_selector_all(
            f"#{table} tbody tr:not([hidden])",
            f"rows => rows.map(r => r.cells[{index}].textContent)"))


def test_report_opens_draws_and_sorts(browser: Any, fixtures_report: LogReport,
                                      tmp_path: Path) -> None:
    path = tmp_path / "logs-report.html"
    path.write_text(render(fixtures_report), encoding="utf-8")
    report = Page(browser, path)
    page = report.page
    timeline = fixtures_report.timeline

    # one bar per bucket with a count, per series; the anomalies marked
    for series in ("invocations", "errors", "auth_failures"):
        busy = [b for b in timeline.buckets if getattr(b, series)]
        bars = page.locator(f"#chart-{series} rect.bar")
        assert bars.count() == len(busy)
        counts = page.eval_on_selector_all(f"#chart-{series} rect.bar",
                                           "els => els.map(e => Number(e.dataset.count))")
        assert sum(counts) == sum(getattr(b, series) for b in busy)
        flagged = page.eval_on_selector_all(f"#chart-{series} rect.anomaly",
                                            "els => els.map(e => e.dataset.start)")
        assert flagged == [f"{a.start.isoformat()}Z" for a in timeline.anomalies
                           if a.series == series]
    assert page.locator("#chart-invocations rect.anomaly").count() == 2
    assert page.locator("#anomalies tbody tr").count() == len(timeline.anomalies)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "logs-report-overview.png"), full_page=True)

    # the tables hold what the report holds
    functions = fixtures_report.functions.functions
    assert page.locator("#functions tbody tr").count() == len(functions)
    assert page.locator("#auth-bursts tbody tr").count() == len(fixtures_report.auth.bursts)

    # sorting: Invoked (column 3) descending puts the busiest function first
    header = page.locator("#functions th", has_text="Invoked")
    header.click()
    assert report.column("functions", 3) == sorted(report.column("functions", 3), key=int)
    header.click()
    assert report.column("functions", 2)[0] == max(functions, key=lambda f: f.invocations
                                                   ).function
    # filtering
    page.fill("#fn-filter", "prod")
    assert report.column("functions", 2) == ["shop-prod-getOrder"]
    assert page.inner_text("#fn-count") == "1"
    page.fill("#fn-filter", "")
    assert page.inner_text("#fn-count") == str(len(functions))

    assert report.errors == []
    assert report.requests == []


def test_hostile_names_stay_text(browser: Any, tmp_path: Path) -> None:
    db = reportrows.build(tmp_path / "hostile.duckdb", {
        "lambda_events": [{"ts": "2026-11-20T10:00:00Z", "function_name": HOSTILE,
                           "account_id": "111", "kind": "report", "request_id": "r1",
                           "duration_ms": 10.0, "memory_mb": 128}],
        "audit_events": [{"ts": "2026-11-20T10:00:00Z", "type": "auth.failure",
                          "principal_id": HOSTILE, "function_name": "</script>",
                          "reason": "token expired"}],
    })
    path = tmp_path / "hostile.html"
    path.write_text(render(_report(db)), encoding="utf-8")
    report = Page(browser, path)
    page = report.page
    assert page.evaluate("window.__pwned") is None
    assert report.column("functions", 2) == [HOSTILE]
    assert HOSTILE in report.column("auth-accounts", 0)
    assert page.locator("img").count() == 0
    assert report.errors == [] and report.requests == []
