"""Denial of wallet: invocation spikes against a seasonal baseline, with their cost."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from faasguard.logs.detections.wallet import RULE_ID, Prices, WalletConfig, detect
from faasguard.logs.store import Store

HOUR = timedelta(hours=1)
START = datetime(2026, 10, 19)  # a Monday; five weeks of history to 2026-11-23
WEEK5 = (datetime(2026, 11, 16), datetime(2026, 11, 23))
ACCOUNT = "123456789012"
# counts are kept small so the store builds fast; the floor scales with them
CONFIG = WalletConfig(min_volume=10)


def normal(hour: datetime) -> int:
    if hour.weekday() == 0 and hour.hour == 9:
        return 200  # a weekly batch job: seasonal, not an attack
    if hour.weekday() < 5 and 9 <= hour.hour < 17:
        return 40
    return 15


def add(db: duckdb.DuckDBPyConnection, function: str, counts: dict[datetime, int],
        billed_ms: float = 100.0, memory_mb: int = 512) -> None:
    """Each invocation as a START and a REPORT line, as Lambda logs them."""
    db.execute("CREATE OR REPLACE TEMP TABLE plan AS SELECT unnest(?::TIMESTAMP[]) AS hour, "
               "unnest(?::INTEGER[]) AS n", [list(counts), list(counts.values())])
    db.execute(
        """INSERT INTO lambda_events (id, source_id, line, ts, account_id, function_name,
                                      kind, request_id, billed_ms, duration_ms, memory_mb)
           SELECT hash(?, hour, i, kind), 1, 1, hour + to_seconds(i % 3600), ?, ?, kind,
                  'r-' || i, CASE WHEN kind = 'report' THEN ? END,
                  CASE WHEN kind = 'report' THEN ? END,
                  CASE WHEN kind = 'report' THEN ? END
           FROM plan, range(plan.n) r(i), (VALUES ('start'), ('report')) k(kind)""",
        [function, ACCOUNT, function, billed_ms, billed_ms - 3, memory_mb])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    path: Path = tmp_path_factory.mktemp("wallet") / "store.duckdb"
    store = Store(path, path.parent)
    hours = [START + i * HOUR for i in range(5 * 7 * 24)]
    orders = {h: normal(h) for h in hours}
    orders[datetime(2026, 11, 18, 3)] = 600
    orders[datetime(2026, 11, 18, 4)] = 500
    add(store.db, "orders", orders)
    billing = {h: normal(h) for h in hours}
    billing[datetime(2026, 11, 18, 3)] = 40  # 2.7x its baseline: below min_ratio
    add(store.db, "billing", billing)
    add(store.db, "tiny", {h: 1 for h in hours} | {datetime(2026, 11, 19, 2): 9})
    fresh = {datetime(2026, 11, 20) + i * HOUR: 12 for i in range(48)}
    fresh[datetime(2026, 11, 22, 1)] = 300
    add(store.db, "fresh", fresh, billed_ms=1000, memory_mb=1024)
    add(store.db, "ghost", {datetime(2026, 11, 21, 5): 500})
    return store.db


def test_spike_found_with_cost(db: duckdb.DuckDBPyConnection) -> None:
    found = {d.group[0][1]: d for d in detect(db, *WEEK5, CONFIG)}
    assert sorted(found) == ["fresh", "orders"]
    spike = found["orders"]
    assert spike.rule_id == RULE_ID and spike.controls == ("C3", "F4")
    assert (spike.first_seen, spike.last_seen) == (datetime(2026, 11, 18, 3),
                                                   datetime(2026, 11, 18, 4))
    details = spike.details
    assert [h["invocations"] for h in details["hours"]] == [600, 500]
    assert [h["expected"] for h in details["hours"]] == [15, 15]
    assert details["basis"] == "same hour of the week in 4 previous weeks"
    assert details["excess_invocations"] == 1070
    assert details["gb_seconds_per_invocation"] == pytest.approx(0.1 * 0.5)
    per_call = 0.20 / 1e6 + 0.05 * 0.0000166667
    assert details["excess_cost_usd"] == pytest.approx(1070 * per_call, abs=1e-4)
    assert details["projected_cost_per_day_usd"] == pytest.approx(1070 * per_call / 2 * 24,
                                                                  abs=0.01)
    assert spike.severity.value == "medium"
    assert "600 invocations in the hour from 2026-11-18 03:00 UTC against 15 expected" \
        in spike.summary
    assert spike.dedup_key == f"{RULE_ID}|{ACCOUNT}/orders"


def test_rolling_baseline_when_history_is_short(db: duckdb.DuckDBPyConnection) -> None:
    fresh = next(d for d in detect(db, *WEEK5, CONFIG) if d.group[0][1] == "fresh")
    assert fresh.details["basis"] == "previous 24 hours"
    assert fresh.details["gb_seconds_per_invocation"] == pytest.approx(1.0)
    assert fresh.details["excess_invocations"] == 300 - 12
    # its first day, with nothing before it, is never judged
    assert fresh.first_seen == datetime(2026, 11, 22, 1)


def test_seasonal_peak_is_not_a_spike(db: duckdb.DuckDBPyConnection) -> None:
    """Monday 09:00 has 200 calls every week: against the previous 24 hours it would be
    a spike; against the same hour of earlier weeks it is not."""
    monday = datetime(2026, 11, 16, 9)
    assert detect(db, monday, monday + HOUR, CONFIG) == []
    assert detect(db, monday, monday + HOUR, WalletConfig(min_volume=10, min_weeks=5)) != []


def test_prices_and_severity_are_configurable(db: duckdb.DuckDBPyConnection) -> None:
    config = WalletConfig(min_volume=10, prices=Prices(gb_second=0.2, request=0.0))
    spike = next(d for d in detect(db, *WEEK5, config) if d.group[0][1] == "orders")
    assert spike.details["excess_cost_usd"] == pytest.approx(1070 * 0.05 * 0.2)
    # 10.70 USD over two hours is 128.40 a day if it goes on: over the 100 USD mark
    assert spike.details["projected_cost_per_day_usd"] == pytest.approx(128.4)
    assert spike.severity.value == "high"


def test_floor_and_window(db: duckdb.DuckDBPyConnection) -> None:
    # below the volume floor the tiny function's 9x jump is not judged
    assert all(d.group[0][1] != "tiny" for d in detect(db, *WEEK5, CONFIG))
    assert any(d.group[0][1] == "tiny"
               for d in detect(db, *WEEK5, WalletConfig(min_volume=5)))
    # outside the window: nothing
    assert detect(db, datetime(2026, 11, 1), datetime(2026, 11, 8), CONFIG) == []


def test_end_to_end_from_lambda_log_lines(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """START and REPORT lines, as a CloudWatch export, through ingest and detect."""
    import json

    from faasguard.cli import main

    lines = []
    spike = datetime(2026, 11, 18, 3)
    hours = [START + i * HOUR for i in range(31 * 24)]
    for hour in hours:
        for n in range(40 if hour == spike else 3):
            at = hour + timedelta(seconds=n * 60)
            request = f"{hour:%m%d%H}aa-0000-4000-8000-{n:012d}"
            lines.append(f"{at:%Y-%m-%dT%H:%M:%S}.000Z START RequestId: {request} "
                         "Version: $LATEST")
            lines.append(f"{at:%Y-%m-%dT%H:%M:%S}.200Z REPORT RequestId: {request}\t"
                         "Duration: 187.31 ms\tBilled Duration: 200 ms\tMemory Size: 256 MB\t"
                         "Max Memory Used: 80 MB\t")
    export = tmp_path / "checkout.log"
    export.write_text("\n".join(lines) + "\n")
    store = tmp_path / "store.duckdb"
    assert main(["logs", "ingest", "--no-progress", "--db", str(store),
                 "--log-group", "/aws/lambda/checkout", "--account", ACCOUNT,
                 str(export)]) == 0
    capsys.readouterr()
    code = main(["logs", "detect", "--db", str(store), "--no-builtin", "--format", "json",
                 "--since", "2026-11-16T00:00:00Z", "--until", "2026-11-19T00:00:00Z",
                 "--wallet-min-volume", "20"])
    found = json.loads(capsys.readouterr().out)["detections"]
    assert code == 1
    assert [(d["rule_id"], d["group"]["function"], d["first_seen"]) for d in found] == [
        (RULE_ID, "checkout", "2026-11-18T03:00:00Z")]
    details = found[0]["details"]
    assert details["excess_invocations"] == 37
    assert details["gb_seconds_per_invocation"] == pytest.approx(0.2 * 0.25)
