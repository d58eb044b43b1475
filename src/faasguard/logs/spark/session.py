"""A local Spark session for the log reports: ``local[2]``, a small driver, no UI, bound
to 127.0.0.1 (no network), UTC, and a temporary warehouse directory.

pyspark is an optional dependency (the ``spark`` extra) and needs a Java runtime;
`unavailable` says which is missing, so callers can refuse with a clear message.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class SparkUnavailable(Exception):
    """pyspark or Java is missing, or the session could not start."""


def unavailable() -> str | None:
    """Why Spark cannot run here, or None when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'faasguard[spark]')"
    home = os.environ.get("JAVA_HOME")
    if not ((home and Path(home, "bin", "java").is_file()) or shutil.which("java")):
        return "no Java runtime (java on PATH or JAVA_HOME), which Spark needs"
    return None


def start(master: str = "local[2]", driver_memory: str = "1g",
          warehouse: Path | None = None, partitions: int = 4,
          conf: Mapping[str, str] | None = None) -> SparkSession:
    """A Spark session for the reports. Start-up takes several seconds: make one and
    reuse it. `conf`: more Spark settings (they reach sessions made from it too)."""
    reason = unavailable()
    if reason is not None:
        raise SparkUnavailable(reason)
    from pyspark.sql import SparkSession

    where = warehouse or Path(tempfile.mkdtemp(prefix="faasguard-spark-"))
    builder = (SparkSession.builder.master(master).appName("faasguard-logs")
               .config("spark.driver.memory", driver_memory)
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", str(partitions))
               .config("spark.sql.warehouse.dir", str(where / "warehouse"))
               .config("spark.local.dir", str(where / "local")))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM's own errors: report them, do not crash
        raise SparkUnavailable(f"Spark did not start: {str(exc).splitlines()[0]}") from None
    session.sparkContext.setLogLevel("ERROR")
    return session
