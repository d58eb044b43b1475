"""Authentication report (F2): each SANS category on small stores whose answers are
worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import reportrows

from faasguard.logs.report.auth import AuthOptions, AuthReport, auth_report
from faasguard.logs.report.common import OfficeHours, Period, open_store

ACCOUNT = "111122223333"


def login(when: str, user: str, ok: bool, ip: str = "198.51.100.7",
          message: str = "Failed authentication", **extra: Any) -> dict[str, Any]:
    row = {"event_time": when, "event_source": "signin.amazonaws.com",
           "event_name": "ConsoleLogin", "identity_type": "IAMUser",
           "identity_account_id": ACCOUNT, "identity_user_name": user,
           "recipient_account_id": ACCOUNT, "source_ip": ip,
           "console_login": "Success" if ok else "Failure"}
    if not ok:
        row["error_message"] = message
    row.update(extra)
    return row


def audit(when: str, kind: str, principal: str | None, function: str = "orders",
          reason: str | None = None, roles: list[str] | None = None,
          ip: str | None = None) -> dict[str, Any]:
    return {"ts": when, "type": kind, "principal_id": principal, "function_name": function,
            "region": "eu-west-1", "reason": reason, "principal_roles": roles,
            "source_ip": ip}


def report(tmp_path: Path, tables: dict[str, list[dict[str, Any]]],
           opts: AuthOptions | None = None, period: Period | None = None) -> AuthReport:
    path = tmp_path / f"auth{len(list(tmp_path.glob('*.duckdb')))}.duckdb"
    db = open_store(reportrows.build(path, tables))
    try:
        return auth_report(db, period or Period(), opts)
    finally:
        db.close()


@pytest.fixture
def mixed(tmp_path: Path) -> Iterator[AuthReport]:
    yield report(tmp_path, {
        "cloudtrail_events": [
            login("2026-11-20T06:55:00Z", "alice", False),
            login("2026-11-20T06:56:00Z", "alice", False),
            login("2026-11-20T06:57:00Z", "alice", True),
            {"event_time": "2026-11-20T09:00:00Z", "event_source": "sts.amazonaws.com",
             "event_name": "AssumeRole", "identity_type": "IAMUser",
             "identity_account_id": ACCOUNT, "identity_user_name": "bob",
             "request_parameters": {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/deploy"}},
            # the platform assuming a function's role is not an account authenticating
            {"event_time": "2026-11-20T09:00:00Z", "event_source": "sts.amazonaws.com",
             "event_name": "AssumeRole", "identity_type": "AWSService",
             "identity_invoked_by": "lambda.amazonaws.com"},
            # not an authentication event
            {"event_time": "2026-11-20T09:01:00Z", "event_source": "lambda.amazonaws.com",
             "event_name": "ListFunctions", "identity_type": "IAMUser",
             "identity_account_id": ACCOUNT, "identity_user_name": "bob"},
        ],
        "apigw_requests": [
            {"ts": "2026-11-20T09:00:00Z", "api_id": "a1", "stage": "prod",
             "principal_id": "user-42", "authorizer_status": "200", "status": 200},
            {"ts": "2026-11-20T09:00:01Z", "api_id": "a1", "stage": "prod", "status": 401,
             "authorizer_error": "The incoming token has expired"},
            {"ts": "2026-11-20T09:00:02Z", "api_id": "a1", "stage": "prod", "status": 403,
             "authenticate_status": "403", "authenticate_error": "Unauthorized"},
            {"ts": "2026-11-20T09:00:03Z", "api_id": "a1", "stage": "prod", "status": 200},
        ],
        "audit_events": [
            audit("2026-11-20T10:00:00Z", "auth.failure", "user-42", reason="token expired"),
            audit("2026-11-20T10:00:01Z", "auth.success", "user-42"),
            audit("2026-11-20T10:00:02Z", "rate.limited", "user-42"),
        ],
    })


def test_totals_by_account_and_by_system(mixed: AuthReport) -> None:
    # 3 console logins + 1 AssumeRole + 3 API requests with auth fields + 2 audit events
    assert (mixed.events, mixed.successes, mixed.failures) == (9, 4, 5)
    accounts = {t.key: (t.failures, t.successes, t.others) for t in mixed.by_account}
    assert accounts == {
        f"{ACCOUNT}:user/alice": (2, 1, 1),
        f"{ACCOUNT}:user/bob": (0, 1, 1),
        "user-42": (1, 2, 2),                   # api a1/prod and function orders
        "(anonymous)": (2, 0, 1),
    }
    systems = {t.key: (t.failures, t.successes, t.others) for t in mixed.by_system}
    assert systems == {
        f"console:{ACCOUNT}": (2, 1, 1),
        f"arn:aws:iam::{ACCOUNT}:role/deploy": (0, 1, 1),
        "api:a1/prod": (2, 1, 2),
        "function:orders@eu-west-1": (1, 1, 1),
    }
    # most failures first
    assert mixed.by_account[0].failures == 2


def test_special_accounts(tmp_path: Path) -> None:
    found = report(tmp_path, {
        "cloudtrail_events": [
            login("2026-11-20T07:10:00Z", "HIDDEN_DUE_TO_SECURITY_REASONS", False,
                  message="No username found in supplied account"),
            login("2026-11-20T07:11:00Z", "admin", False),
            login("2026-11-20T07:12:00Z", "svc-reports", True),
            login("2026-11-20T07:13:00Z", "frank", False),
        ],
        "audit_events": [
            audit("2026-11-20T10:00:00Z", "auth.failure", "svc-batch", reason="token revoked"),
            audit("2026-11-20T10:00:01Z", "auth.failure", None, reason="unknown token"),
            audit("2026-11-20T10:00:02Z", "auth.failure", "gina", reason="token expired"),
        ],
    }, AuthOptions(disabled_accounts=("*user/frank",)))
    special = {(s.category, s.account): (s.failures, s.successes) for s in found.special}
    assert special == {
        ("unknown", f"{ACCOUNT}:user/HIDDEN_DUE_TO_SECURITY_REASONS"): (1, 0),
        ("unknown", "(anonymous)"): (1, 0),
        ("default", f"{ACCOUNT}:user/admin"): (1, 0),
        ("service", f"{ACCOUNT}:user/svc-reports"): (0, 1),
        ("service", "svc-batch"): (1, 0),
        ("disabled", "svc-batch"): (1, 0),          # the runtime says: token revoked
        ("disabled", f"{ACCOUNT}:user/frank"): (1, 0),  # configured
    }
    reasons = {(s.category, s.account): s.reason for s in found.special}
    assert reasons[("disabled", "svc-batch")] == "token revoked"


def test_off_hours_logins_in_the_office_time_zone(tmp_path: Path) -> None:
    # Europe/Paris in November is UTC+1: office 08:00-18:00 local = 07:00-17:00 UTC
    rows = [
        login("2026-11-20T06:59:00Z", "early", True),      # Fri 07:59 local: off
        login("2026-11-20T07:00:00Z", "ontime", True),     # Fri 08:00 local: in
        login("2026-11-20T16:59:59Z", "late", True),       # Fri 17:59:59 local: in
        login("2026-11-20T17:00:00Z", "later", True),      # Fri 18:00 local: off
        login("2026-11-21T10:00:00Z", "weekend", True),    # Sat: off
        login("2026-11-21T10:00:00Z", "weekend", True),
        login("2026-11-21T10:00:00Z", "failed", False),    # failures are not logins
        login("2026-11-21T10:00:00Z", "svc-nightly", True),  # service account
    ]
    office = OfficeHours.parse("08:00-18:00", "Europe/Paris")
    found = report(tmp_path, {"cloudtrail_events": rows}, AuthOptions(office=office))
    off = {o.account.split("/")[-1]: o.logins for o in found.off_hours}
    assert off == {"early": 1, "later": 1, "weekend": 2}
    # the same logins against UTC office hours (08:00-18:00 UTC): 06:59 and 07:00 are
    # off hours, 16:59:59 and 17:00 are in
    utc = report(tmp_path, {"cloudtrail_events": rows}, AuthOptions())
    assert {o.account.split("/")[-1] for o in utc.off_hours} == {"early", "ontime", "weekend"}


def test_failures_by_distinct_target_systems(tmp_path: Path) -> None:
    found = report(tmp_path, {"audit_events": [
        audit("2026-11-20T10:00:00Z", "auth.failure", "mallory", "orders"),
        audit("2026-11-20T10:00:01Z", "auth.failure", "mallory", "payments"),
        audit("2026-11-20T10:00:02Z", "auth.failure", "mallory", "payments"),
        audit("2026-11-20T10:00:03Z", "auth.failure", "mallory", "refunds"),
        audit("2026-11-20T10:00:04Z", "auth.failure", "ted", "orders"),
        audit("2026-11-20T10:00:05Z", "auth.failure", "ted", "orders"),
        audit("2026-11-20T10:00:06Z", "auth.success", "ted", "payments"),
    ]})
    spread = [(s.account, s.systems, s.failures) for s in found.spread]
    assert spread == [("mallory", 3, 4), ("ted", 1, 2)]
    assert found.spread[0].names == ("function:orders@eu-west-1",
                                     "function:payments@eu-west-1",
                                     "function:refunds@eu-west-1")


def test_remote_access(tmp_path: Path) -> None:
    found = report(tmp_path, {"cloudtrail_events": [
        login("2026-11-20T06:55:00Z", "alice", False, ip="203.0.113.1"),
        login("2026-11-20T06:56:00Z", "alice", True, ip="203.0.113.1"),
        {"event_time": "2026-11-20T09:05:00Z", "event_source": "ssm.amazonaws.com",
         "event_name": "StartSession", "identity_type": "IAMUser",
         "identity_account_id": ACCOUNT, "identity_user_name": "bob", "source_ip": "203.0.113.5"},
        {"event_time": "2026-11-20T09:06:00Z", "event_source": "ec2-instance-connect.amazonaws.com",
         "event_name": "SendSSHPublicKey", "identity_type": "IAMUser",
         "identity_account_id": ACCOUNT, "identity_user_name": "bob", "source_ip": "203.0.113.5",
         "error_code": "AccessDenied"},
        {"event_time": "2026-11-20T09:07:00Z", "event_source": "lambda.amazonaws.com",
         "event_name": "GetFunction", "identity_type": "IAMUser",
         "identity_account_id": ACCOUNT, "identity_user_name": "bob"},
    ]})
    remote = [(r.account.split(":")[-1], r.event, r.source_ip, r.successes, r.failures)
              for r in found.remote]
    assert remote == [("user/alice", "ConsoleLogin", "203.0.113.1", 1, 1),
                      ("user/bob", "SendSSHPublicKey", "203.0.113.5", 0, 1),
                      ("user/bob", "StartSession", "203.0.113.5", 1, 0)]


def test_privileged_account_use(tmp_path: Path) -> None:
    root = {"identity_type": "Root", "identity_account_id": ACCOUNT,
            "identity_arn": f"arn:aws:iam::{ACCOUNT}:root"}
    admin_session = {"identity_type": "AssumedRole", "identity_account_id": ACCOUNT,
                     "session_issuer_user_name": "AdminRole",
                     "session_issuer_arn": f"arn:aws:iam::{ACCOUNT}:role/AdminRole"}
    found = report(tmp_path, {
        "cloudtrail_events": [
            {"event_time": "2026-11-20T01:00:00Z", "event_source": "signin.amazonaws.com",
             "event_name": "ConsoleLogin", "console_login": "Success", **root},
            {"event_time": "2026-11-20T01:01:00Z", "event_source": "iam.amazonaws.com",
             "event_name": "CreateUser", **root},
            {"event_time": "2026-11-20T02:00:00Z", "event_source": "lambda.amazonaws.com",
             "event_name": "UpdateFunctionCode", **admin_session},
            {"event_time": "2026-11-20T02:01:00Z", "event_source": "lambda.amazonaws.com",
             "event_name": "DeleteFunction", "error_code": "AccessDenied", **admin_session},
            {"event_time": "2026-11-20T03:00:00Z", "event_source": "sts.amazonaws.com",
             "event_name": "AssumeRole", "identity_type": "IAMUser",
             "identity_account_id": ACCOUNT, "identity_user_name": "bob",
             "request_parameters": {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/AdminRole"}},
            {"event_time": "2026-11-20T03:00:00Z", "event_source": "lambda.amazonaws.com",
             "event_name": "GetFunction", "identity_type": "IAMUser",
             "identity_account_id": ACCOUNT, "identity_user_name": "bob"},
        ],
        "audit_events": [
            audit("2026-11-20T10:00:00Z", "auth.success", "carol", roles=["Admin", "reader"]),
            audit("2026-11-20T10:00:01Z", "auth.success", "dan", roles=["reader"]),
        ],
    })
    uses = {(p.account, p.via): (p.events, p.failures, p.actions) for p in found.privileged}
    assert uses == {
        (f"{ACCOUNT}:root", "root"): (2, 0, ("ConsoleLogin", "CreateUser")),
        (f"{ACCOUNT}:role/AdminRole", "account"): (2, 1, ("DeleteFunction",
                                                          "UpdateFunctionCode")),
        (f"{ACCOUNT}:user/bob", "assumed-role"): (
            1, 0, (f"AssumeRole arn:aws:iam::{ACCOUNT}:role/AdminRole",)),
        ("carol", "runtime-role"): (1, 0, ("auth.success",)),
    }
    # patterns are configurable: only root now
    only_root = report(tmp_path, {"cloudtrail_events": [
        {"event_time": "2026-11-20T02:00:00Z", "event_source": "lambda.amazonaws.com",
         "event_name": "UpdateFunctionCode", **admin_session}]},
        AuthOptions(privileged_patterns=("*:root",)))
    assert only_root.privileged == ()


def test_failures_followed_by_a_success(tmp_path: Path) -> None:
    found = report(tmp_path, {"audit_events": [
        # ann: 3 failures within 10 minutes, then a success: a burst of 3
        audit("2026-11-20T10:00:00Z", "auth.failure", "ann", ip="192.0.2.1"),
        audit("2026-11-20T10:04:00Z", "auth.failure", "ann", "payments", ip="192.0.2.2"),
        audit("2026-11-20T10:09:00Z", "auth.failure", "ann", ip="192.0.2.1"),
        audit("2026-11-20T10:09:59Z", "auth.success", "ann"),
        # then 2 failures and a success: the count starts again after each success
        audit("2026-11-20T10:11:00Z", "auth.failure", "ann"),
        audit("2026-11-20T10:12:00Z", "auth.failure", "ann"),
        audit("2026-11-20T10:13:00Z", "auth.success", "ann"),
        # ben: the first failure is 10 min 1 s before the success, out of the window
        audit("2026-11-20T11:00:00Z", "auth.failure", "ben"),
        audit("2026-11-20T11:05:00Z", "auth.failure", "ben"),
        audit("2026-11-20T11:06:00Z", "auth.failure", "ben"),
        audit("2026-11-20T11:10:01Z", "auth.success", "ben"),
        # cy: failures on another account do not count
        audit("2026-11-20T12:00:00Z", "auth.failure", "cy"),
        audit("2026-11-20T12:00:01Z", "auth.failure", "dee"),
        audit("2026-11-20T12:00:02Z", "auth.failure", "dee"),
        audit("2026-11-20T12:00:03Z", "auth.success", "cy"),
    ]})
    bursts = [(b.account, b.success_at, b.failures, b.first_failure, b.source_ips)
              for b in found.bursts]
    assert bursts == [("ann", dt.datetime(2026, 11, 20, 10, 9, 59), 3,
                       dt.datetime(2026, 11, 20, 10, 0), ("192.0.2.1", "192.0.2.2"))]


def test_burst_threshold_and_window_are_options(tmp_path: Path) -> None:
    rows = [audit("2026-11-20T11:00:00Z", "auth.failure", "ben"),
            audit("2026-11-20T11:05:00Z", "auth.failure", "ben"),
            audit("2026-11-20T11:06:00Z", "auth.failure", "ben"),
            audit("2026-11-20T11:10:01Z", "auth.success", "ben")]
    found = report(tmp_path, {"audit_events": rows},
                   AuthOptions(burst_failures=3, burst_window=dt.timedelta(minutes=11)))
    assert [(b.account, b.failures) for b in found.bursts] == [("ben", 3)]
    found = report(tmp_path, {"audit_events": rows}, AuthOptions(burst_failures=2))
    assert [(b.account, b.failures) for b in found.bursts] == [("ben", 2)]


def test_period_limits_every_category(tmp_path: Path) -> None:
    rows = [login("2026-11-19T23:59:59Z", "alice", False),
            login("2026-11-20T00:00:00Z", "alice", False),
            login("2026-11-20T23:59:59Z", "alice", True),
            login("2026-11-21T00:00:00Z", "alice", False)]
    found = report(tmp_path, {"cloudtrail_events": rows},
                   period=Period(dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 21)))
    assert (found.events, found.failures, found.successes) == (2, 1, 1)
    assert [(r.successes, r.failures) for r in found.remote] == [(1, 1)]


def test_special_reason_is_the_most_frequent(tmp_path: Path) -> None:
    found = report(tmp_path, {"audit_events": [
        audit("2026-11-20T10:00:00Z", "auth.failure", "svc-a", reason="token expired"),
        audit("2026-11-20T10:00:01Z", "auth.failure", "svc-a", reason="token revoked"),
        audit("2026-11-20T10:00:02Z", "auth.failure", "svc-a", reason="token revoked"),
        audit("2026-11-20T10:00:03Z", "auth.failure", "svc-b", reason="token revoked"),
        audit("2026-11-20T10:00:04Z", "auth.failure", "svc-b", reason="token expired"),
        audit("2026-11-20T10:00:05Z", "auth.success", "svc-c"),
    ]})
    service = {s.account: (s.reason, s.failures, s.successes) for s in found.special
               if s.category == "service"}
    assert service == {"svc-a": ("token revoked", 3, 0),
                       "svc-b": ("token expired", 2, 0),   # a tie: sort order
                       "svc-c": (None, 0, 1)}


def identity_center(when: str, name: str, outcome: str, user: str = "jane",
                    ip: str = "198.51.100.20") -> dict[str, Any]:
    """An IAM Identity Center sign-in event as CloudTrail logs it (type Unknown, the
    outcome in serviceEventDetails)."""
    return {"event_time": when, "event_source": "signin.amazonaws.com", "event_name": name,
            "event_type": "AwsServiceEvent", "identity_type": "Unknown",
            "identity_account_id": ACCOUNT, "identity_principal_id": ACCOUNT,
            "identity_user_name": user, "recipient_account_id": ACCOUNT, "source_ip": ip,
            "additional_event_data": {"AuthWorkflowID": "wf-1", "CredentialType": "PASSWORD"},
            "service_event_details": {name: outcome}}


def test_identity_center_sign_ins(tmp_path: Path) -> None:
    # jane: a challenge, two failed verifications, one that succeeds, then the sign-in:
    # 2 failures and 1 success (challenges and successful verifications are steps of
    # the sign-in, not sign-ins); a verification with no outcome (stored before the
    # column existed) is not counted either way.
    found = report(tmp_path, {"cloudtrail_events": [
        identity_center("2026-11-20T09:00:00Z", "CredentialChallenge", "Success"),
        identity_center("2026-11-20T09:00:10Z", "CredentialVerification", "Failure"),
        identity_center("2026-11-20T09:00:20Z", "CredentialVerification", "Failure"),
        identity_center("2026-11-20T09:00:30Z", "CredentialVerification", "Success"),
        identity_center("2026-11-20T09:00:31Z", "UserAuthentication", "Success"),
        {**identity_center("2026-11-20T09:30:00Z", "CredentialVerification", "Failure"),
         "service_event_details": None},
    ]}, AuthOptions(burst_failures=2))
    assert (found.events, found.successes, found.failures) == (3, 1, 2)
    assert [(t.key, t.failures, t.successes) for t in found.by_account] == [("jane", 2, 1)]
    assert [(r.account, r.event, r.successes, r.failures) for r in found.remote] == [
        ("jane", "UserAuthentication", 1, 0)]
    assert [(b.account, b.failures) for b in found.bursts] == [("jane", 2)]
