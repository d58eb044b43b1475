"""A Spark session behind the few connection methods the reports and detections call
on DuckDB (``execute`` with ``?`` parameters, ``fetchone``, ``fetchall``,
``executemany``), so the same report code runs on either engine.

Queries are DuckDB SQL rewritten by `faasguard.logs.spark.dialect`. The temporary
tables the reports make (``CREATE TEMP TABLE x AS SELECT ...``, or with columns and
``INSERT ... VALUES`` rows) become cached temporary views.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from faasguard.logs.spark.dialect import DialectError, literal, to_spark
from faasguard.logs.spark.tables import SPARK_TYPES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_DROP = re.compile(r"\s*DROP\s+TABLE\s+IF\s+EXISTS\s+(\w+)\s*", re.I)
_CREATE_AS = re.compile(r"\s*CREATE\s+TEMP(?:ORARY)?\s+TABLE\s+(\w+)\s+AS\s+(.*)", re.I | re.S)
_CREATE = re.compile(r"\s*CREATE\s+TEMP(?:ORARY)?\s+TABLE\s+(\w+)\s*\((.*)\)\s*", re.I | re.S)
_INSERT = re.compile(r"\s*INSERT\s+INTO\s+(\w+)\s+VALUES\s*\(([\s?,]*)\)\s*", re.I)


class SparkQueryError(Exception):
    """A query Spark could not run (or that has no faithful rewrite)."""


def _plain(value: Any) -> Any:
    """Python values as DuckDB returns them: whole decimals (the UBIGINT ids) as int."""
    if isinstance(value, Decimal) and value.as_tuple().exponent == 0:
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class SparkConnection:
    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._rows: list[tuple[Any, ...]] = []
        self._tables: dict[str, tuple[list[tuple[str, str]], list[Sequence[Any]]]] = {}
        self._cached: dict[str, DataFrame] = {}

    # -- the DuckDB connection methods the reports use --------------------------------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> SparkConnection:
        params = list(params or [])
        try:
            self._rows = self._run(sql, params)
        except (DialectError, SparkQueryError) as exc:
            raise SparkQueryError(str(exc)) from None
        except Exception as exc:  # pyspark's errors carry the JVM's message
            if type(exc).__module__.startswith(("pyspark", "py4j")):
                raise SparkQueryError(_first_line(exc)) from None
            raise
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> SparkConnection:
        found = _INSERT.fullmatch(sql)
        if found is None or found[1].lower() not in self._tables:
            raise SparkQueryError("executemany: only INSERT INTO <temp table> VALUES (?, ...)")
        name = found[1].lower()
        self._tables[name][1].extend(rows)
        self._publish(name)
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def close(self) -> None:
        for frame in self._cached.values():
            frame.unpersist()
        self._cached.clear()

    # -- internals --------------------------------------------------------------------

    def _run(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        if (found := _DROP.fullmatch(sql)) is not None:
            name = found[1].lower()
            self.spark.catalog.dropTempView(name)
            self._tables.pop(name, None)
            if name in self._cached:
                self._cached.pop(name).unpersist()
            return []
        if (found := _CREATE_AS.fullmatch(sql)) is not None:
            frame = self.spark.sql(to_spark(found[2], params)).cache()
            self._view(found[1].lower(), frame)
            return []
        if (found := _CREATE.fullmatch(sql)) is not None:
            columns = []
            for part in found[2].split(","):
                column, kind = part.split()
                columns.append((column, SPARK_TYPES.get(kind.upper(), kind.upper())))
            self._tables[found[1].lower()] = (columns, [])
            self._publish(found[1].lower())
            return []
        return [tuple(_plain(v) for v in row)
                for row in self.spark.sql(to_spark(sql, params)).collect()]

    def _view(self, name: str, frame: DataFrame) -> None:
        if name in self._cached:
            self._cached.pop(name).unpersist()
        frame.createOrReplaceTempView(name)
        self._cached[name] = frame

    def _publish(self, name: str) -> None:
        columns, rows = self._tables[name]
        if rows:  # DuckDB quoting: to_spark rewrites it
            casts = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns)
            names = ", ".join(f'"{c}"' for c, _ in columns)
            values = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
            body = to_spark(f"SELECT {casts} FROM VALUES {values} AS t({names})")
        else:
            body = "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS `{c}`" for c, t in columns) \
                + " WHERE FALSE"
        self._view(name, self.spark.sql(body).cache())


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
