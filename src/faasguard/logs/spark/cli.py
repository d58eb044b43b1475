"""``--engine spark`` for ``faasguard logs report`` and ``faasguard logs detect``: start a
local Spark session, export the store's event tables to a temporary Parquet directory,
and run the same reports and rules there. Errors become the commands' usage errors
(Spark or Java missing, a session that does not start).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.logs.spark.connection import SparkConnection, SparkQueryError

if TYPE_CHECKING:
    import duckdb

    from faasguard.logs.detections.engine import Result
    from faasguard.logs.detections.model import Detection, Rule
    from faasguard.logs.detections.wallet import WalletConfig
    from faasguard.logs.report import AuthOptions, LogReport, Period, Prices

ENGINES = ("duckdb", "spark")


class SparkEngine:
    """The store's tables on a Spark session, for one command."""

    def __init__(self, conn: SparkConnection, scratch: Path | None) -> None:
        self.conn = conn
        self.scratch = scratch
        """The temporary Parquet export, removed on close; None for tables read from
        the user's own Parquet directory."""

    @classmethod
    def start(cls, store: duckdb.DuckDBPyConnection | None,
              parquet: Path | None = None) -> SparkEngine:
        """The tables of `store`, exported to a temporary directory, or those already
        written under `parquet` (by `faasguard logs export`, or a data lake laid out
        the same way: no store needed). Raises SparkUnavailable when Spark cannot run."""
        from faasguard.logs.spark.session import start
        from faasguard.logs.spark.tables import export_parquet, register

        spark = start().newSession()  # temporary views of its own
        if parquet is not None:
            register(spark, parquet)
            return cls(SparkConnection(spark), None)
        if store is None:
            raise ValueError("give a store or a Parquet directory")
        scratch = Path(tempfile.mkdtemp(prefix="faasguard-parquet-"))
        try:
            export_parquet(store, scratch)
            register(spark, scratch)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        return cls(SparkConnection(spark), scratch)

    def close(self) -> None:
        self.conn.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def report(self, store: str, period: Period, auth: AuthOptions | None,
               prices: Prices | None, generated: dt.datetime | None) -> LogReport:
        from faasguard.logs.spark.run import report

        return report(self.conn, store, period, auth, prices, generated)

    def rules(self, rules: Sequence[Rule], since: dt.datetime, until: dt.datetime) -> Result:
        from faasguard.logs.spark.run import detect

        return detect(self.conn, rules, since, until)

    def wallet(self, since: dt.datetime, until: dt.datetime,
               config: WalletConfig) -> list[Detection]:
        from faasguard.logs.spark.run import wallet

        return wallet(self.conn, since, until, config)


def spark_report(store: duckdb.DuckDBPyConnection | None, name: str, period: Period,
                 auth: AuthOptions | None, prices: Prices | None,
                 generated: dt.datetime | None, parquet: Path | None = None) -> LogReport:
    """`build_report` on Spark, over the store or a Parquet directory; ReportError when
    Spark cannot run it."""
    from faasguard.logs.report.common import ReportError
    from faasguard.logs.spark.session import SparkUnavailable

    try:
        engine = SparkEngine.start(store, parquet)
    except SparkUnavailable as exc:
        raise ReportError(f"--engine spark: {exc}") from None
    try:
        return engine.report(name, period, auth, prices, generated)
    except SparkQueryError as exc:
        raise ReportError(f"--engine spark: a report query failed on Spark: {exc}") from None
    finally:
        engine.close()
