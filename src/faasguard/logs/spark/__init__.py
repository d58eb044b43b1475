"""The log reports and detections on Apache Spark (``--engine spark``), for log volumes
that outgrow one machine. The DuckDB store stays the system of record; Spark reads its
event tables as Parquet and runs the same report and rule SQL, rewritten for Spark by
`dialect`. docs/logs-spark.md says what runs and how results are kept identical.

Nothing here imports pyspark until a session is started.
"""
