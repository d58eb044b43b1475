"""Ingestion into the store: counts, idempotence, resumption, bad input, the CLI."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from faasguard.cli import main
from faasguard.logs import IngestReport, SourceReport, ingest
from faasguard.logs.parsers import apigw

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
ROOT = Path(__file__).resolve().parents[2]
GOOD = ["lambda-text.log", "lambda-export.log", "lambda-json.log", "cloudtrail.json",
        "filter-log-events.json", "subscription-payload.json", "apigw-access.log",
        "audit.log"]
# (table rows, quarantined) each fixture adds
EXPECTED = {
    "lambda-text.log": ({"lambda_events": 20, "audit_events": 1}, 1),
    "lambda-export.log": ({"lambda_events": 6}, 0),
    "lambda-json.log": ({"lambda_events": 7}, 1),
    "cloudtrail.json": ({"cloudtrail_events": 7}, 2),
    "filter-log-events.json": ({"lambda_events": 2}, 1),
    "subscription-payload.json": ({"lambda_events": 3}, 0),
    "apigw-access.log": ({"apigw_requests": 3}, 2),
    "audit.log": ({"audit_events": 3}, 1),
}
TABLES = ("lambda_events", "cloudtrail_events", "apigw_requests", "audit_events", "quarantine")


def counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                for t in TABLES}


def by_name(report: IngestReport) -> dict[str, SourceReport]:
    return {Path(s.name).name: s for s in report.sources}


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def expected_totals(names: list[str]) -> dict[str, int]:
    total = dict.fromkeys(TABLES, 0)
    for name in names:
        tables, quarantined = EXPECTED[name]
        for table, n in tables.items():
            total[table] += n
        total["quarantine"] += quarantined
    return total


def test_ingest_counts_every_source(logs: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    report = ingest([str(logs)], db)
    assert counts(db) == expected_totals(GOOD)
    sources = by_name(report)
    for name, (tables, quarantined) in EXPECTED.items():
        assert (sources[name].state, sources[name].events, sources[name].quarantined) == (
            "ingested", sum(tables.values()), quarantined), name
    assert report.failed == 0


def test_reingesting_adds_nothing(logs: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    ingest([str(logs)], db)
    before = counts(db)
    again = ingest([str(logs)], db)
    assert counts(db) == before
    assert {s.state for s in again.sources} == {"already ingested"}
    # the same content under another name, and compressed, is the same events
    copy = tmp_path / "elsewhere.json"
    shutil.copy(logs / "cloudtrail.json", copy)
    packed = tmp_path / "cloudtrail.json.gz"
    packed.write_bytes(gzip.compress((logs / "cloudtrail.json").read_bytes()))
    report = by_name(ingest([str(copy), str(packed)], db))
    assert report["elsewhere.json"].state == "already ingested"
    assert (report["cloudtrail.json.gz"].events, report["cloudtrail.json.gz"].duplicates) == (0, 7)
    # quarantined records have no natural id: a different file's are its own
    assert counts(db) == {**before, "quarantine": before["quarantine"] + 2}


def test_grown_file_reads_only_what_is_new(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    log = tmp_path / "fn.log"
    lines = (FIXTURES / "lambda-text.log").read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:10]))
    first = ingest([str(log)], db).sources[0]
    assert (first.state, first.events) == ("ingested", 10)
    with log.open("a") as out:
        out.write("".join(lines[10:]))
    second = ingest([str(log)], db).sources[0]
    assert (second.state, second.resumed_line, second.events, second.quarantined) == (
        "resumed", 11, 11, 1)
    assert counts(db)["lambda_events"] == 20


def test_stdin(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    data = (FIXTURES / "audit.log").read_bytes()
    first = ingest(["-"], db, stdin=io.BytesIO(data)).sources[0]
    assert (first.name, first.format, first.events) == ("<stdin>", "audit", 3)
    again = ingest(["-"], db, stdin=io.BytesIO(data)).sources[0]
    assert again.state == "already ingested"


def test_bad_input_is_named_and_the_rest_goes_on(logs: Path, tmp_path: Path) -> None:
    (logs / "empty.log").write_bytes(b"")
    (logs / "binary.bin").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    shutil.copy(FIXTURES / "not-logs.json", logs / "package.json")
    shutil.copy(FIXTURES / "notes.txt", logs / "notes.txt")
    whole = gzip.compress((FIXTURES / "lambda-text.log").read_bytes() * 50)
    (logs / "cut.log.gz").write_bytes(whole[: len(whole) // 2])
    text = (FIXTURES / "lambda-text.log").read_bytes().splitlines(keepends=True)
    text[2] = b"[INFO]\t2026-11-20T10:00:00.120Z\tr\tcaf\xe9 au lait\n"
    (logs / "latin1.log").write_bytes(b"".join(text))
    db = tmp_path / "store.duckdb"
    report = ingest([str(logs), str(tmp_path / "missing.log")], db)
    sources = by_name(report)
    assert sources["empty.log"].state == "empty"
    assert sources["binary.bin"].message == "a binary file, not logs"
    assert "not a log format" in (sources["package.json"].message or "")
    assert "not Lambda logs" in (sources["notes.txt"].message or "")
    assert sources["missing.log"].message == "no such file or directory"
    cut = sources["cut.log.gz"]
    assert cut.state == "failed"
    assert (cut.message or "").startswith("truncated gzip file")
    assert cut.events > 0  # what could be read is kept
    latin = sources["latin1.log"]
    assert (latin.state, latin.events, latin.quarantined) == ("ingested", 20, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute(
            "SELECT q.line, q.reason, q.raw FROM quarantine q JOIN sources s USING (source_id) "
            "WHERE s.path LIKE '%latin1.log' ORDER BY q.line").fetchall()
    assert found[0][:2] == (3, "invalid UTF-8 at byte 37")
    assert "caf\ufffd au lait" in found[0][2]
    assert report.failed == 5  # binary, package.json, notes.txt, missing, cut (empty is not)
    # every good file still went in
    for name in GOOD:
        assert sources[name].state == "ingested", name


def test_truncated_gzip_resumes_when_completed(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    content = (FIXTURES / "lambda-text.log").read_bytes() * 200
    whole = gzip.compress(content)
    path = tmp_path / "fn.log.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    cut = ingest([str(path)], db, batch=100).sources[0]
    assert cut.state == "failed"
    path.write_bytes(whole)  # the rest arrived
    done = ingest([str(path)], db, batch=100).sources[0]
    assert done.state == "resumed"
    assert counts(db)["lambda_events"] == 20 * 200
    assert counts(db)["quarantine"] == 200


def write_big_lambda_log(path: Path, invocations: int) -> None:
    with path.open("w") as out:
        for i in range(invocations):
            rid = f"{i:08x}-0000-4000-8000-000000000000"
            out.write(f"START RequestId: {rid} Version: $LATEST\n"
                      f"[INFO]\t2026-11-20T10:00:00.000Z\t{rid}\tworking on {i}\n"
                      f"END RequestId: {rid}\n"
                      f"REPORT RequestId: {rid}\tDuration: {i % 900 + 0.5} ms\t"
                      f"Billed Duration: {i % 900 + 1} ms\tMemory Size: 128 MB\t"
                      f"Max Memory Used: 50 MB\n")


def cli(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                                        str(ROOT / "runtime" / "src")])}
    return subprocess.Popen([sys.executable, "-m", "faasguard", "logs", "ingest", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def state(db: Path) -> tuple[str, int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT status, resume_line, events FROM sources").fetchone()
    assert found is not None
    return found


def write_big_export_log(path: Path, invocations: int) -> None:
    """CloudWatch export lines; every invocation logs a three-line traceback."""
    with path.open("w") as out:
        for i in range(invocations):
            rid = f"{i:08x}-0000-4000-8000-000000000000"
            out.write(f"2026-11-20T10:00:00.000Z START RequestId: {rid} Version: $LATEST\n"
                      f"2026-11-20T10:00:00.001Z [ERROR]\t2026-11-20T10:00:00.001Z\t{rid}\t"
                      f"KeyError: 'x'\nTraceback (most recent call last):\n"
                      f'  File "/var/task/app.py", line 3, in handler\n'
                      f"2026-11-20T10:00:00.002Z END RequestId: {rid}\n"
                      f"2026-11-20T10:00:00.002Z REPORT RequestId: {rid}\tDuration: 1.5 ms\t"
                      f"Billed Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\n")


@pytest.mark.parametrize("kind", ["lines", "gzip-lines", "export-events", "document"])
def test_kill_9_mid_file_then_resume_exactly(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "store.duckdb"
    if kind == "document":
        source = tmp_path / "trail.json"
        record = json.loads((FIXTURES / "cloudtrail.json").read_text())["Records"][0]
        total = 40_000
        records = [{**record, "eventID": f"id-{i}"} for i in range(total)]
        source.write_text(json.dumps({"Records": records}))
        table = "cloudtrail_events"
    else:
        source = tmp_path / "fn.log"
        if kind == "export-events":
            write_big_export_log(source, 10_000)
        else:
            write_big_lambda_log(source, 10_000)
        total = 40_000
        table = "lambda_events"
        if kind == "gzip-lines":
            packed = tmp_path / "fn.log.gz"
            packed.write_bytes(gzip.compress(source.read_bytes()))
            source.unlink()
            source = packed
    # small batches: many commits, so the kill lands between two of them mid-file
    run = cli(str(source), "--db", str(db), "--batch", "50", "--no-progress")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if run.poll() is not None:
            break
        wal = tmp_path / "store.duckdb.wal"
        # batches are committed to the write-ahead log: once it holds a few, kill
        if wal.exists() and wal.stat().st_size > 200_000:
            break
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL, "the ingestion ended before the kill"
    status, _, events = state(db)
    assert status == "reading"
    assert 0 < events < total
    again = cli(str(source), "--db", str(db), "--no-progress")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()
    assert "resumed" in out.decode()
    with duckdb.connect(str(db), read_only=True) as con:
        stored, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT id) FROM {table}").fetchone()  # type: ignore[misc]
        quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]  # type: ignore[index]
        if table == "lambda_events":
            per_kind = dict(con.execute(
                "SELECT kind, count(DISTINCT request_id) FROM lambda_events GROUP BY kind"
            ).fetchall())
            middle = "error" if kind == "export-events" else "log"
            assert per_kind == {"start": 10_000, middle: 10_000, "end": 10_000,
                                "report": 10_000}
    assert (stored, distinct, quarantined) == (total, total, 0)
    assert state(db)[0] == "complete"
    # the killed run's scratch files went with the run that followed
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("store")) == [
        "store.duckdb"]


# -- the command -----------------------------------------------------------------------

def test_cli_summary_and_exit_codes(logs: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "store.duckdb"
    assert main(["logs", "ingest", str(logs), "--db", str(db), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "8 sources: 8 ingested; 52 events stored, 8 quarantined" in out
    assert "SELECT * FROM quarantine" in out
    (logs / "notes.txt").write_text("hello\n")
    assert main(["logs", "ingest", str(logs), "--db", str(db), "-f", "json",
                 "--no-progress"]) == 1
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert (summary["failed"], summary["events"]) == (1, 0)
    states = {Path(s["name"]).name: s["state"] for s in summary["sources"]}
    assert states["notes.txt"] == "failed"
    assert states["cloudtrail.json"] == "already ingested"
    assert "1 source could not be read" in captured.err


def test_cli_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["logs", "ingest", "x.log", "--db", str(tmp_path / "no" / "store.duckdb")])
    assert exit_info.value.code == 2
    assert "--db: no such directory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["logs", "ingest", str(FIXTURES), "--batch", "0", "--db",
              str(tmp_path / "s.duckdb")])
    assert "--batch must be at least 1" in capsys.readouterr().err


def test_times_stored_as_utc_and_nul_kept(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    base = {"httpMethod": "GET", "status": "200", "resourcePath": "/x"}
    log.write_text("\n".join(json.dumps({**base, "requestId": rid, **extra}) for rid, extra in (
        ("utc", {"requestTime": "20/Nov/2026:09:00:00 +0000"}),
        ("east", {"requestTime": "20/Nov/2026:11:00:00 +0200"}),
        ("epoch", {"requestTimeEpoch": 1795168800000}),
        ("nul", {"requestTime": "20/Nov/2026:09:00:00 +0000", "ua": "a\u0000b",
                 "userAgent": "curl\u0000/8"}),
    )) + "\n")
    db = tmp_path / "store.duckdb"
    calls: list[tuple[int, int, str]] = []
    report = ingest([str(log)], db, progress=lambda *a: calls.append(a))
    assert report.sources[0].events == 4
    assert calls and calls[0][:2] == (0, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        found = dict(con.execute(
            "SELECT request_id, strftime(ts, '%Y-%m-%d %H:%M:%S') FROM apigw_requests"
        ).fetchall())
        agent = con.execute(
            "SELECT user_agent FROM apigw_requests WHERE request_id = 'nul'").fetchone()
    assert found == {"utc": "2026-11-20 09:00:00", "east": "2026-11-20 09:00:00",
                     "epoch": "2026-11-20 10:00:00", "nul": "2026-11-20 09:00:00"}
    assert agent == ("curl\x00/8",)


def test_log_group_and_account_label_sources_that_do_not_say(logs: Path,
                                                             tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    ingest([str(logs / "lambda-export.log"), str(logs / "filter-log-events.json"),
            str(logs / "subscription-payload.json")], db,
           log_group="/aws/lambda/orders", account_id="111122223333")
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute(
            "SELECT log_group, function_name, account_id, count(*) FROM lambda_events "
            "GROUP BY ALL ORDER BY 1").fetchall()
    # the subscription payload names its own group and account
    assert found == [("/aws/lambda/orders", "orders", "111122223333", 8),
                     ("/aws/lambda/payments", "payments", "210987654321", 3)]


def test_store_inside_the_directory_read_is_not_a_source(logs: Path) -> None:
    db = logs / "faasguard.duckdb"
    ingest([str(logs)], db)
    again = ingest([str(logs)], db)
    assert sorted(Path(s.name).name for s in again.sources) == sorted(GOOD)
    assert again.failed == 0


def test_json_nested_too_deep_or_unparseable_is_quarantined(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    record = json.loads((FIXTURES / "apigw-access.log").read_text().splitlines()[0])
    nested: dict[str, object] = {"x": 1}
    for _ in range(900):  # deep, but within what Python reads
        nested = {"n": nested}
    log = tmp_path / "access.log"
    log.write_text("\n".join(json.dumps({**record, **extra}) for extra in (
        {}, {"requestId": "boom"}, {"requestId": "deep", "extra": nested},
        {"requestId": "last"})) + "\n" + deep + "\n")
    real = apigw.record_row

    def fragile(value: dict[str, object]) -> tuple[object, ...]:
        if value["requestId"] == "boom":
            raise TypeError("a case the parser does not handle")
        return real(value)

    monkeypatch.setattr(apigw, "record_row", fragile)
    db = tmp_path / "store.duckdb"
    report = ingest([str(log)], db).sources[0]
    assert (report.state, report.events, report.quarantined) == ("ingested", 3, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        reasons = con.execute("SELECT line, reason FROM quarantine ORDER BY line").fetchall()
    assert reasons == [(2, "cannot parse: TypeError: a case the parser does not handle"),
                       (5, "nested too deeply to read")]


@pytest.mark.parametrize("batch", [1, 3, 50_000])
def test_same_event_twice_in_one_source_stored_once(tmp_path: Path, batch: int) -> None:
    records = json.loads((FIXTURES / "cloudtrail.json").read_text())["Records"][:3]
    trail = tmp_path / "trail.json"
    # within one batch, and in a later batch than the first copy
    trail.write_text(json.dumps({"Records": [*records, records[0], *records, records[1]]}))
    db = tmp_path / "store.duckdb"
    report = ingest([str(trail)], db, batch=batch).sources[0]
    assert (report.events, report.duplicates) == (3, 5)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM cloudtrail_events"
                           ).fetchone() == (3, 3)


def test_absurd_numbers_do_not_stop_a_batch(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(json.dumps({"requestId": "r", "httpMethod": "GET", "status": "99999999999",
                               "responseLength": "1e999", "responseLatency": "nan",
                               "integrationLatency": 10**400,
                               "requestTimeEpoch": 9 * 10**18}) + "\n")
    fn = tmp_path / "fn.log"
    fn.write_text("REPORT RequestId: x\tDuration: 2.5 ms\tMemory Size: 99999999999 MB\n"
                  '{"time":"2026-11-20T12:00:00.401Z","type":"platform.report","record":'
                  '{"requestId":"y","metrics":{"durationMs":1e400,"memorySizeMB":'
                  + "9" * 400 + "}}}\n")
    db = tmp_path / "store.duckdb"
    report = ingest([str(log), str(fn)], db)
    assert [(s.state, s.events, s.quarantined) for s in report.sources] == [
        ("ingested", 1, 0), ("ingested", 2, 0)]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT status, response_length, response_latency_ms, "
                           "integration_latency_ms FROM apigw_requests").fetchone() == (
            None, None, None, None)
        assert con.execute("SELECT duration_ms, memory_mb FROM lambda_events ORDER BY line"
                           ).fetchall() == [(2.5, None), (None, None)]


def test_a_field_of_megabytes_is_stored_whole(tmp_path: Path) -> None:
    # Rows go to DuckDB one CSV line each: a 3 MB field must not hit the CSV reader's
    # default line limit (2 MB), which used to fail the whole ingestion.
    record = json.loads((FIXTURES / "apigw-access.log").read_text().splitlines()[0])
    agent = "A" * 3_000_000
    log = tmp_path / "access.log"
    # (the format is told from the first lines, so the long one comes second)
    log.write_text(json.dumps(record) + "\n"
                   + json.dumps({**record, "requestId": "big", "userAgent": agent}) + "\n")
    db = tmp_path / "store.duckdb"
    report = ingest([str(log)], db).sources[0]
    assert (report.state, report.events, report.quarantined) == ("ingested", 2, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT length(user_agent) FROM apigw_requests "
                           "WHERE request_id = 'big'").fetchone() == (len(agent),)


def test_a_small_file_nested_too_deep_to_detect_is_named_and_the_rest_goes_on(
        tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000 + "\n")
    good = tmp_path / "access.log"
    shutil.copy(FIXTURES / "apigw-access.log", good)
    report = ingest([str(deep), str(good)], tmp_path / "store.duckdb")
    states = {Path(s.name).name: (s.state, s.message) for s in report.sources}
    assert states["deep.json"] == ("failed", "JSON nested too deeply to read")
    assert states["access.log"][0] == "ingested"


def test_a_version_2_store_is_upgraded_by_ingest_and_named_by_report(
        logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A version 2 store: this version's tables without service_event_details.
    db = tmp_path / "old.duckdb"
    ingest([str(logs / "cloudtrail.json")], db)
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE cloudtrail_events DROP COLUMN service_event_details")
        con.execute("UPDATE store_meta SET value = '2' WHERE key = 'version'")
        before = con.execute("SELECT count(*) FROM cloudtrail_events").fetchone()
    with pytest.raises(SystemExit):
        main(["logs", "report", "--db", str(db)])
    assert "version 2; this faasguard reads version 3; `faasguard logs ingest` upgrades it" \
        in capsys.readouterr().err
    again = ingest([str(logs / "cloudtrail.json")], db)
    assert again.sources[0].state == "already ingested"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT value FROM store_meta WHERE key = 'version'"
                           ).fetchone() == ("3",)
        assert con.execute("SELECT count(*), count(service_event_details) "
                           "FROM cloudtrail_events").fetchone() == (before[0] if before else 0, 0)
    assert main(["logs", "report", "--db", str(db), "-f", "json"]) == 0
