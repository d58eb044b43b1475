"""DuckDB and Spark give identical results on the same data: every report section, every
built-in CloudTrail detection, the Sigma fixture rules and the denial-of-wallet check.

One Spark session (local[2], started once: start-up takes about 10 s) serves the whole
module. The Spark tests are skipped when pyspark or Java is missing, unless
FAASGUARD_REQUIRE_SERVERS=1 (CI), where they fail. The dialect tests at the end need
neither.

Values are compared exactly, with their Python types, except the figures below
(APPROXIMATE), compared to 1e-9 relative:
- percentiles: both engines compute the same definition (exact, linear interpolation
  between the closest ranks, h = (n - 1) q), but DuckDB evaluates the interpolation as
  (1 - d) x lo + d x hi for integer columns and Spark as lo + d x (hi - lo), which can
  differ in the last bit (71.89999999999999 against 71.9);
- sums of floating-point values (GB-seconds, cost, the busy time behind peak
  concurrency): addition is not associative and the engines add in different orders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest
import reportrows

from faasguard.logs import ingest
from faasguard.logs.detections import load
from faasguard.logs.detections import wallet as dow
from faasguard.logs.detections.engine import run as run_rules
from faasguard.logs.detections.model import Rule
from faasguard.logs.report import AuthOptions, OfficeHours, Period, Prices, build_report
from faasguard.logs.spark.dialect import DialectError, json_path, to_spark, translate

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "tests" / "fixtures" / "logs"
REQUIRE_ENV = "FAASGUARD_REQUIRE_SERVERS"
EVER = (dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))
GENERATED = dt.datetime(2026, 11, 29)
APPROXIMATE = {"init_p50_ms", "duration_p50_ms", "duration_p95_ms", "duration_p99_ms",
               "memory_used_p95_mb", "gb_seconds", "cost_usd", "peak_concurrency"}


# -- comparison -----------------------------------------------------------------------

def assert_same(duck: Any, spark: Any, path: str = "", approximate: bool = False) -> None:
    if dataclasses.is_dataclass(duck) and not isinstance(duck, type):
        assert type(spark) is type(duck), path
        for f in dataclasses.fields(duck):
            assert_same(getattr(duck, f.name), getattr(spark, f.name), f"{path}.{f.name}",
                        f.name in APPROXIMATE)
    elif isinstance(duck, Mapping):
        assert isinstance(spark, Mapping) and list(spark) == list(duck), path
        for key in duck:
            assert_same(duck[key], spark[key], f"{path}[{key!r}]", key in APPROXIMATE)
    elif isinstance(duck, list | tuple):
        assert type(spark) is type(duck) and len(spark) == len(duck), \
            f"{path}: {len(duck)} items on DuckDB, {len(spark)} on Spark"
        for i, (a, b) in enumerate(zip(duck, spark, strict=True)):
            assert_same(a, b, f"{path}[{i}]", approximate)
    elif isinstance(duck, float) and approximate:
        assert spark == pytest.approx(duck, rel=1e-9, abs=0), path
    else:
        assert type(spark) is type(duck) and spark == duck, f"{path}: {duck!r} != {spark!r}"


def test_comparison_catches_differences() -> None:
    """The comparison itself can fail: on a value, a type, a length, a near float."""
    @dataclasses.dataclass(frozen=True)
    class Row:
        n: int
        gb_seconds: float
        other: float

    assert_same(Row(1, 0.1 + 0.2, 0.5), Row(1, 0.3, 0.5))
    for duck, spark in ((Row(1, 1.0, 0.5), Row(2, 1.0, 0.5)),
                        (Row(1, 1.0, 0.3), Row(1, 1.0, 0.1 + 0.2)),
                        (Row(1, 1.0, 0.5), Row(1, 1.001, 0.5)),
                        ((Row(1, 1.0, 0.5),), ()),
                        ({"a": 1}, {"a": 1.0})):
        with pytest.raises(AssertionError):
            assert_same(duck, spark)


# -- data -----------------------------------------------------------------------------

def _generated_tables() -> dict[str, list[dict[str, Any]]]:
    """Rows with what the fixtures lack: many invocations over 10 days (daily buckets,
    interpolated percentiles, an anomaly), ties, NULL times, text with quotes and
    backslashes, auth bursts, throttles, and a denial-of-wallet spike."""
    rnd = random.Random(7)
    start = dt.datetime(2026, 11, 10)
    lam: list[dict[str, Any]] = []
    for account, name, memory in (("111122223333", "orders", 512),
                                  ("444455556666", "it's\\odd", 128),
                                  ("111122223333", "billing", 1024)):
        for i in range(120):
            ts = start + dt.timedelta(hours=2 * i, milliseconds=rnd.randrange(3_600_000))
            duration = round(rnd.uniform(1, 900), 2) if i % 7 else 250.0  # ties
            request = f"{name}-{i}"
            lam.append({"ts": ts, "log_group": f"/aws/lambda/{name}", "account_id": account,
                        "function_name": name, "kind": "report", "request_id": request,
                        "duration_ms": duration, "billed_ms": float(int(duration) + 1),
                        "memory_mb": memory, "max_memory_mb": rnd.randrange(40, memory),
                        "init_ms": round(rnd.uniform(100, 400), 3) if i % 5 == 0 else None})
            if i % 11 == 0:
                lam.append({"ts": ts, "log_group": f"/aws/lambda/{name}", "account_id": account,
                            "function_name": name, "kind": "error", "request_id": request,
                            "error_type": "ValueError", "message": "[ERROR] it's \\ bad"})
            if i % 17 == 0:
                lam.append({"ts": ts, "log_group": f"/aws/lambda/{name}", "account_id": account,
                            "function_name": name, "kind": "timeout", "request_id": request,
                            "status": "timeout", "timeout_s": 3.0})
    for i in range(2):  # plain files without times: only in open periods
        lam.append({"kind": "report", "request_id": f"untimed-{i}", "duration_ms": 10.0,
                    "billed_ms": 10.0, "memory_mb": 128, "max_memory_mb": 50})
    # denial of wallet: a day of 5 an hour, then an hour of 300
    base = dt.datetime(2026, 11, 25)
    for h in range(30):
        for k in range(300 if h == 29 else 5):
            ts = base + dt.timedelta(hours=h, seconds=k)
            for kind in ("start", "report"):
                lam.append({"ts": ts, "log_group": "/aws/lambda/spiky", "account_id": "111122223333",
                            "function_name": "spiky", "kind": kind, "request_id": f"s{h}-{k}",
                            "duration_ms": 120.0 if kind == "report" else None,
                            "billed_ms": 120.0 if kind == "report" else None,
                            "memory_mb": 256 if kind == "report" else None})
    trail: list[dict[str, Any]] = []

    def event(when: dt.datetime, name: str, source: str, **fields: Any) -> None:
        trail.append({"event_time": when, "event_id": f"gen-{len(trail)}", "event_name": name,
                      "event_name_raw": name, "event_source": source,
                      "aws_region": "eu-west-1", "source_ip": "198.51.100.7", **fields})

    user = {"identity_type": "IAMUser", "identity_account_id": "111122223333",
            "identity_arn": "arn:aws:iam::111122223333:user/admin",
            "identity_user_name": "admin", "recipient_account_id": "111122223333"}
    night = dt.datetime(2026, 11, 14, 23, 0)  # a Saturday night
    for k in range(4):
        event(night + dt.timedelta(minutes=k), "ConsoleLogin", "signin.amazonaws.com",
              console_login="Failure", error_message="Failed authentication", **user)
    event(night + dt.timedelta(minutes=5), "ConsoleLogin", "signin.amazonaws.com",
          console_login="Success", mfa_used="No", **user)
    event(night + dt.timedelta(minutes=6), "AssumeRole", "sts.amazonaws.com",
          request_parameters=json.dumps({"roleArn": "arn:aws:iam::111122223333:role/PowerUser"}),
          **user)
    event(night + dt.timedelta(minutes=7), "StartSession", "ssm.amazonaws.com", **user)
    event(night + dt.timedelta(minutes=8), "CreateAccessKey", "iam.amazonaws.com",
          identity_type="Root", identity_account_id="111122223333",
          identity_arn="arn:aws:iam::111122223333:root", recipient_account_id="111122223333")
    for k in range(12):
        event(start + dt.timedelta(days=3, minutes=k), "Invoke", "lambda.amazonaws.com",
              request_parameters=json.dumps(
                  {"functionName": "arn:aws:lambda:eu-west-1:111122223333:function:orders"}),
              error_code="TooManyRequestsException" if k % 3 == 0 else None,
              identity_type="AssumedRole", recipient_account_id="111122223333")
    gateway = [{"ts": start + dt.timedelta(hours=k), "request_id": f"gw-{k}", "api_id": "a1",
                "stage": "prod", "status": 401 if k % 2 else 200,
                "principal_id": None if k % 2 else "svc-batch", "source_ip": "203.0.113.9",
                "authorizer_error": "Unauthorized" if k % 2 else None}
               for k in range(6)]
    audit = [{"ts": start + dt.timedelta(hours=k), "schema_version": 1,
              "type": "auth.failure" if k % 3 else "auth.success", "function_name": "orders",
              "region": "eu-west-1", "principal_id": "u-1" if k % 3 else "ops-admin",
              "principal_roles": json.dumps(["Admin"] if k % 3 == 0 else ["reader"]),
              "reason": "token revoked" if k % 3 else None, "source_ip": "203.0.113.9"}
             for k in range(6)]
    return {"lambda_events": lam, "cloudtrail_events": trail, "apigw_requests": gateway,
            "audit_events": audit}


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from faasguard.logs.spark.session import SparkUnavailable, start, unavailable

    reason = unavailable()
    if reason is not None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1)")
        pytest.skip(f"Spark parity needs pyspark and Java: {reason}")
    try:
        # small data: planning, not computing, is the cost; spare the adaptive
        # re-planning and the code generation
        session = start(driver_memory="512m", partitions=1, conf={
            "spark.sql.adaptive.enabled": "false", "spark.sql.codegen.wholeStage": "false"})
    except SparkUnavailable as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield session
    session.stop()


@pytest.fixture(scope="module")
def report_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The report fixtures, the format fixtures, and generated rows, in one store."""
    from faasguard.logs.report import open_store

    folder = tmp_path_factory.mktemp("parity")
    generated = reportrows.build(folder / "generated.duckdb", _generated_tables())
    files = sorted((LOGS / "report" / "logs").iterdir()) + [
        LOGS / name for name in ("lambda-text.log", "lambda-json.log", "lambda-export.log",
                                 "cloudtrail.json", "apigw-access.log", "audit.log",
                                 "filter-log-events.json", "subscription-payload.json")]
    result = ingest([str(f) for f in files], generated)
    assert not result.failed
    db = open_store(generated)
    yield db
    db.close()


@pytest.fixture(scope="module")
def report_tables(spark: Any, report_store: duckdb.DuckDBPyConnection) -> Iterator[Any]:
    from faasguard.logs.spark.run import spark_tables

    with spark_tables(spark, report_store) as conn:
        yield conn


# -- reports --------------------------------------------------------------------------

OPTIONS = AuthOptions(office=OfficeHours.parse("09:00-17:30", "Europe/Paris", "mon-fri"),
                      privileged_patterns=("*admin*", "*PowerUser*", "*:root"),
                      burst_failures=3, burst_window=dt.timedelta(minutes=10))
PRICES = Prices(gb_second=0.0000133334, request=0.25 / 1_000_000)


def test_report_identical(report_store: duckdb.DuckDBPyConnection, report_tables: Any) -> None:
    """Every event (an open period: rows without a time count too), non-default options;
    the command-line test below covers a bounded period."""
    from faasguard.logs.spark.run import report

    duck = build_report(report_store, "store", Period(), OPTIONS, PRICES, GENERATED)
    spark = report(report_tables, "store", Period(), OPTIONS, PRICES, GENERATED)
    # every section has something to compare, so a Spark engine returning nothing fails
    assert duck.functions.functions and duck.auth.events and duck.timeline.anomalies
    assert duck.auth.bursts and duck.auth.privileged and duck.auth.special
    assert duck.auth.off_hours and duck.auth.remote and duck.auth.spread
    assert any(f.throttles for f in duck.functions.functions)
    assert any(f.function == "(unknown)" for f in duck.functions.functions)
    assert duck.timeline.bucket_seconds == 86400
    for section in ("events", "auth", "functions", "timeline"):
        assert_same(getattr(duck, section), getattr(spark, section), section)


# -- detections -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def detection_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    db = tmp_path_factory.mktemp("detections") / "store.duckdb"
    files = sorted((LOGS / "detections" / "builtin").glob("*.json"))
    result = ingest([str(f) for f in files], db)
    assert not result.failed and not result.quarantined
    conn = duckdb.connect(str(db), read_only=True)
    yield conn
    conn.close()


def _rules() -> tuple[Rule, ...]:
    catalogue = load([LOGS / "detections" / "sigma"])
    return catalogue.rules


def test_detections_identical(spark: Any, detection_store: duckdb.DuckDBPyConnection) -> None:
    from faasguard.logs.spark.run import detect, spark_tables

    rules = _rules()
    duck = run_rules(detection_store, rules, *EVER)
    with spark_tables(spark, detection_store) as conn:
        found = detect(conn, rules, *EVER)
    assert duck.failures == () and found.failures == ()
    builtin = {r.id for r in rules if r.origin == "builtin"}
    assert len(builtin) == 11
    sigma = {r.id for r in rules} - builtin
    fired = {d.rule_id for d in duck.detections}
    assert builtin <= fired, "every built-in rule fires on its fixture"
    assert sigma & fired, "the Sigma fixture rules fire"
    assert_same(duck.detections, found.detections, "detections")


def _export(store: Path, target: Path) -> None:
    from faasguard.cli import main

    assert main(["logs", "export", "--db", str(store), "--parquet", str(target)]) == 0


def test_rule_spark_cannot_run_is_a_failure(spark: Any, tmp_path: Path) -> None:
    """Read from a Parquet directory written by `logs export` (a table missing from it
    is empty); a rule Spark cannot run fails alone."""
    from faasguard.logs.spark.run import detect, spark_tables

    store = tmp_path / "root.duckdb"
    ingest([str(LOGS / "detections" / "builtin" / "FG-CT-ROOT-USED.json")], store)
    _export(store, tmp_path / "parquet")
    shutil.rmtree(tmp_path / "parquet" / "apigw_requests")
    good = next(r for r in _rules() if r.id == "FG-CT-ROOT-USED")
    bad = dataclasses.replace(good, id="X-BAD", where="no_such_column = 1")
    with spark_tables(spark, parquet=tmp_path / "parquet") as conn:
        assert conn.execute("SELECT count(*) FROM apigw_requests").fetchone() == (0,)
        result = detect(conn, [bad, good], *EVER)
    assert [f.rule_id for f in result.failures] == ["X-BAD"]
    assert "no_such_column" in result.failures[0].message
    assert {d.rule_id for d in result.detections} == {"FG-CT-ROOT-USED"}


def test_wallet_identical(report_store: duckdb.DuckDBPyConnection, report_tables: Any) -> None:
    from faasguard.logs.spark.run import wallet

    config = dow.WalletConfig(min_volume=50)
    duck = dow.detect(report_store, *EVER, config)
    assert [dict(d.group)["function"] for d in duck] == ["spiky"]
    assert_same(duck, wallet(report_tables, *EVER, config), "wallet")


# -- the command line -----------------------------------------------------------------

def test_report_command_spark_engine(spark: Any, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from faasguard.cli import main

    db = reportrows.build(tmp_path / "cli.duckdb", _generated_tables())
    base = ["logs", "report", "--db", str(db), "-f", "json", "--until", "2026-11-27"]
    assert main(base) == 0
    duck = json.loads(capsys.readouterr().out)
    assert main([*base, "--engine", "spark"]) == 0
    found = json.loads(capsys.readouterr().out)
    for doc in (duck, found):
        doc.pop("generated", None)
    assert duck["functions"]["functions"]
    assert found.keys() == duck.keys()
    for key in duck:
        if key != "functions":
            assert found[key] == duck[key], key
    assert_same(duck["functions"], found["functions"], "functions")


def test_report_command_spark_over_parquet_without_a_store(
        spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The tables as `logs export` writes them (or a data lake laid out the same way):
    # Spark reads them with no store at all, and reports what DuckDB reports.
    from faasguard.cli import main

    db = reportrows.build(tmp_path / "lake.duckdb", _generated_tables())
    window = ["-f", "json", "--until", "2026-11-27"]
    assert main(["logs", "report", "--db", str(db), *window]) == 0
    duck = json.loads(capsys.readouterr().out)
    lake = tmp_path / "lake"
    assert main(["logs", "export", "--db", str(db), "--parquet", str(lake)]) == 0
    capsys.readouterr()
    db.unlink()
    assert main(["logs", "report", "--engine", "spark", "--parquet", str(lake), *window]) == 0
    found = json.loads(capsys.readouterr().out)
    for doc in (duck, found):
        doc.pop("generated", None)
        doc.pop("store", None)
    assert found.keys() == duck.keys()
    for key in duck:
        if key != "functions":
            assert found[key] == duck[key], key
    assert_same(duck["functions"], found["functions"], "functions")
    with pytest.raises(SystemExit):
        main(["logs", "report", "--parquet", str(lake)])
    assert "--parquet needs --engine spark" in capsys.readouterr().err


def test_detect_command_spark_engine(spark: Any, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    from faasguard.cli import main

    db = tmp_path / "detect.duckdb"
    ingest([str(LOGS / "detections" / "builtin" / "FG-CT-ROOT-USED.json")], db)
    base = ["logs", "detect", "--db", str(db), "--since", "2026-01-01T00:00:00Z",
            "--until", "2027-01-01T00:00:00Z", "-f", "json", "--no-wallet"]
    assert main(base) == 1
    duck = json.loads(capsys.readouterr().out)
    assert main([*base, "--engine", "spark"]) == 1
    found = json.loads(capsys.readouterr().out)
    assert duck["detections"] and found["detections"] == duck["detections"]


def test_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from faasguard.cli import main

    store = reportrows.build(tmp_path / "store.duckdb", _generated_tables())
    target = tmp_path / "out" / "parquet"
    assert main(["logs", "export", "--db", str(store), "--parquet", str(target),
                 "-f", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    with duckdb.connect(str(store), read_only=True) as db:
        for table, count in rows.items():
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (count,)
            exported = db.execute(f"SELECT * FROM '{target / table}/*.parquet' ORDER BY id")
            assert exported.fetchall() == db.execute(
                f"SELECT * FROM {table} ORDER BY id").fetchall()
    assert rows["lambda_events"] > 1000 and rows["cloudtrail_events"] > 10
    with pytest.raises(SystemExit) as exited:
        main(["logs", "export", "--db", str(tmp_path / "none.duckdb"), "--parquet",
              str(target)])
    assert exited.value.code == 2
    assert "no log store" in capsys.readouterr().err


def test_engine_spark_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Without pyspark or Java, --engine spark is a usage error naming what is missing."""
    from faasguard.cli import main

    monkeypatch.setattr("faasguard.logs.spark.session.unavailable",
                        lambda: "no Java runtime (test)")
    store = reportrows.build(tmp_path / "store.duckdb", {"lambda_events": []})
    for command in ("report", "detect"):
        with pytest.raises(SystemExit) as exited:
            main(["logs", command, "--db", str(store), "--engine", "spark"])
        assert exited.value.code == 2
        assert "--engine spark: no Java runtime (test)" in capsys.readouterr().err


# -- the dialect (no Spark needed) ----------------------------------------------------

@pytest.mark.parametrize(("duck", "spark"), [
    ("quantile_cont(duration_ms, 0.95)", "percentile(duration_ms, 0.95)"),
    ("first(sec ORDER BY load DESC, sec)",
     "min_by(sec, named_struct('k0', -(load), 'k1', sec))"),
    ("list_sort(list_distinct(list(system)))[1:10]",
     "slice(array_sort(array_distinct(collect_list(system))), 1, 10)"),
    ("request_parameters->>'$.roleArn'", "get_json_object(request_parameters, '$.roleArn')"),
    ("e.request_parameters ->> '$.a'", "get_json_object(e.request_parameters, '$.a')"),
    ("json_extract_string(r, '$.\"a-b\".c')", "get_json_object(r, '$[''a-b''].c')"
     .replace("''", "\\'")),
    ("regexp_extract(arn, '[^/]+$')", "regexp_extract(arn, '[^/]+$', 0)"),
    ("regexp_matches(a, 'x', 'i')", "rlike(a, concat('(?i)', 'x'))"),
    ("\"user\"", "`user`"),
    ("x LIKE 'a\\%' ESCAPE '\\'", "x LIKE 'a\\\\%' ESCAPE '\\\\'"),
    ("'it''s'", "'it\\'s'"),
    ("SELECT a FROM t ORDER BY 2 DESC, 1", "SELECT a FROM t ORDER BY 2 DESC NULLS LAST , 1 NULLS LAST "),
    ("SELECT a FROM t ORDER BY a NULLS FIRST", "SELECT a FROM t ORDER BY a NULLS FIRST"),
    ("len(list_filter(coalesce(TRY_CAST(j AS VARCHAR[]), []::VARCHAR[]), r -> r = 'x'))",
     "size(filter(coalesce(from_json(j, 'array<string>'), array()), r -> r = 'x'))"),
    ("time_bucket(to_seconds(3600), ts, TIMESTAMP '1970-01-01')",
     "CAST(timestamp_micros((unix_micros(CAST(ts AS TIMESTAMP)) div 3600000000L) "
     "* 3600000000L) AS TIMESTAMP_NTZ)"),
])
def test_dialect_rewrites(duck: str, spark: str) -> None:
    assert translate(duck) == spark


def test_dialect_parameters_and_refusals() -> None:
    assert to_spark("SELECT ? , ?, ?, ?", ["it's", dt.datetime(2026, 1, 2, 3, 4, 5),
                                          dt.timedelta(days=30, seconds=1), None]) == (
        "SELECT 'it\\'s' , TIMESTAMP_NTZ '2026-01-02 03:04:05', make_dt_interval(30, 0, 0, "
        "CAST('1.000000' AS DECIMAL(18,6))), NULL")
    assert json_path('$."x y"[0]') == "$['x y'][0]"
    for sql in ("regexp_matches(a, 'x', 'g')", "time_bucket(INTERVAL 1 HOUR, ts)",
                "json_extract_string(r, '$.a[*].b')", "first(x ORDER BY a NULLS FIRST)"):
        with pytest.raises(DialectError):
            translate(sql)
    with pytest.raises(DialectError):
        to_spark("SELECT ?", [])
