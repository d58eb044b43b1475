"""Authentication report (control F2): the SANS essential categories over CloudTrail,
API Gateway access logs and faasguard.runtime audit events.

One authentication event is one attempt by an *account* on a *system* with an
*outcome* (success or failure). docs/logs-reports.md defines each source's mapping
and each category; the SQL below is that definition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from faasguard.logs.report.common import OfficeHours, Period, glob_regex, rows

if TYPE_CHECKING:
    import duckdb

# CloudTrail events that are an authentication: signing in, or getting credentials.
AUTH_EVENTS = ("ConsoleLogin", "AssumeRole", "AssumeRoleWithSAML",
               "AssumeRoleWithWebIdentity", "AssumeRoot", "GetSessionToken",
               "GetFederationToken")
# IAM Identity Center (and smart card) sign-ins: a sequence of CredentialChallenge and
# CredentialVerification events, then UserAuthentication once every challenge is met.
# The outcome is in serviceEventDetails. A sign-in counts once: its UserAuthentication
# (a success), or each CredentialVerification that failed.
SIGNIN_SQL = ("(event_source = 'signin.amazonaws.com' AND (event_name = 'UserAuthentication' "
              "OR (event_name = 'CredentialVerification' AND coalesce("
              "service_event_details->>'$.CredentialVerification', '') = 'Failure')))")
# CloudTrail events that open an interactive session from elsewhere.
REMOTE_EVENTS = (
    ("signin.amazonaws.com", "ConsoleLogin"),
    ("signin.amazonaws.com", "UserAuthentication"),
    ("ssm.amazonaws.com", "StartSession"),
    ("ssm.amazonaws.com", "ResumeSession"),
    ("ec2-instance-connect.amazonaws.com", "SendSSHPublicKey"),
    ("ec2-instance-connect.amazonaws.com", "SendSerialConsoleSSHPublicKey"),
    ("ec2-instance-connect.amazonaws.com", "OpenTunnel"),
    ("cloudshell.amazonaws.com", "CreateSession"),
)
SERVICE_PATTERNS = ("svc-*", "svc_*", "*-svc", "*_svc", "service-*", "*-service",
                    "*serviceaccount*", "*service-account*", "aws-service-role/*",
                    "AWSServiceRole*")
DEFAULT_NAMES = ("admin", "administrator", "guest", "test", "user", "default", "demo",
                 "ec2-user", "ubuntu", "postgres", "sa", "oracle", "pi", "support",
                 "operator")
PRIVILEGED_PATTERNS = ("*:root", "*admin*", "*OrganizationAccountAccessRole*",
                       "*PowerUser*")
# What the logs say when the account exists but may not be used, or does not exist.
DISABLED_REASON = (r"(?i)\b(disabled|revoked|inactive|deactivated|suspended|locked)\b")
UNKNOWN_REASON = (r"(?i)(no username found|unknown token|apikey\.unknown|user does not exist"
                  r"|InvalidClientTokenId|HIDDEN_DUE_TO_SECURITY_REASONS)")

# The account an event of cloudtrail_events is done by: <account id>:root,
# <id>:user/<name>, <id>:role/<role> (an assumed role, whatever the session name),
# else the federated user name, the ARN or the principal id.
CT_ACCOUNT = """CASE
  WHEN identity_type = 'Root' THEN coalesce(identity_account_id, '?') || ':root'
  WHEN identity_type = 'IAMUser' THEN coalesce(identity_account_id, '?') || ':user/'
       || coalesce(identity_user_name, regexp_extract(identity_arn, '[^/]+$'), '?')
  WHEN identity_type = 'AssumedRole' THEN
       coalesce(session_issuer_account_id, identity_account_id, '?') || ':role/'
       || coalesce(session_issuer_user_name,
                   regexp_extract(identity_arn, 'assumed-role/([^/]+)', 1), '?')
  WHEN identity_type = 'AWSService' THEN 'service:' || coalesce(identity_invoked_by, '?')
  ELSE coalesce(identity_user_name, identity_arn, identity_principal_id, '(unknown)')
END"""
# Failed: a console sign-in that says so, or any error. Never NULL (for FILTER and NOT).
CT_FAILED = ("(coalesce(console_login, '') = 'Failure' "
             "OR coalesce(service_event_details->>'$.CredentialVerification', '') = 'Failure' "
             "OR coalesce(service_event_details->>'$.UserAuthentication', '') = 'Failure' "
             "OR error_code IS NOT NULL OR error_message IS NOT NULL)")
_SHORT = "regexp_extract(account, '[^/:]+$')"


@dataclass(frozen=True)
class AuthOptions:
    office: OfficeHours = field(default_factory=OfficeHours)
    service_patterns: tuple[str, ...] = SERVICE_PATTERNS
    """Shell patterns on the account or its last name part: service accounts."""
    default_names: tuple[str, ...] = DEFAULT_NAMES
    """Account names products ship with (compared without case to the last part)."""
    privileged_patterns: tuple[str, ...] = PRIVILEGED_PATTERNS
    """Shell patterns (no case) on the account, the assumed role's ARN or a runtime role."""
    disabled_accounts: tuple[str, ...] = ()
    """Shell patterns on accounts known to be disabled (besides what the logs say)."""
    burst_failures: int = 3
    burst_window: dt.timedelta = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Tally:
    """Attempts by one key (an account or a system)."""

    key: str
    successes: int
    failures: int
    others: int
    """Distinct systems (for an account) or distinct accounts (for a system)."""
    first: dt.datetime
    last: dt.datetime


@dataclass(frozen=True)
class SpecialAttempt:
    category: str
    """disabled, service, default or unknown."""
    account: str
    successes: int
    failures: int
    systems: int
    first: dt.datetime
    last: dt.datetime
    reason: str | None
    """The reason the logs gave most often (ties: the first in sort order), if any."""


@dataclass(frozen=True)
class OffHours:
    account: str
    logins: int
    systems: int
    first: dt.datetime
    last: dt.datetime


@dataclass(frozen=True)
class Spread:
    account: str
    failures: int
    systems: int
    names: tuple[str, ...]
    """The systems (at most 10, sorted)."""


@dataclass(frozen=True)
class RemoteAccess:
    account: str
    event: str
    source_ip: str | None
    successes: int
    failures: int
    first: dt.datetime
    last: dt.datetime


@dataclass(frozen=True)
class PrivilegedUse:
    account: str
    via: str
    """root, account (the account matches a pattern), assumed-role (it assumed a
    matching role) or runtime-role (a runtime principal with a matching role)."""
    events: int
    failures: int
    actions: tuple[str, ...]
    """The distinct event names or types (at most 10, sorted)."""
    first: dt.datetime
    last: dt.datetime


@dataclass(frozen=True)
class Burst:
    """A success preceded, on the same account and since its previous success, by at
    least `burst_failures` failures within `burst_window`."""

    account: str
    success_at: dt.datetime
    system: str
    failures: int
    first_failure: dt.datetime
    source_ips: tuple[str, ...]


@dataclass(frozen=True)
class AuthReport:
    events: int
    successes: int
    failures: int
    by_account: tuple[Tally, ...]
    by_system: tuple[Tally, ...]
    special: tuple[SpecialAttempt, ...]
    off_hours: tuple[OffHours, ...]
    office: str
    spread: tuple[Spread, ...]
    remote: tuple[RemoteAccess, ...]
    privileged: tuple[PrivilegedUse, ...]
    bursts: tuple[Burst, ...]


def _auth_table(db: duckdb.DuckDBPyConnection, period: Period) -> None:
    """The temporary table ``auth_events``: every authentication event of the period."""
    ct_where, ct_params = period.where("event_time")
    gw_where, gw_params = period.where("ts")
    names = ", ".join(f"'{n}'" for n in AUTH_EVENTS)
    db.execute("DROP TABLE IF EXISTS auth_events")
    db.execute(f"""CREATE TEMP TABLE auth_events AS
    SELECT 'cloudtrail' AS origin, id, event_time AS ts, {CT_ACCOUNT} AS account,
      CASE WHEN event_name LIKE 'AssumeRole%'
             THEN coalesce(request_parameters->>'$.roleArn', 'sts:'
                           || coalesce(recipient_account_id, identity_account_id, '?'))
           WHEN event_name = 'ConsoleLogin'
             THEN 'console:' || coalesce(recipient_account_id, identity_account_id, '?')
           ELSE split_part(event_source, '.', 1) || ':'
                || coalesce(recipient_account_id, identity_account_id, '?') END AS system,
      CASE WHEN {CT_FAILED} THEN 'failure' ELSE 'success' END AS outcome,
      coalesce(error_message, error_code) AS reason, event_name AS action,
      source_ip, identity_type
    FROM cloudtrail_events
    WHERE (event_name IN ({names}) OR {SIGNIN_SQL})
      AND coalesce(identity_type, '') <> 'AWSService' AND {ct_where}
    UNION ALL
    SELECT 'apigw', id, ts, coalesce(principal_id, user_arn, "user", caller, '(anonymous)'),
      'api:' || coalesce(api_id, domain_name, '?') || coalesce('/' || stage, ''),
      CASE WHEN authorizer_error IS NOT NULL OR authenticate_error IS NOT NULL
             OR authenticate_status NOT LIKE '2%' OR authorizer_status NOT LIKE '2%'
             OR status = 401 THEN 'failure' ELSE 'success' END,
      coalesce(authorizer_error, authenticate_error, error_message), 'request',
      source_ip, NULL
    FROM apigw_requests
    WHERE (authorizer_status IS NOT NULL OR authorizer_error IS NOT NULL
           OR authenticate_status IS NOT NULL OR authenticate_error IS NOT NULL
           OR principal_id IS NOT NULL OR status = 401) AND {gw_where}
    UNION ALL
    SELECT 'runtime', id, ts, coalesce(principal_id, '(anonymous)'),
      'function:' || coalesce(nullif(function_name, ''), '?')
        || coalesce('@' || nullif(region, ''), ''),
      CASE WHEN type = 'auth.success' THEN 'success' ELSE 'failure' END,
      reason, type, source_ip, principal_method
    FROM audit_events
    WHERE type IN ('auth.success', 'auth.failure') AND {gw_where}""",
               [*ct_params, *gw_params, *gw_params])


def _tallies(db: duckdb.DuckDBPyConnection, key: str, other: str) -> tuple[Tally, ...]:
    found = rows(db, f"""SELECT {key}, count(*) FILTER (WHERE outcome = 'success'),
        count(*) FILTER (WHERE outcome = 'failure'), count(DISTINCT {other}), min(ts), max(ts)
        FROM auth_events GROUP BY {key}
        ORDER BY 3 DESC, 2 DESC, 1""")
    return tuple(Tally(*r) for r in found)


def _matches(column: str, regex: str | None) -> str:
    if regex is None:
        return "FALSE"
    return f"regexp_matches({column}, '{_quote(regex)}', 'i')"


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _special(db: duckdb.DuckDBPyConnection, opts: AuthOptions) -> tuple[SpecialAttempt, ...]:
    service = _matches("account", glob_regex(opts.service_patterns))
    service_short = _matches(_SHORT, glob_regex(opts.service_patterns))
    disabled = _matches("account", glob_regex(opts.disabled_accounts))
    defaults = ", ".join(f"'{_quote(n.lower())}'" for n in opts.default_names) or "NULL"
    categories = {
        "disabled": f"(regexp_matches(coalesce(reason, ''), '{DISABLED_REASON}') OR {disabled})",
        "service": f"({service} OR {service_short})",
        "default": f"lower({_SHORT}) IN ({defaults})",
        "unknown": f"regexp_matches(coalesce(reason, '') || ' ' || account, '{UNKNOWN_REASON}')",
    }
    out: list[SpecialAttempt] = []
    for category, condition in categories.items():
        found = rows(db, f"""
            WITH hits AS (SELECT * FROM auth_events WHERE {condition}),
            reasons AS (SELECT account, reason, count(*) AS n FROM hits
                        WHERE reason IS NOT NULL GROUP BY account, reason),
            top AS (SELECT account, first(reason ORDER BY n DESC, reason) AS reason
                    FROM reasons GROUP BY account)
            SELECT h.account, count(*) FILTER (WHERE outcome = 'success'),
              count(*) FILTER (WHERE outcome = 'failure'), count(DISTINCT system), min(ts),
              max(ts), any_value(top.reason)
            FROM hits h LEFT JOIN top ON top.account = h.account
            GROUP BY h.account ORDER BY 3 DESC, 2 DESC, 1""")
        out.extend(SpecialAttempt(category, *r) for r in found)
    return tuple(out)


def _off_hours(db: duckdb.DuckDBPyConnection, opts: AuthOptions) -> tuple[OffHours, ...]:
    service = glob_regex(opts.service_patterns)
    not_service = (f"NOT ({_matches('account', service)} OR {_matches(_SHORT, service)})")
    span = db.execute("SELECT min(ts), max(ts) FROM auth_events "
                      "WHERE outcome = 'success'").fetchone()
    if span is None or span[0] is None:
        return ()
    db.execute("DROP TABLE IF EXISTS office")
    db.execute("CREATE TEMP TABLE office (starts TIMESTAMP, ends TIMESTAMP)")
    intervals = opts.office.intervals(span[0], span[1])
    if intervals:
        db.executemany("INSERT INTO office VALUES (?, ?)", [list(i) for i in intervals])
    found = rows(db, f"""SELECT account, count(*), count(DISTINCT system), min(ts), max(ts)
        FROM auth_events a
        WHERE outcome = 'success' AND {not_service}
          AND NOT EXISTS (SELECT 1 FROM office o WHERE a.ts >= o.starts AND a.ts < o.ends)
        GROUP BY account ORDER BY 2 DESC, 1""")
    return tuple(OffHours(*r) for r in found)


def _spread(db: duckdb.DuckDBPyConnection) -> tuple[Spread, ...]:
    found = rows(db, """SELECT account, count(*), count(DISTINCT system),
        list_sort(list_distinct(list(system)))[1:10]
        FROM auth_events WHERE outcome = 'failure'
        GROUP BY account ORDER BY 3 DESC, 2 DESC, 1""")
    return tuple(Spread(a, f, s, tuple(n)) for a, f, s, n in found)


def _remote(db: duckdb.DuckDBPyConnection, period: Period) -> tuple[RemoteAccess, ...]:
    where, params = period.where("event_time")
    pairs = " OR ".join(f"(event_source = '{s}' AND event_name = '{n}')"
                        for s, n in REMOTE_EVENTS)
    found = rows(db, f"""SELECT {CT_ACCOUNT} AS account, event_name, source_ip,
        count(*) FILTER (WHERE NOT {CT_FAILED}), count(*) FILTER (WHERE {CT_FAILED}),
        min(event_time), max(event_time)
        FROM cloudtrail_events WHERE ({pairs}) AND {where}
        GROUP BY ALL ORDER BY 1, 2, 3 NULLS LAST""", params)
    return tuple(RemoteAccess(*r) for r in found)


def _privileged(db: duckdb.DuckDBPyConnection, period: Period,
                opts: AuthOptions) -> tuple[PrivilegedUse, ...]:
    regex = glob_regex(opts.privileged_patterns)
    where, params = period.where("event_time")
    rt_where, rt_params = period.where("ts")
    found = rows(db, f"""
    WITH ct AS (SELECT {CT_ACCOUNT} AS account, * FROM cloudtrail_events WHERE {where}),
    uses AS (
      SELECT account, CASE WHEN identity_type = 'Root' THEN 'root' ELSE 'account' END AS via,
             event_name AS action, {CT_FAILED} AS failed, event_time AS ts
      FROM ct WHERE identity_type = 'Root' OR {_matches('account', regex)}
             OR {_matches('session_issuer_arn', regex)}
      UNION ALL
      SELECT account, 'assumed-role', event_name || ' ' || (request_parameters->>'$.roleArn'),
             {CT_FAILED}, event_time
      FROM ct WHERE event_name LIKE 'AssumeRole%'
             AND {_matches("coalesce(request_parameters->>'$.roleArn', '')", regex)}
      UNION ALL
      SELECT principal_id, 'runtime-role', type, type = 'auth.failure', ts
      FROM audit_events
      WHERE type IN ('auth.success', 'auth.failure') AND principal_id IS NOT NULL
        AND {rt_where} AND len(list_filter(
            coalesce(TRY_CAST(principal_roles AS VARCHAR[]), []::VARCHAR[]),
            r -> {_matches('r', regex)})) > 0)
    SELECT account, via, count(*), count(*) FILTER (WHERE failed),
           list_sort(list_distinct(list(action)))[1:10], min(ts), max(ts)
    FROM uses GROUP BY account, via ORDER BY 3 DESC, 1, 2""", [*params, *rt_params])
    return tuple(PrivilegedUse(a, v, n, f, tuple(x), first, last)
                 for a, v, n, f, x, first, last in found)


def _bursts(db: duckdb.DuckDBPyConnection, opts: AuthOptions) -> tuple[Burst, ...]:
    seconds = opts.burst_window.total_seconds()
    found = rows(db, """
    WITH e AS (
      SELECT *, coalesce(count(*) FILTER (WHERE outcome = 'success') OVER (
          PARTITION BY account ORDER BY ts, id
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS after_success
      FROM auth_events)
    SELECT s.account, s.ts, s.system, count(*), min(f.ts),
           coalesce(list_sort(list_distinct(list(f.source_ip) FILTER (
               WHERE f.source_ip IS NOT NULL))), [])
    FROM e s JOIN e f
      ON f.account = s.account AND f.outcome = 'failure'
     AND f.after_success = s.after_success
     AND (f.ts < s.ts OR (f.ts = s.ts AND f.id < s.id))
     AND f.ts >= s.ts - to_microseconds(CAST(? * 1000000 AS BIGINT))
    WHERE s.outcome = 'success'
    GROUP BY s.account, s.ts, s.id, s.system
    HAVING count(*) >= ?
    ORDER BY s.ts, s.account""", [seconds, opts.burst_failures])
    return tuple(Burst(a, t, s, n, first, tuple(ips)) for a, t, s, n, first, ips in found)


def auth_report(db: duckdb.DuckDBPyConnection, period: Period,
                opts: AuthOptions | None = None) -> AuthReport:
    opts = opts or AuthOptions()
    _auth_table(db, period)
    totals: Any = db.execute("SELECT count(*), count(*) FILTER (WHERE outcome = 'success'), "
                             "count(*) FILTER (WHERE outcome = 'failure') "
                             "FROM auth_events").fetchone()
    return AuthReport(
        events=totals[0], successes=totals[1], failures=totals[2],
        by_account=_tallies(db, "account", "system"),
        by_system=_tallies(db, "system", "account"),
        special=_special(db, opts),
        off_hours=_off_hours(db, opts), office=opts.office.describe(),
        spread=_spread(db),
        remote=_remote(db, period),
        privileged=_privileged(db, period, opts),
        bursts=_bursts(db, opts),
    )
