"""The store's event tables for Spark: exported from the DuckDB store to Parquet (one
directory per table), and read back as temporary views with the store's column types.

DuckDB stays the system of record (idempotent ingestion, quarantine); Spark reads the
same rows. A Parquet directory may also be filled by other means (several exports, a
data lake): every Parquet file in ``DIR/<table>/`` is read, and its columns are cast to
the store's types, so reports see the same types on both engines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.logs.schema import EVENT_TABLES, HEAD, Table

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import SparkSession

# DuckDB type -> Spark type: UBIGINT ids keep every value (Spark has no unsigned 64-bit
# integer); timestamps stay naive UTC (TIMESTAMP_NTZ); JSON is its text.
SPARK_TYPES = {"UBIGINT": "DECIMAL(20,0)", "INTEGER": "INT", "BIGINT": "BIGINT",
               "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN", "VARCHAR": "STRING",
               "JSON": "STRING", "TIMESTAMP": "TIMESTAMP_NTZ"}


def export_parquet(db: duckdb.DuckDBPyConnection, directory: Path,
                   tables: tuple[Table, ...] = EVENT_TABLES) -> dict[str, int]:
    """Write each event table to ``directory/<table>/data.parquet``; rows per table."""
    counts = {}
    for table in tables:
        target = directory / table.name
        target.mkdir(parents=True, exist_ok=True)
        literal = str(target / "data.parquet").replace("'", "''")
        db.execute(f"COPY (SELECT * FROM {table.name}) TO '{literal}' (FORMAT PARQUET)")
        found = db.execute(f"SELECT count(*) FROM {table.name}").fetchone()
        counts[table.name] = int(found[0]) if found else 0
    return counts


def register(spark: SparkSession, directory: Path,
             tables: tuple[Table, ...] = EVENT_TABLES) -> None:
    """Temporary views named like the store's tables over ``directory/<table>/``; a
    table without a directory is an empty view."""
    for table in tables:
        columns = (*HEAD, *table.columns)
        source = directory / table.name
        if source.is_dir() and any(source.glob("*.parquet")):
            frame = spark.read.parquet(str(source))
            present = set(frame.columns)
            frame = frame.selectExpr(*(
                f"CAST({'`' + name + '`' if name in present else 'NULL'} AS "
                f"{SPARK_TYPES[kind]}) AS `{name}`" for name, kind in columns))
        else:
            frame = spark.sql("SELECT " + ", ".join(
                f"CAST(NULL AS {SPARK_TYPES[kind]}) AS `{name}`" for name, kind in columns)
                + " WHERE FALSE")
        frame.createOrReplaceTempView(table.name)
