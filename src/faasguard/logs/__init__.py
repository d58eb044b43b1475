"""faasguard logs: ingest function, API, audit and CloudTrail logs into an embedded
DuckDB store (controls C2, C3, F2, F3, F4).

`ingest` reads files, directories, gzip files and stdin, detects each source's format
and stores its events incrementally and idempotently; see docs/logs.md.
"""

from faasguard.logs.detect import Format
from faasguard.logs.ingest import IngestReport, SourceReport, ingest
from faasguard.logs.store import Store, StoreError

__all__ = ["Format", "IngestReport", "SourceReport", "Store", "StoreError", "ingest"]
