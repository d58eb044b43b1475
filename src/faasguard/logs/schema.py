"""The tables of the log store, one place for their columns.

Parsers build each row as a plain tuple in the order of its table's ``columns`` (after
the three columns every event table starts with: ``id``, ``source_id``, ``line``), which
is what lets ingestion move millions of rows without a dict or an object per row.
All times are UTC (``TIMESTAMP`` without a zone, always UTC).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """One event table of the store."""

    name: str
    """SQL table name."""
    columns: tuple[tuple[str, str], ...]
    """(column, DuckDB type) in the order parsers build rows, after the common head."""

    @property
    def width(self) -> int:
        return len(self.columns)


# Every event table starts with these: a deterministic id (unique: re-ingesting adds
# nothing), the source it came from and the line (1-based) where its unit started.
HEAD: tuple[tuple[str, str], ...] = (
    ("id", "UBIGINT"), ("source_id", "INTEGER"), ("line", "BIGINT"))

LAMBDA = Table("lambda_events", (
    ("ts", "TIMESTAMP"),
    ("log_group", "VARCHAR"),
    ("log_stream", "VARCHAR"),
    ("account_id", "VARCHAR"),
    ("function_name", "VARCHAR"),
    # start, end, report, init_start, init_report, runtime_done, timeout, oom, error,
    # extension, platform (other platform events), log
    ("kind", "VARCHAR"),
    ("request_id", "VARCHAR"),
    ("level", "VARCHAR"),
    ("message", "VARCHAR"),
    ("duration_ms", "DOUBLE"),
    ("billed_ms", "DOUBLE"),
    ("memory_mb", "INTEGER"),
    ("max_memory_mb", "INTEGER"),
    ("init_ms", "DOUBLE"),
    ("status", "VARCHAR"),
    ("error_type", "VARCHAR"),
    ("timeout_s", "DOUBLE"),
    ("trace_id", "VARCHAR"),
    ("segment_id", "VARCHAR"),
    ("sampled", "BOOLEAN"),
    ("version", "VARCHAR"),
    ("cw_event_id", "VARCHAR"),
))

CLOUDTRAIL = Table("cloudtrail_events", (
    ("event_time", "TIMESTAMP"),
    ("event_id", "VARCHAR"),
    ("event_version", "VARCHAR"),
    ("event_source", "VARCHAR"),
    ("event_name", "VARCHAR"),          # Lambda's versioned names normalised
    ("event_name_raw", "VARCHAR"),      # as logged, e.g. UpdateFunctionCode20150331v2
    ("event_type", "VARCHAR"),
    ("event_category", "VARCHAR"),
    ("aws_region", "VARCHAR"),
    ("source_ip", "VARCHAR"),
    ("user_agent", "VARCHAR"),
    ("identity_type", "VARCHAR"),
    ("identity_arn", "VARCHAR"),
    ("identity_account_id", "VARCHAR"),
    ("identity_principal_id", "VARCHAR"),
    ("identity_user_name", "VARCHAR"),
    ("identity_access_key_id", "VARCHAR"),
    ("identity_invoked_by", "VARCHAR"),
    ("session_issuer_type", "VARCHAR"),
    ("session_issuer_arn", "VARCHAR"),
    ("session_issuer_user_name", "VARCHAR"),
    ("session_issuer_account_id", "VARCHAR"),
    ("session_mfa_authenticated", "BOOLEAN"),
    ("error_code", "VARCHAR"),
    ("error_message", "VARCHAR"),
    ("request_parameters", "JSON"),
    ("response_elements", "JSON"),
    ("additional_event_data", "JSON"),
    ("mfa_used", "VARCHAR"),            # additionalEventData.MFAUsed: "Yes" / "No"
    ("console_login", "VARCHAR"),       # responseElements.ConsoleLogin: Success / Failure
    ("recipient_account_id", "VARCHAR"),
    ("read_only", "BOOLEAN"),
    ("management_event", "BOOLEAN"),
    ("request_id", "VARCHAR"),
    ("resources", "JSON"),
    ("vpc_endpoint_id", "VARCHAR"),
    # sign-in outcomes of non-API events, e.g. {"CredentialVerification": "Failure"}
    ("service_event_details", "JSON"),
))

APIGW = Table("apigw_requests", (
    ("ts", "TIMESTAMP"),
    ("request_id", "VARCHAR"),
    ("extended_request_id", "VARCHAR"),
    ("api_id", "VARCHAR"),
    ("stage", "VARCHAR"),
    ("domain_name", "VARCHAR"),
    ("http_method", "VARCHAR"),
    ("route_key", "VARCHAR"),
    ("resource_path", "VARCHAR"),
    ("path", "VARCHAR"),
    ("protocol", "VARCHAR"),
    ("status", "INTEGER"),
    ("response_length", "BIGINT"),
    ("response_latency_ms", "DOUBLE"),
    ("integration_status", "VARCHAR"),
    ("integration_latency_ms", "DOUBLE"),
    ("integration_error", "VARCHAR"),
    ("source_ip", "VARCHAR"),
    ("user_agent", "VARCHAR"),
    ("caller", "VARCHAR"),
    ("user", "VARCHAR"),
    ("user_arn", "VARCHAR"),
    ("account_id", "VARCHAR"),
    ("principal_id", "VARCHAR"),
    ("authorizer_error", "VARCHAR"),
    ("authorizer_status", "VARCHAR"),
    ("authorizer_latency_ms", "DOUBLE"),
    ("authenticate_status", "VARCHAR"),
    ("authenticate_error", "VARCHAR"),
    ("authorize_status", "VARCHAR"),
    ("authorize_error", "VARCHAR"),
    ("waf_status", "VARCHAR"),
    ("error_message", "VARCHAR"),
    ("error_response_type", "VARCHAR"),
    ("fields", "JSON"),                 # the whole record, as logged
))

AUDIT = Table("audit_events", (
    ("ts", "TIMESTAMP"),
    ("schema_version", "INTEGER"),
    ("type", "VARCHAR"),
    ("correlation_id", "VARCHAR"),
    ("function_name", "VARCHAR"),
    ("function_version", "VARCHAR"),
    ("region", "VARCHAR"),
    ("status", "INTEGER"),
    ("duration_ms", "DOUBLE"),
    ("request_id", "VARCHAR"),
    ("shape", "VARCHAR"),
    ("method", "VARCHAR"),
    ("path", "VARCHAR"),
    ("route", "VARCHAR"),
    ("source_ip", "VARCHAR"),
    ("user_agent", "VARCHAR"),
    ("principal_id", "VARCHAR"),
    ("principal_method", "VARCHAR"),
    ("principal_roles", "JSON"),
    ("principal_scopes", "JSON"),
    ("reason", "VARCHAR"),
    ("detail", "JSON"),
    ("log_group", "VARCHAR"),
    ("log_stream", "VARCHAR"),
))

# Lines and records that could not be read as what their source holds.
QUARANTINE = Table("quarantine", (
    ("record", "BIGINT"),       # index of the item within its line or document (0-based)
    ("format", "VARCHAR"),
    ("reason", "VARCHAR"),
    ("raw", "VARCHAR"),         # the text as read (invalid UTF-8 replaced), cut at RAW_LIMIT
    ("raw_bytes", "BIGINT"),    # its full length before any cut
))

EVENT_TABLES: tuple[Table, ...] = (LAMBDA, CLOUDTRAIL, APIGW, AUDIT)
TABLES: dict[str, Table] = {t.name: t for t in (*EVENT_TABLES, QUARANTINE)}

RAW_LIMIT = 64 * 1024
