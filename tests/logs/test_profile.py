"""Runtime profiles (C2): the fixture apps, loaded by faasguard's own loaders, against
the fixture logs, ingested by `faasguard logs ingest`. Expected values by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import reportrows

from faasguard.cli import main
from faasguard.logs.ingest import ingest
from faasguard.logs.report.common import Period, open_store
from faasguard.logs.report.profile import (
    FunctionProfile,
    Observed,
    ProfileReport,
    load_apps,
    observed,
    profile,
)

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "logs" / "report"
LOGS, APPS = HERE / "logs", HERE / "apps"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("profile") / "logs.duckdb"
    report = ingest([str(LOGS)], db)
    assert report.failed == 0 and report.quarantined == 0
    return db


@pytest.fixture(scope="module")
def seen(store: Path) -> list[Observed]:
    db = open_store(store)
    try:
        return observed(db, Period())
    finally:
        db.close()


def run(app: str, seen: list[Observed]) -> ProfileReport:
    apps, problems = load_apps(APPS / app)
    assert apps and not problems
    return profile(apps, seen, app)


def by_deployed(report: ProfileReport) -> dict[str | None, FunctionProfile]:
    return {p.deployed: p for p in report.profiles if p.deployed}


def test_observed_per_deployed_function(seen: list[Observed]) -> None:
    found = {(o.account, o.name): (o.invocations, o.timeouts, o.max_ms, o.memory_mb,
                                   o.max_used_mb) for o in seen}
    assert found == {
        ("111122223333", "legacy-orders"): (1, 0, 50.0, 128, 40),
        ("111122223333", "shop-dev-getOrder"): (5, 0, 1000.0, 512, 100),
        ("111122223333", "shop-sam-Checkout-1A2B3C4D5E6F"): (2, 0, 300.0, 512, 72),
        ("444455556666", "shop-prod-getOrder"): (3, 1, 10000.0, 1024, 310),
    }


def test_serverless_names_any_stage(seen: list[Observed]) -> None:
    report = run("serverless", seen)
    dev, prod = by_deployed(report)["shop-dev-getOrder"], by_deployed(report)["shop-prod-getOrder"]
    assert (dev.function, dev.match, dev.account) == ("getOrder", "name", "111122223333")
    assert (prod.function, prod.match) == ("getOrder", "serverless stage prod")
    # configured: 10 s and 512 MB behind an HTTP API that waits 30 s
    assert (dev.timeout_s, dev.memory_mb, dev.api_limit_s) == (10.0, 512, 30.0)
    # longest run 1000 ms x 1.5 = 1.5 s -> 2 s; most memory 100 MB x 1.5 = 150 -> 192 MB
    assert (dev.recommended_timeout_s, dev.recommended_memory_mb) == (2, 192)
    # 10 s >= 3 x 2 s: far above what it needs; (10 - 2) s x 512/1024 GB = 4 GB-s
    assert dev.timeout_slack is True
    assert dev.exposure_gb_s == pytest.approx(4.0)
    assert dev.exposure_usd_per_million == pytest.approx(4.0 * 0.0000166667 * 1e6)
    # prod: 10000 ms x 1.5 = 15 s (a floor: one invocation timed out); 310 x 1.5 -> 512
    assert (prod.recommended_timeout_s, prod.recommended_memory_mb) == (15, 512)
    assert prod.timeout_slack is False and prod.exposure_gb_s is None
    assert any("timed out" in n for n in prod.notes)
    assert any("deployed with 1024 MB, the template says 512 MB" in n for n in prod.notes)
    # listOrders has no logs; the SAM and legacy functions are not this app's
    (missing,) = [p for p in report.profiles if p.function == "listOrders"]
    assert missing.deployed is None
    assert missing.match == "not matched: no function named shop-dev-listOrders in the logs"
    assert missing.recommended_timeout_s is None
    assert {o.name for o in report.unmatched_logs} == {"legacy-orders",
                                                       "shop-sam-Checkout-1A2B3C4D5E6F"}


def test_sam_generated_and_explicit_names(seen: list[Observed]) -> None:
    report = run("sam", seen)
    checkout = by_deployed(report)["shop-sam-Checkout-1A2B3C4D5E6F"]
    assert checkout.match == "generated name (stack shop-sam)"
    # REST API in front: 29 s; the 900 s timeout is longer than it waits
    assert checkout.api_limit_s == 29.0
    assert any("longer than the API in front waits (29 s)" in n for n in checkout.notes)
    # 300 ms x 1.5 -> 1 s; 72 MB x 1.5 = 108 -> 128 MB (the minimum)
    assert (checkout.recommended_timeout_s, checkout.recommended_memory_mb) == (1, 128)
    # exposure at the deployed size (512 MB, not the template's 1024): (900 - 1) x 0.5
    assert checkout.exposure_gb_s == pytest.approx(449.5)
    legacy = by_deployed(report)["legacy-orders"]
    assert (legacy.function, legacy.match, legacy.api_limit_s) == ("Legacy", "name", None)


def test_a_name_two_functions_could_have_is_not_matched(seen: list[Observed]) -> None:
    report = run("twin", seen)
    assert [p.deployed for p in report.profiles] == [None, None]
    assert all(p.match.startswith("not matched: shop-sam-Checkout-1A2B3C4D5E6F could be")
               for p in report.profiles)
    assert "shop-sam-Checkout-1A2B3C4D5E6F" in {o.name for o in report.unmatched_logs}


def test_recommendation_capped_at_the_api_limit(tmp_path: Path) -> None:
    rows = [{"ts": "2026-11-20T10:00:00Z", "function_name": "prod-Checkout-ABCDEFGH1234",
             "kind": "report", "request_id": "r1", "duration_ms": 25000.0,
             "memory_mb": 1024, "max_memory_mb": 950}]
    db = open_store(reportrows.build(tmp_path / "s.duckdb", {"lambda_events": rows}))
    try:
        seen = observed(db, Period())
    finally:
        db.close()
    (found,) = run("sam", seen).profiles[:1]
    # 25 s x 1.5 = 37.5 -> 38 s, but the REST API waits 29 s
    assert found.recommended_timeout_s == 29
    assert any("capped at the API's limit" in n for n in found.notes)
    # 950 MB x 1.5 = 1425 -> 1472 MB (23 x 64); 950 >= 90% of 1024 (921.6): OOM risk
    assert found.recommended_memory_mb == 1472
    assert any("out-of-memory risk" in n for n in found.notes)


def test_cli_profile_text_and_json(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "profile", "--app", str(APPS / "serverless"), "--db", str(store)]) == 0
    text = capsys.readouterr().out
    assert "shop/getOrder    shop-dev-getOrder" in text
    assert "denial of wallet" in text
    assert "not matched: no function named shop-dev-listOrders" in text
    assert main(["logs", "profile", "--app", str(APPS / "sam"), "--db", str(store),
                 "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format_version"] == 1
    checkout = next(p for p in data["profiles"] if p["function"] == "Checkout")
    assert checkout["recommended_timeout_s"] == 1
    assert checkout["observed"]["max_ms"] == 300.0


def test_cli_profile_errors(store: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["logs", "profile", "--app", str(tmp_path / "nope"), "--db", str(store)])
    assert exc.value.code == 2
    assert "no such file or directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit):
        main(["logs", "profile", "--app", str(tmp_path / "empty"), "--db", str(store)])
    assert "no serverless app found" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["logs", "profile", "--app", str(APPS / "sam"), "--db", str(tmp_path / "x.db")])
    assert "no log store" in capsys.readouterr().err


def test_custom_names_match_only_exactly(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  named:\n    handler: h.main\n    name: orders-api\n"
        "  plain:\n    handler: h.main\n", encoding="utf-8")
    apps, problems = load_apps(tmp_path)
    assert apps and not problems

    def seen(name: str) -> Observed:
        return Observed("111", name, 1, 0, 10.0, 10.0, 10.0, 1024, 100)

    report = profile(apps, [seen("orders-api"), seen("shop-prod-named"),
                            seen("shop-prod-plain"), seen("shop-prod-x-plain")])
    matched = {p.function: (p.deployed, p.match) for p in report.profiles if p.deployed}
    assert matched == {"named": ("orders-api", "name"),
                       "plain": ("shop-prod-plain", "serverless stage prod")}
    # a custom name has no stage pattern; a stage with a dash is not the default name
    assert {o.name for o in report.unmatched_logs} == {"shop-prod-named", "shop-prod-x-plain"}
