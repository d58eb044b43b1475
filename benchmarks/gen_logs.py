"""Realistic Lambda and CloudTrail logs with known answers, for the logs benchmark.

    python benchmarks/gen_logs.py OUT [--lambda-lines 10_000_000] [--cloudtrail 2_000_000]
                                      [--functions 6] [--seed 7]

Writes, under OUT:

- ``lambda/<function>/<part>.log``: CloudWatch Logs exports to S3 (``<time> <message>``
  lines) of several functions, in the text log format: START/END/REPORT lines (Init
  Duration on cold starts, ``Status: timeout`` on timeouts), "Task timed out" lines,
  ``[ERROR]`` lines with a multi-line traceback (continuation lines without a time), and
  application lines in the Python runtime's text format and as JSON (Powertools style).
- ``cloudtrail/<account>/<region>/<n>.json.gz``: delivered CloudTrail files
  (``{"Records": [...]}``, gzipped) with a realistic mix: Lambda's versioned event names,
  IAM, STS, S3 and KMS calls, AccessDenied errors, console logins with and without MFA.
- ``answers.json``: the known answers, counted while writing: per function the
  invocations, errors, timeouts, cold starts, sum of billed ms and max memory used, and
  the line count; for CloudTrail the records per (normalised) event name, per error
  code, and the console logins by result.

The same seed writes the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

LINES_PER_FILE = 1_000_000
RECORDS_PER_FILE = 2_000
START_TIME = datetime(2026, 11, 1, tzinfo=UTC)
FUNCTION_NAMES = ("orders-api", "payments-worker", "thumbnailer", "auth-callback",
                  "report-builder", "webhook-relay", "search-indexer", "mailer")
ACCOUNTS = ("111122223333", "444455556666")
REGIONS = ("us-east-1", "eu-west-1")
USERS = ("alice", "bob", "carol", "deploy-bot", "ci-runner")
ROLES = ("DeployRole", "AppRole", "ReadOnly", "OrganizationAccountAccessRole")
IPS = ("203.0.113.10", "198.51.100.7", "192.0.2.44", "203.0.113.99")
AGENTS = ("aws-cli/2.15.0 Python/3.11.6 Linux/6.1", "Boto3/1.34.0 md/Botocore#1.34.0",
          "console.amazonaws.com", "terraform/1.7.0 aws-sdk-go-v2/1.24.0")

# (eventSource, eventName as logged, normalised name, weight, read only)
EVENTS: tuple[tuple[str, str, str, int, bool], ...] = (
    ("lambda.amazonaws.com", "GetFunction20150331v2", "GetFunction", 12, True),
    ("lambda.amazonaws.com", "ListFunctions20150331", "ListFunctions", 10, True),
    ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "UpdateFunctionCode", 4, False),
    ("lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2",
     "UpdateFunctionConfiguration", 3, False),
    ("lambda.amazonaws.com", "AddPermission20150331v2", "AddPermission", 1, False),
    ("lambda.amazonaws.com", "CreateFunctionUrlConfig20211031", "CreateFunctionUrlConfig", 1,
     False),
    ("lambda.amazonaws.com", "PublishLayerVersion20181031", "PublishLayerVersion", 1, False),
    ("lambda.amazonaws.com", "DeleteFunctionConcurrency20171031", "DeleteFunctionConcurrency",
     1, False),
    ("sts.amazonaws.com", "AssumeRole", "AssumeRole", 20, True),
    ("sts.amazonaws.com", "GetCallerIdentity", "GetCallerIdentity", 6, True),
    ("s3.amazonaws.com", "GetObject", "GetObject", 14, True),
    ("s3.amazonaws.com", "PutObject", "PutObject", 6, False),
    ("iam.amazonaws.com", "GetRole", "GetRole", 5, True),
    ("iam.amazonaws.com", "AttachRolePolicy", "AttachRolePolicy", 1, False),
    ("kms.amazonaws.com", "Decrypt", "Decrypt", 10, True),
    ("cloudtrail.amazonaws.com", "StopLogging", "StopLogging", 1, False),
    ("signin.amazonaws.com", "ConsoleLogin", "ConsoleLogin", 3, False),
)
WEIGHTS = [e[3] for e in EVENTS]


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


class Function:
    """One function's log stream and its known answers."""

    def __init__(self, name: str, rng: random.Random) -> None:
        self.name = name
        self.rng = rng
        self.memory = rng.choice((128, 256, 512, 1024))
        self.timeout = rng.choice((3, 6, 15))
        self.clock = START_TIME + timedelta(seconds=rng.random() * 60)
        self.warm = 0
        self.answers: dict[str, Any] = {
            "invocations": 0, "errors": 0, "timeouts": 0, "cold_starts": 0,
            "billed_ms": 0, "max_memory_mb": 0, "lines": 0, "events": 0}

    def invocation(self) -> list[str]:
        """The export lines of one invocation (continuation lines included)."""
        rng, ans = self.rng, self.answers
        self.clock += timedelta(milliseconds=rng.randint(5, 4000))
        t = self.clock
        rid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        cold = self.warm == 0
        self.warm = 0 if rng.random() < 0.02 else self.warm + 1
        out: list[str] = []
        events = 0

        def emit(message: str, ms: int = 1) -> None:
            nonlocal t, events
            t += timedelta(milliseconds=ms)
            out.append(f"{_iso(t)} {message}")
            events += 1

        if cold:
            emit("INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: "
                 "arn:aws:lambda:us-east-1::runtime:0a1b2c3d")
        emit(f"START RequestId: {rid} Version: $LATEST")
        for i in range(rng.choice((0, 1, 1, 2, 3))):
            if rng.random() < 0.5:
                emit(f"[INFO]\t{_iso(t)}\t{rid}\tprocessing item {rng.randint(1, 10**6)} "
                     f"step {i}")
            else:
                emit(json.dumps({"level": "INFO", "location": "handler:42",
                                 "message": f"order {rng.randint(1, 10**6)} accepted",
                                 "timestamp": _iso(t), "service": self.name,
                                 "xray_trace_id": f"1-{rng.getrandbits(32):08x}-"
                                                  f"{rng.getrandbits(96):024x}",
                                 "function_request_id": rid}, separators=(",", ":")))
        roll = rng.random()
        status = ""
        if roll < 0.01:
            duration = self.timeout * 1000.0 + rng.random() * 5
            emit(f"{rid} Task timed out after {self.timeout}.00 seconds", self.timeout * 1000)
            ans["timeouts"] += 1
            status = "\tStatus: timeout"
        else:
            duration = round(rng.lognormvariate(4.0, 1.0), 2) + 0.01
            duration = min(duration, self.timeout * 1000 - 10.0)
            if roll < 0.04:
                emit(f"[ERROR]\t{_iso(t)}\t{rid}\tKeyError: 'customer_id'")
                # the traceback's lines continue the event (no time of their own)
                out.append("Traceback (most recent call last):")
                out.append('  File "/var/task/app.py", line 42, in handler')
                out.append("    customer = event['customer_id']")
                ans["errors"] += 1
        emit(f"END RequestId: {rid}", int(duration))
        billed = max(1, int(-(-duration // 1)))
        used = min(self.memory, rng.randint(40, 60) + self.memory // 8
                   + (rng.randint(0, self.memory // 2) if rng.random() < 0.01 else 0))
        init = f"\tInit Duration: {rng.uniform(150, 900):.2f} ms" if cold else ""
        emit(f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: "
             f"{billed} ms\tMemory Size: {self.memory} MB\tMax Memory Used: {used} MB"
             f"{init}{status}\t")
        ans["invocations"] += 1
        ans["cold_starts"] += cold
        ans["billed_ms"] += billed
        ans["max_memory_mb"] = max(ans["max_memory_mb"], used)
        ans["lines"] += len(out)
        ans["events"] += events
        return out


def write_lambda(root: Path, lines: int, functions: int, rng: random.Random) -> dict[str, Any]:
    fns = [Function(name, random.Random(rng.getrandbits(64)))
           for name in FUNCTION_NAMES[:functions]]
    share = lines // len(fns)
    for fn in fns:
        folder = root / "lambda" / fn.name
        folder.mkdir(parents=True, exist_ok=True)
        part, written, buffer = 0, 0, []
        in_file = 0
        handle = (folder / f"{part:04d}.log").open("w", encoding="utf-8")
        while written < share:
            chunk = fn.invocation()
            if in_file + len(chunk) > LINES_PER_FILE and in_file:
                handle.write("\n".join(buffer) + "\n")
                buffer = []
                handle.close()
                part += 1
                in_file = 0
                handle = (folder / f"{part:04d}.log").open("w", encoding="utf-8")
            buffer.extend(chunk)
            in_file += len(chunk)
            written += len(chunk)
            if len(buffer) > 50_000:
                handle.write("\n".join(buffer) + "\n")
                buffer = []
        handle.write("\n".join(buffer) + "\n")
        handle.close()
    return {fn.name: {**fn.answers, "memory_size_mb": fn.memory} for fn in fns}


def _record(rng: random.Random, when: datetime, account: str, region: str) -> dict[str, Any]:
    source, raw, _name, _weight, read_only = rng.choices(EVENTS, WEIGHTS)[0]
    user = rng.choice(USERS)
    assumed = rng.random() < 0.6 and source != "signin.amazonaws.com"
    if assumed:
        role = rng.choice(ROLES)
        identity: dict[str, Any] = {
            "type": "AssumedRole",
            "principalId": f"AROA{rng.getrandbits(60):015X}:{user}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{user}",
            "accountId": account, "accessKeyId": f"ASIA{rng.getrandbits(60):016X}",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": f"AROA{rng.getrandbits(60):015X}",
                                  "arn": f"arn:aws:iam::{account}:role/{role}",
                                  "accountId": account, "userName": role},
                "attributes": {"creationDate": _iso(when - timedelta(minutes=5)),
                               "mfaAuthenticated": "false"}}}
    else:
        identity = {"type": "IAMUser", "principalId": f"AIDA{rng.getrandbits(60):015X}",
                    "arn": f"arn:aws:iam::{account}:user/{user}", "accountId": account,
                    "userName": user}
        if source != "signin.amazonaws.com":
            identity["accessKeyId"] = f"AKIA{rng.getrandbits(60):016X}"
    record: dict[str, Any] = {
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": _iso(when)[:19] + "Z",
        "eventSource": source, "eventName": raw, "awsRegion": region,
        "sourceIPAddress": rng.choice(IPS), "userAgent": rng.choice(AGENTS),
    }
    if source == "signin.amazonaws.com":
        ok = rng.random() < 0.8
        mfa = "Yes" if rng.random() < 0.7 else "No"
        record["requestParameters"] = None
        record["responseElements"] = {"ConsoleLogin": "Success" if ok else "Failure"}
        record["additionalEventData"] = {
            "LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No",
            "MFAUsed": mfa}
        if not ok:
            record["errorMessage"] = "Failed authentication"
    else:
        denied = rng.random() < 0.03
        fn = rng.choice(FUNCTION_NAMES)
        record["requestParameters"] = {"functionName": fn} if source.startswith("lambda") \
            else {"roleArn": f"arn:aws:iam::{account}:role/AppRole",
                  "roleSessionName": user} if raw == "AssumeRole" \
            else {"bucketName": "app-data", "key": f"in/{rng.getrandbits(32):x}.json"} \
            if source.startswith("s3") else {}
        record["responseElements"] = None
        if denied:
            record["errorCode"] = "AccessDenied"
            record["errorMessage"] = (f"User: {identity['arn']} is not authorized to perform: "
                                      f"{source.split('.')[0]}:{_name_of(raw)}")
        elif source == "s3.amazonaws.com" and rng.random() < 0.02:
            record["errorCode"] = "NoSuchKey"
            record["errorMessage"] = "The specified key does not exist."
    record.update({
        "requestID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "readOnly": read_only, "eventType": "AwsConsoleSignIn"
        if source == "signin.amazonaws.com" else "AwsApiCall",
        "managementEvent": source != "s3.amazonaws.com", "recipientAccountId": account,
        "eventCategory": "Management" if source != "s3.amazonaws.com" else "Data",
    })
    if source == "lambda.amazonaws.com" and raw.startswith("UpdateFunctionCode"):
        record["resources"] = [{"ARN": f"arn:aws:lambda:{region}:{account}:function:x",
                                "accountId": account, "type": "AWS::Lambda::Function"}]
    return record


def _name_of(raw: str) -> str:
    for _source, logged, name, _weight, _ro in EVENTS:
        if logged == raw:
            return name
    return raw


def write_cloudtrail(root: Path, records: int, rng: random.Random) -> dict[str, Any]:
    names: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    logins: Counter[str] = Counter()
    when = START_TIME
    index = 0
    while index < records:
        account, region = rng.choice(ACCOUNTS), rng.choice(REGIONS)
        count = min(RECORDS_PER_FILE, records - index)
        recs = []
        for _ in range(count):
            when += timedelta(milliseconds=rng.randint(1, 400))
            rec = _record(rng, when, account, region)
            recs.append(rec)
            names[_name_of(rec["eventName"])] += 1
            if "errorCode" in rec:
                errors[rec["errorCode"]] += 1
            if rec["eventName"] == "ConsoleLogin":
                logins[f"{rec['responseElements']['ConsoleLogin']}/MFA "
                       f"{rec['additionalEventData']['MFAUsed']}"] += 1
        folder = root / "cloudtrail" / account / region
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{account}_CloudTrail_{region}_{index // RECORDS_PER_FILE:06d}.json.gz"
        data = json.dumps({"Records": recs}, separators=(",", ":")).encode()
        (folder / name).write_bytes(gzip.compress(data, 6, mtime=0))
        index += count
    return {"records": records, "event_names": dict(sorted(names.items())),
            "error_codes": dict(sorted(errors.items())),
            "console_logins": dict(sorted(logins.items()))}


def generate(out: Path, lambda_lines: int, cloudtrail: int, functions: int = 6,
             seed: int = 7) -> dict[str, Any]:
    """Write the logs under `out` and return (and write) the known answers."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    answers = {"seed": seed, "lambda_lines": lambda_lines, "cloudtrail": cloudtrail,
               "functions": write_lambda(out, lambda_lines, functions, rng) if lambda_lines
               else {},
               "trail": write_cloudtrail(out, cloudtrail, rng) if cloudtrail else {}}
    (out / "answers.json").write_text(json.dumps(answers, indent=2) + "\n")
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lambda-lines", type=int, default=10_000_000)
    parser.add_argument("--cloudtrail", type=int, default=2_000_000)
    parser.add_argument("--functions", type=int, default=6,
                        choices=range(1, len(FUNCTION_NAMES) + 1))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    answers = generate(args.out, args.lambda_lines, args.cloudtrail, args.functions, args.seed)
    lines = sum(f["lines"] for f in answers["functions"].values())
    print(f"wrote {lines} Lambda log lines and {args.cloudtrail} CloudTrail records "
          f"under {args.out}")


if __name__ == "__main__":
    main()
