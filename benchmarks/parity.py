"""Run faasguard and Checkov on the cases in benchmarks/parity_cases/ and print who
found what, measured rather than claimed.

    python benchmarks/parity.py    # installs the pinned Checkov first if it is missing

Each case folder holds one small app with one construct where the two tools may
disagree. For each (case, subject) below we know the truth, a problem to report or
a near miss to leave alone, and which faasguard rules and Checkov checks cover it.
The script runs both tools on the folder (Checkov with its cloudformation and
serverless frameworks, which hold every check in docs/parity.md, and without the
network) and prints, per subject, what each reported and whether that was right. It also lists the Checkov checks that apply to
serverless apps, from the installed Checkov's own ``--list``, and names any that
docs/parity.md does not mention.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from run import ensure_checkov  # noqa: E402  (benchmarks/ is not a package)

CASES_DIR = HERE / "parity_cases"
CHECKOV = HERE / ".venv-checkov" / "bin" / "checkov"
PARITY_DOC = REPO / "docs" / "parity.md"
RESULTS = HERE / "results" / "parity.md"
CHECKOV_ENV = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR"}

# Resource types and Checkov frameworks that make up a serverless app on AWS.
IN_SCOPE = re.compile(
    r"^(AWS::(Lambda|Serverless|ApiGateway|ApiGatewayV2|IAM|S3|DynamoDB|SQS|SNS|KMS|Logs|"
    r"SecretsManager|Cognito)::|serverless_aws$)")


@dataclass(frozen=True, slots=True)
class Expect:
    case: str
    """Folder under parity_cases/."""
    subject: str
    """The function (or node) faasguard names; Checkov's resource name ends with it too,
    unless ``checkov_subject`` says otherwise."""
    problem: str
    real: bool
    """True: a problem both tools should report. False: a near miss both should not."""
    faasguard: tuple[str, ...]
    checkov: tuple[str, ...]
    checkov_subject: str | None = None


EXPECT = [
    Expect("sls-v3-provider-iam", "invoice",
           "provider.iam.role.statements (Framework v3) allows * on *", True,
           ("FG-IAM-001",), ("CKV_AWS_1", "CKV_AWS_49")),
    Expect("sls-per-function-roles", "reports",
           "runs with the provider role, which allows * on *", True,
           ("FG-IAM-001",), ("CKV_AWS_1", "CKV_AWS_49")),
    Expect("sls-per-function-roles", "thumbnail",
           "has its own role (s3:GetObject on one bucket); it does not inherit the provider "
           "statements", False, ("FG-IAM-001",), ("CKV_AWS_1", "CKV_AWS_49")),
    Expect("sam-inline-policy", "Importer",
           "SAM inline policy (Policies: - Statement) allows * on *", True,
           ("FG-IAM-001",), ("CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_62", "CKV_AWS_63",
                             "CKV_AWS_111")),
    Expect("lambda-permission-public", "Webhook",
           "AWS::Lambda::Permission with principal * and no source condition", True,
           ("FG-API-005",), ("CKV_AWS_364",), checkov_subject="WebhookPublicInvoke"),
    Expect("sls-function-url", "export",
           "serverless.yml `url: true`: a function URL with auth type NONE", True,
           ("FG-API-004",), ("CKV_AWS_258",)),
    Expect("sam-function-url", "Export",
           "SAM FunctionUrlConfig with AuthType NONE", True,
           ("FG-API-004",), ("CKV_AWS_258",)),
    Expect("sls-http-no-authorizer", "deleteAccount",
           "serverless.yml http route DELETE /accounts/{id} without an authorizer", True,
           ("FG-API-001",), ("CKV_AWS_59",)),
    Expect("git-sha-env", "Status",
           "environment holds a git SHA, an image URI tagged with it, and a UUID: no secret",
           False, ("FG-SEC-001",), ("CKV_AWS_45",)),
    Expect("stale-runtime-list", "LegacyReport", "runtime python3.8, deprecated 2024-10-14",
           True, ("FG-CFG-001",), ("CKV_AWS_363",)),
    Expect("stale-runtime-list", "LegacyNotify", "runtime nodejs20.x, deprecated 2026-04-30",
           True, ("FG-CFG-001",), ("CKV_AWS_363",)),
    Expect("sam-globals-runtime", "Resize",
           "runtime nodejs14.x set in SAM Globals (a control: both should find it)", True,
           ("FG-CFG-001",), ("CKV_AWS_363",)),
    Expect("sls-provider-credentials", "sync",
           "AWS access key and secret key in provider.environment", True,
           ("FG-SEC-001",), ("CKV_AWS_41", "CKV_AWS_45")),
    *(Expect("mapped-checks", subject, problem, True, faasguard, checkov, checkov_subject)
      for subject, problem, faasguard, checkov, checkov_subject in (
        ("Admin", "role allows * on *", ("FG-IAM-001",), ("CKV_AWS_62", "CKV_AWS_63"),
         "AdminRole"),
        ("Creds", "sts:AssumeRole on *", ("FG-IAM-014",), ("CKV_AWS_107",), "CredsRole"),
        ("Perms", "iam:PutUserPolicy on *", ("FG-IAM-015", "FG-IAM-008"), ("CKV_AWS_109",),
         "PermsRole"),
        ("Escalate", "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction on *",
         ("FG-IAM-008",), ("CKV_AWS_110",), "EscalateRole"),
        ("ReaderRole", "s3:GetObject on *", ("FG-IAM-009",), ("CKV_AWS_108",), None),
        ("Writer", "s3:PutObject on *", ("FG-IAM-004",), ("CKV_AWS_111",), "WriterRole"),
        ("Trusting", "trust policy lets principal * assume the role", ("FG-IAM-016",),
         ("CKV_AWS_60",), "TrustingRole"),
        ("Worker", "AWS secret access key in the environment", ("FG-SEC-001",),
         ("CKV_AWS_45",), None),
        ("Worker", "environment with a secret and no customer KMS key", ("FG-ENC-001",),
         ("CKV_AWS_173",), None),
        ("Worker", "runtime python3.7", ("FG-CFG-001",), ("CKV_AWS_363",), None),
        ("Worker", "AWS::Lambda::Url with AuthType NONE", ("FG-API-004",), ("CKV_AWS_258",),
         "WorkerUrl"),
        ("Worker", "function URL CORS: any origin, with credentials", ("FG-API-008",),
         ("CKV2_AWS_75",), "WorkerUrl"),
        ("WorkerS3Invoke", "permission for s3.amazonaws.com without SourceArn/SourceAccount",
         ("FG-API-006",), ("CKV_AWS_364",), None),
        ("OpenBucket", "PublicReadWrite canned ACL", ("FG-STO-002",), ("CKV_AWS_57",), None),
        ("ReadableBucket", "PublicRead canned ACL", ("FG-STO-001",), ("CKV_AWS_20",), None),
        ("OpenBucket", "public access block turned off", ("FG-STO-003",),
         ("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"), None),
        ("OpenBucket", "versioning off", ("FG-STO-005",), ("CKV_AWS_21",), None),
        ("Orders", "no point-in-time recovery", ("FG-STO-006",), ("CKV_AWS_28",), None),
        ("Orders", "no customer-managed KMS key", ("FG-ENC-004",), ("CKV_AWS_119",), None),
        ("GlobalOrders", "global table without point-in-time recovery", ("FG-STO-006",),
         ("CKV_AWS_165",), None),
        ("Jobs", "SqsManagedSseEnabled: false", ("FG-ENC-005",), ("CKV_AWS_27",), None),
        ("Alerts", "topic without KMS", ("FG-ENC-007",), ("CKV_AWS_26",), None),
        ("DataKey", "key rotation off", ("FG-ENC-010",), ("CKV_AWS_7",), None),
        ("DataKey", "key policy allows principal *", ("FG-API-007",), ("CKV_AWS_33",), None),
        ("ApiToken", "secret without a customer-managed KMS key", ("FG-ENC-009",),
         ("CKV_AWS_149",), None),
        ("WorkerLogs", "log group without retention", ("FG-LOG-001",), ("CKV_AWS_66",), None),
        ("WorkerLogs", "log group without a customer-managed KMS key", ("FG-ENC-008",),
         ("CKV_AWS_158",), None),
        ("RestApi GET /items", "REST method GET /items with AuthorizationType NONE",
         ("FG-API-001",), ("CKV_AWS_59",), "ItemsGet"),
        ("RestApi", "REST stage without X-Ray tracing", ("FG-LOG-004",), ("CKV_AWS_73",),
         "RestStage"),
        ("RestApi", "REST stage without access logging", ("FG-LOG-003",), ("CKV_AWS_76",),
         "RestStage"),
        ("HttpApi", "HTTP API stage without access logging", ("FG-LOG-003",),
         ("CKV_AWS_95",), "HttpStage"),
    )),
]


@dataclass(frozen=True, slots=True)
class Seen:
    found: tuple[str, ...]
    """What the tool reported for the subject, among the ids that cover it."""
    passed: tuple[str, ...] = ()
    """Checkov only: covering checks it ran on the subject and passed."""


def run_faasguard(folder: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-m", "faasguard", "scan", str(folder), "--format",
                          "json", "--no-progress"], capture_output=True, text=True, env=env,
                         check=False)
    if run.returncode not in (0, 1):
        raise SystemExit(f"faasguard failed on {folder.name}: {run.stderr}")
    findings: list[dict[str, Any]] = json.loads(run.stdout)["findings"]
    return findings


def run_checkov(folder: Path) -> list[dict[str, Any]]:
    """Every check record (failed and passed) Checkov produced for the folder."""
    run = subprocess.run([str(CHECKOV), "-d", str(folder), "--framework", "cloudformation",
                          "serverless", "--quiet", "--compact", "-o", "json", "--skip-download"],
                         capture_output=True, text=True, env=CHECKOV_ENV, check=False)
    if run.returncode not in (0, 1):
        raise SystemExit(f"checkov failed on {folder.name}: {run.stderr[-2000:]}")
    data: Any = json.loads(run.stdout) if run.stdout.strip() else []
    records = []
    for report in data if isinstance(data, list) else [data]:
        results = report.get("results", {})
        for status in ("failed_checks", "passed_checks"):
            for record in results.get(status, []):
                records.append({**record, "status": status.split("_")[0]})
    return records


def faasguard_saw(findings: list[dict[str, Any]], expect: Expect) -> Seen:
    found = sorted({f"{f['rule_id']}@{f['location']['line']}" for f in findings
                    if f["rule_id"] in expect.faasguard
                    and expect.subject in (f["subject"]["function"], f["subject"]["id"])})
    return Seen(tuple(found))


def checkov_saw(records: list[dict[str, Any]], expect: Expect) -> Seen:
    name = expect.checkov_subject or expect.subject

    def about(record: dict[str, Any]) -> bool:
        resource = str(record.get("resource", ""))
        return record["check_id"] in expect.checkov and (
            resource == name or resource.endswith("." + name))

    def label(record: dict[str, Any]) -> str:
        keys = record.get("check_result", {}).get("evaluated_keys") or []
        where = [k.rsplit("/", 1)[-1] for k in keys if "Variables/" in k]
        return str(record["check_id"]) + (f" ({', '.join(where)})" if where else "")

    failed = sorted({label(r) for r in records if about(r) and r["status"] == "failed"})
    passed = sorted({r["check_id"] for r in records if about(r) and r["status"] == "passed"})
    return Seen(tuple(failed), tuple(passed))


def _verdict(expect: Expect, seen: Seen) -> str:
    right = bool(seen.found) == expect.real
    return "right" if right else ("missed" if expect.real else "false positive")


def _describe(seen: Seen, tool: str) -> str:
    if seen.found:
        return ", ".join(seen.found)
    if tool == "checkov":
        return f"nothing (passed {', '.join(seen.passed)})" if seen.passed else "nothing"
    return "nothing"


def checkov_catalogue() -> list[tuple[str, str, str]]:
    """(id, entity, title) of every installed Checkov check that applies to a serverless
    app, from ``checkov --list`` (a markdown table)."""
    run = subprocess.run([str(CHECKOV), "--list", "--skip-download"], capture_output=True,
                         text=True, env=CHECKOV_ENV, check=True)
    rows = set()
    for line in run.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not cells[1].startswith("CKV"):
            continue
        _, check_id, _, entity, title, iac = cells[:6]
        if iac.lower() in ("cloudformation", "serverless") and IN_SCOPE.match(entity):
            rows.add((check_id, entity, title))
    return sorted(rows, key=lambda r: (r[0].split("_")[0], int(r[0].rsplit("_", 1)[1]), r[1]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="who finds what: faasguard vs Checkov")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    version = ensure_checkov()

    lines = [f"# faasguard and Checkov {version} on benchmarks/parity_cases", "",
             "| case | subject | what is there | should be reported | faasguard | Checkov |",
             "|---|---|---|---|---|---|"]
    score = {"faasguard": 0, "checkov": 0}
    for case in sorted({e.case for e in EXPECT}):
        folder = CASES_DIR / case
        findings, records = run_faasguard(folder), run_checkov(folder)
        for expect in (e for e in EXPECT if e.case == case):
            fg, ck = faasguard_saw(findings, expect), checkov_saw(records, expect)
            score["faasguard"] += _verdict(expect, fg) == "right"
            score["checkov"] += _verdict(expect, ck) == "right"
            lines.append(
                f"| {case} | {expect.subject} | {expect.problem} | "
                f"{'yes' if expect.real else 'no'} | {_describe(fg, 'faasguard')}: "
                f"**{_verdict(expect, fg)}** | {_describe(ck, 'checkov')}: "
                f"**{_verdict(expect, ck)}** |")
    lines += ["", f"Right on {score['faasguard']}/{len(EXPECT)} (faasguard) and "
                  f"{score['checkov']}/{len(EXPECT)} (Checkov)."]

    catalogue = checkov_catalogue()
    documented = PARITY_DOC.read_text(encoding="utf-8") if PARITY_DOC.exists() else ""
    ids = sorted({c[0] for c in catalogue}, key=lambda i: (i.split("_")[0],
                                                           int(i.rsplit("_", 1)[1])))
    missing = [i for i in ids if not re.search(rf"\b{i}\b", documented)]
    lines += ["", f"Checkov checks that apply to serverless apps (from `checkov --list`): "
                  f"{len(ids)}; not in docs/parity.md: {', '.join(missing) or 'none'}."]
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
