"""The reports and detections on Spark: the store's event tables exported to Parquet
(or a Parquet directory written by ``faasguard logs export``), read by a local Spark
session, and the same report and rule code run over it through `SparkConnection`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

from faasguard.logs.spark.connection import SparkConnection, SparkQueryError
from faasguard.logs.spark.tables import export_parquet, register

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import SparkSession

    from faasguard.logs.detections.engine import Result
    from faasguard.logs.detections.model import Detection, Rule
    from faasguard.logs.detections.wallet import WalletConfig
    from faasguard.logs.report import AuthOptions, LogReport, Period, Prices


@contextmanager
def spark_tables(spark: SparkSession, store: duckdb.DuckDBPyConnection | None = None,
                 parquet: Path | None = None) -> Iterator[SparkConnection]:
    """A connection over the store's tables: exported from `store` to a temporary
    Parquet directory (removed afterwards), or read from `parquet`."""
    scratch = None
    if parquet is None:
        if store is None:
            raise ValueError("give a store or a Parquet directory")
        scratch = Path(tempfile.mkdtemp(prefix="faasguard-parquet-"))
        export_parquet(store, scratch)
        parquet = scratch
    # a session of its own: temporary views are per session, so two stores (or a report
    # and a test) never see each other's tables
    own = spark.newSession()
    register(own, parquet)
    conn = SparkConnection(own)
    try:
        yield conn
    finally:
        conn.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _as_duckdb(conn: SparkConnection) -> duckdb.DuckDBPyConnection:
    # the report and rule code calls only execute (with ? parameters), executemany,
    # fetchone and fetchall, which SparkConnection provides with the same results
    return cast("duckdb.DuckDBPyConnection", conn)


def report(conn: SparkConnection, store: str, period: Period,
           auth: AuthOptions | None = None, prices: Prices | None = None,
           generated: dt.datetime | None = None) -> LogReport:
    """`faasguard.logs.report.build_report`, on Spark."""
    from faasguard.logs.report import build_report

    return build_report(_as_duckdb(conn), store, period, auth, prices, generated)


def detect(conn: SparkConnection, rules: Sequence[Rule], since: dt.datetime,
           until: dt.datetime) -> Result:
    """`faasguard.logs.detections.engine.run`, on Spark: a rule Spark cannot run is a
    failure with its message, and the other rules still run."""
    from faasguard.logs.detections.engine import Failure, Result, run_rule

    found: list[Detection] = []
    failures: list[Failure] = []
    for rule in rules:
        try:
            found.extend(run_rule(_as_duckdb(conn), rule, since, until))
        except SparkQueryError as exc:
            failures.append(Failure(rule.id, rule.origin, str(exc).splitlines()[0]))
    found.sort(key=lambda d: (d.first_seen, d.rule_id, d.dedup_key))
    return Result(tuple(found), tuple(failures), len(rules))


def wallet(conn: SparkConnection, since: dt.datetime, until: dt.datetime,
           config: WalletConfig | None = None) -> list[Detection]:
    """`faasguard.logs.detections.wallet.detect`, on Spark."""
    from faasguard.logs.detections import wallet as dow

    return dow.detect(_as_duckdb(conn), since, until, config)
