"""`faasguard logs report` end to end: the fixture logs (tests/fixtures/logs/report/logs),
ingested by `faasguard logs ingest`, reported as text, JSON and HTML. Every number
asserted here is worked out by hand from the fixture files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from faasguard.cli import main

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "tests" / "fixtures" / "logs" / "report" / "logs"
A, B = "111122223333", "444455556666"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("report") / "logs.duckdb"
    assert main(["logs", "ingest", str(LOGS), "--db", str(db), "--no-progress"]) == 0
    return db


def report(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> dict[str, Any]:
    assert main(["logs", "report", "--db", str(store), "-f", "json", *args]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_json_report_of_the_fixtures(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = report(capsys, store, "--tz", "Europe/Paris")
    assert data["events"] == {"lambda_events": 15, "cloudtrail_events": 13,
                              "apigw_requests": 4, "audit_events": 10}
    auth = data["auth"]
    # CloudTrail: 8 sign-ins and credential calls (the service's AssumeRole is not one);
    # API Gateway: 3 requests with auth fields; runtime: 10 auth events, 1 not auth
    assert (auth["events"], auth["successes"], auth["failures"]) == (22, 7, 15)
    accounts = {t["key"]: (t["failures"], t["successes"]) for t in auth["by_account"]}
    assert accounts[f"{A}:user/alice"] == (3, 1)
    assert accounts["dave"] == (3, 1)
    assert accounts["(anonymous)"] == (3, 0)   # 2 API requests, 1 unknown token
    special = {(s["category"], s["account"]) for s in auth["special"]}
    assert special == {("disabled", "svc-batch"), ("service", "svc-batch"),
                       ("service", f"{A}:user/svc-reports"), ("unknown", "(anonymous)"),
                       ("unknown", f"{A}:user/HIDDEN_DUE_TO_SECURITY_REASONS")}
    # Paris office hours: alice at 06:58 UTC is 07:58 local; root signs in on Saturday
    assert {o["account"] for o in auth["off_hours"]} == {f"{A}:user/alice", f"{A}:root"}
    spread = {s["account"]: s["systems"] for s in auth["spread"]}
    assert spread["dave"] == 2 and spread["(anonymous)"] == 2
    remote = {(r["account"], r["event"]) for r in auth["remote"]}
    assert (f"{A}:user/bob", "StartSession") in remote
    assert {(p["account"], p["via"]) for p in auth["privileged"]} == {
        (f"{A}:root", "root"), (f"{A}:user/bob", "assumed-role"), ("carol", "runtime-role")}
    # alice: 3 failures 06:55-06:57 then success 06:58; dave: 3 at 10:02-10:04 then 10:05;
    # erin has only 2 failures before her success
    bursts = [(b["account"], b["success_at"], b["failures"]) for b in auth["bursts"]]
    assert bursts == [(f"{A}:user/alice", "2026-11-20T06:58:00Z", 3),
                      ("dave", "2026-11-20T10:05:00Z", 3)]

    functions = {(f["account"], f["function"]): f for f in data["functions"]["functions"]}
    dev = functions[(A, "shop-dev-getOrder")]
    # durations 80, 120, 200, 400, 1000 ms
    assert (dev["invocations"], dev["errors"], dev["timeouts"], dev["cold_starts"]) == \
        (5, 1, 0, 1)
    assert dev["duration_p50_ms"] == pytest.approx(200.0)
    assert dev["duration_p95_ms"] == pytest.approx(880.0)   # h = 3.8: 400 + .8 x 600
    assert dev["duration_p99_ms"] == pytest.approx(976.0)   # h = 3.96
    assert dev["duration_max_ms"] == 1000.0
    assert (dev["throttles"], dev["region"]) == (1, "eu-west-1")
    # billed 420 + 80 + 200 + 1000 + 400 = 2100 ms at 0.5 GB
    assert dev["gb_seconds"] == pytest.approx(1.05)
    assert dev["cost_usd"] == pytest.approx(1.05 * 0.0000166667 + 5 * 0.0000002)
    # the 1000 ms run ends at 10:30:00.000: 1.0 s of execution in second 10:29:59
    assert (dev["peak_concurrency"], dev["peak_at"]) == (1.0, "2026-11-20T10:29:59Z")
    prod = functions[(B, "shop-prod-getOrder")]
    assert (prod["invocations"], prod["errors"], prod["timeouts"], prod["throttles"]) == \
        (3, 1, 1, None)
    assert prod["gb_seconds"] == pytest.approx(22.0)          # 5 + 7 + 10 s at 1 GB
    assert prod["peak_concurrency"] == pytest.approx(3.0)     # all three in 12:00:01
    assert data["functions"]["invocations"] == 11

    timeline = data["timeline"]
    # 20 Nov 06:00 .. 21 Nov 22:00 (the root login): 41 hours
    assert timeline["bucket_seconds"] == 3600 and len(timeline["buckets"]) == 41
    # invocations: 4 at 10:00, 1 at 11:00, 3 at 12:00, 2 at 13:00, 1 at 14:00;
    # mean 11/41, sigma 0.8271: threshold 2.7496, so 10:00 and 12:00 stand out
    inv = [(a["start"], a["count"]) for a in timeline["anomalies"]
           if a["series"] == "invocations"]
    assert inv == [("2026-11-20T10:00:00Z", 4), ("2026-11-20T12:00:00Z", 3)]


def test_period_options(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = report(capsys, store, "--since", "2026-11-20T10:00:00Z",
                  "--until", "2026-11-20T11:00:00Z")
    assert data["period"] == {"since": "2026-11-20T10:00:00Z", "until": "2026-11-20T11:00:00Z"}
    (dev,) = data["functions"]["functions"]
    assert dev["invocations"] == 4
    assert len(data["timeline"]["buckets"]) == 1
    # a store whose events are all older than the window reports nothing
    empty = report(capsys, store, "--since", "1h")
    assert empty["functions"]["functions"] == [] and empty["auth"]["events"] == 0


def test_text_report(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["logs", "report", "--db", str(store), "--office-hours", "06:00-20:00",
                 "--tz", "UTC"]) == 0
    text = capsys.readouterr().out
    for heading in ("AUTHENTICATION (F2)", "Failures and successes by account",
                    "Attempts on disabled, service, default or unknown accounts",
                    "Logins outside office hours (06:00-20:00 mon,tue,wed,thu,fri (UTC))",
                    "Failures by distinct target systems", "Remote access",
                    "Privileged-account use",
                    "Several failures followed by a success on the same account",
                    "FUNCTIONS (F3)", "ACTIVITY per hour"):
        assert heading in text
    # with office hours from 06:00 UTC only the Saturday root login is off hours
    section = text.split("Logins outside office hours")[1].split("\n\n")[0]
    assert f"{A}:root" in section and "alice" not in section
    assert "$0.0000166667 per GB-second" in text


def test_html_and_output_file(store: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    assert main(["logs", "report", "--db", str(store), "-f", "html", "-o", str(out)]) == 0
    assert capsys.readouterr().out == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "http://" not in page and "https://" not in page


def test_prices_and_patterns_options(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = report(capsys, store, "--price-gb-second", "0.00001",
                  "--price-million-requests", "1", "--privileged", "*:root",
                  "--service-account", "nobody-*", "--burst-failures", "2",
                  "--burst-window", "30m")
    dev = next(f for f in data["functions"]["functions"] if f["function"] == "shop-dev-getOrder")
    assert dev["cost_usd"] == pytest.approx(1.05 * 0.00001 + 5 * 0.000001)
    assert {p["via"] for p in data["auth"]["privileged"]} == {"root"}
    assert not [s for s in data["auth"]["special"] if s["category"] == "service"]
    # erin's 2 failures (10:20, 10:21) before her 10:40 success now make a burst
    assert "erin" in {b["account"] for b in data["auth"]["bursts"]}


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "yesterday"], "not a time or a duration"),
    (["--since", "1d", "--until", "2d"], "--until must be after --since"),
    (["--office-hours", "9-5"], "HH:MM-HH:MM"),
    (["--tz", "Nowhere/Land"], "unknown time zone"),
    (["--burst-window", "soon"], "--burst-window"),
    (["--burst-failures", "0"], "--burst-failures"),
    (["--price-gb-second", "-1"], "--price-gb-second"),
])
def test_usage_errors(store: Path, args: list[str], message: str,
                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["logs", "report", "--db", str(store), *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_store_and_output_directory(tmp_path: Path, store: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["logs", "report", "--db", str(tmp_path / "none.duckdb")])
    assert "no log store" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["logs", "report", "--db", str(store), "-o", str(tmp_path / "no" / "r.txt")])
    assert "no such directory" in capsys.readouterr().err


def test_help_lists_the_actions() -> None:
    done = subprocess.run([sys.executable, "-m", "faasguard", "logs", "--help"],
                          capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0
    assert "report" in done.stdout and "profile" in done.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_an_empty_store_reports_nothing_without_failing(
        tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "empty.duckdb"
    assert main(["logs", "ingest", str(LOGS / "missing-on-purpose"), "--db", str(db),
                 "--no-progress"]) == 1  # the store is created, nothing is read
    capsys.readouterr()
    assert main(["logs", "report", "--db", str(db), "-f", fmt, "--since", "7d"]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        data = json.loads(out)
        assert data["auth"]["events"] == 0 and data["functions"]["functions"] == []
        # the timeline runs from --since to the last event: there is none
        assert data["timeline"] == {"bucket_seconds": 3600, "buckets": [], "anomalies": []}
    elif fmt == "text":
        assert "0 attempts: 0 succeeded, 0 failed" in out
    else:
        assert "<svg" in out and 'class="bar' not in out


def test_settings_file_sets_defaults_and_flags_win(
        store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The same settings as test_prices_and_patterns_options, from [logs] in the nearest
    # .faasguard.toml: the same answers; a flag given on the command line wins.
    (tmp_path / ".git").mkdir()  # stop the search for the settings file here
    (tmp_path / ".faasguard.toml").write_text(
        '[logs]\nprice_gb_second = 0.00001\nprice_million_requests = 1\n'
        'privileged = ["*:root"]\nservice_accounts = ["nobody-*"]\nburst_failures = 2\n'
        'burst_window = "30m"\ntz = "Europe/Paris"\n')
    monkeypatch.chdir(tmp_path)
    data = report(capsys, store)
    dev = next(f for f in data["functions"]["functions"] if f["function"] == "shop-dev-getOrder")
    assert dev["cost_usd"] == pytest.approx(1.05 * 0.00001 + 5 * 0.000001)
    assert {p["via"] for p in data["auth"]["privileged"]} == {"root"}
    assert not [s for s in data["auth"]["special"] if s["category"] == "service"]
    assert "erin" in {b["account"] for b in data["auth"]["bursts"]}
    assert {o["account"] for o in data["auth"]["off_hours"]} == {f"{A}:user/alice", f"{A}:root"}
    flagged = report(capsys, store, "--burst-failures", "3", "--tz", "UTC")
    assert "erin" not in {b["account"] for b in flagged["auth"]["bursts"]}
    # --config names another file; a bad value names the file and the line
    other = tmp_path / "other.toml"
    other.write_text('[logs]\nburst_failures = "many"\n')
    with pytest.raises(SystemExit):
        main(["logs", "report", "--db", str(store), "--config", str(other)])
    assert f"{other}:2: logs.burst_failures must be a positive integer" in \
        capsys.readouterr().err
    other.write_text('[logs]\noffice_hours = "9-5"\n')
    with pytest.raises(SystemExit):
        main(["logs", "report", "--db", str(store), "--config", str(other)])
    err = capsys.readouterr().err
    assert "HH:MM-HH:MM" in err and str(other) in err
