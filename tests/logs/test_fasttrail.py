"""CloudTrail files stored by DuckDB's JSON reader give exactly what the Python parser
stores.

The same files are ingested twice: as shipped (DuckDB reads the files it can read as
Python would, in batches) and with DuckDB's share turned off (every file through
`faasguard.logs.parsers.cloudtrail`). Every table must hold the same rows, ids
included, and the reports must agree. The files mix ordinary deliveries with the cases
where the two readers differ (numbers where text is expected, floats, repeated keys,
deep nesting, JSON Python refuses, malformed records, broken files), and the test also
checks which files DuckDB stored, so the comparison is not won by sending everything
to Python.
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from faasguard.logs import IngestReport, ingest

FASTTRAIL = importlib.import_module("faasguard.logs.fasttrail")
ROOT = Path(__file__).resolve().parents[2]
ABSENT = object()  # a field left out of a record

SOURCES = ("source_id, path, fingerprint, fingerprint_len, size, compressed, format, framing, "
           "resume_offset, resume_line, resume_skip, events, quarantined, status, error")


def record(i: int, **fields: Any) -> dict[str, Any]:
    """A realistic record; `fields` replace (or, as ABSENT, remove) its fields."""
    kind = i % 4
    account = "111122223333"
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole", "principalId": f"AROAEXAMPLE:{i}",
            "arn": f"arn:aws:sts::{account}:assumed-role/Deploy/u{i}", "accountId": account,
            "accessKeyId": f"ASIA{i:016d}",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                  "arn": f"arn:aws:iam::{account}:role/Deploy",
                                  "accountId": account, "userName": "Deploy"},
                "attributes": {"creationDate": "2026-11-20T08:00:00Z",
                               "mfaAuthenticated": "false"}}},
        "eventTime": f"2026-11-20T09:{i % 60:02d}:{i % 59:02d}Z",
        "eventSource": ("lambda.amazonaws.com", "s3.amazonaws.com", "signin.amazonaws.com",
                        "iam.amazonaws.com")[kind],
        "eventName": ("UpdateFunctionCode20150331v2", "GetObject", "ConsoleLogin",
                      "CreateRole")[kind],
        "awsRegion": "eu-west-1", "sourceIPAddress": "203.0.113.10",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1",
        "requestParameters": ({"functionName": f"fn{i}", "publish": True},
                              {"bucketName": "data", "key": f"in/{i:x}.json"}, None,
                              {"roleName": "r", "tags": [{"key": "a", "value": "1"},
                                                         {"key": "b", "value": "2"}]})[kind],
        "responseElements": ({"functionName": f"fn{i}", "codeSize": 1024}, None,
                             {"ConsoleLogin": "Success" if i % 3 else "Failure"},
                             {"role": {"roleName": "r", "roleId": "AROA"}})[kind],
        "requestID": f"req-{i}", "eventID": f"00000000-0000-4000-8000-{i:012d}",
        "readOnly": kind == 1, "eventType": "AwsApiCall", "managementEvent": kind != 1,
        "recipientAccountId": account, "eventCategory": "Management",
    }
    if kind == 0:
        rec["resources"] = [{"ARN": f"arn:aws:lambda:eu-west-1:{account}:function:fn{i}",
                             "accountId": account, "type": "AWS::Lambda::Function"}]
    if kind == 2:
        rec["additionalEventData"] = {"LoginTo": "https://console.aws.amazon.com/",
                                      "MobileVersion": "No", "MFAUsed": "Yes"}
        rec["errorMessage"] = None
    if kind == 3:  # an Identity Center sign-in step: its outcome in serviceEventDetails
        rec["serviceEventDetails"] = {"CredentialVerification": "Failure" if i % 2 else
                                      "Success"}
    for name, value in fields.items():
        if value is ABSENT:
            rec.pop(name, None)
        else:
            rec[name] = value
    return rec


def document(records: list[Any], **dumps: Any) -> str:
    return json.dumps({"Records": records}, **{"ensure_ascii": False, **dumps})


def padded(*texts: str) -> str:
    """A delivered file of ordinary records and then `texts` (records as JSON text):
    past the 64 KiB detection reads, so a file Python refuses is still read as
    CloudTrail and quarantined, not refused by detection."""
    return '{"Records":[' + ",".join([json.dumps(r) for r in ORDINARY[:100]] + list(texts))


def with_fields(rec: dict[str, Any], extra: str) -> str:
    """A record's JSON text with `extra` (raw JSON members) added at its end."""
    return json.dumps(rec, ensure_ascii=False)[:-1] + "," + extra + "}"


def deep(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


ORDINARY = [record(i) for i in range(300)]
for i in (5, 260, 299):  # no event id: known by their place (hashed past 255)
    ORDINARY[i] = record(i, eventID=ABSENT)

# Text fields that DuckDB and Python read alike: missing, null and empty values,
# integers and booleans where text is expected, text that only looks like JSON, escapes,
# other alphabets, odd times, flags in any case.
VARIANTS = [
    record(1000, eventID=None, userAgent="", errorCode=ABSENT, errorMessage="   "),
    record(1001, eventID="", userIdentity=None, readOnly="TRUE", managementEvent="False"),
    record(1002, userIdentity={}, eventVersion=ABSENT, readOnly="yes", managementEvent=1),
    record(1003, userIdentity={"type": "Root", "sessionContext": None}, readOnly=None),
    record(1004, recipientAccountId=111122223333, eventID=12345, userAgent=True,
           awsRegion=-0),
    record(1005, userAgent="[S3Console/0.4, aws-internal/3]", errorCode="15",
           errorMessage="{not json", sourceIPAddress="1e5x"),
    record(1006, userAgent="tab\there \"quoted\" back\\slash\nnewline \u0001 \u00e9 \U0001f600",
           errorMessage="caf\u00e9 \u2028 \u007f /"),
    record(1007, eventTime="2026-11-20T09:15:00.123456+02:00"),
    record(1008, eventTime="2026-11-20 09:15:00"),
    record(1009, eventTime="yesterday"),
    record(1010, eventTime="1795168800000"),
    record(1011, eventTime=""),
    record(1012, eventName="", eventSource=""),
    record(1013, eventSource="lambda.amazonaws.com", eventName="ListFunctions20150331"),
    record(1014, eventSource="ec2.amazonaws.com", eventName="RunInstances20161115"),
    record(1015, eventSource="lambda.amazonaws.com", eventName="Invoke"),
    record(1016, responseElements={"ConsoleLogin": 7}, additionalEventData={"MFAUsed": True}),
    record(1017, responseElements={"x": {"ConsoleLogin": "Success"}},
           additionalEventData=[{"MFAUsed": "No"}]),
    record(1018, responseElements="ConsoleLogin", requestParameters={}),
    record(1018_1, serviceEventDetails={"UserAuthentication": "Success", "n": [1, None]}),
    record(1018_2, serviceEventDetails="Failure"),
    record(1019, requestParameters={"nested": {"a": None, "b": [None, {}]}, "n": None}),
    record(1020, userIdentity={"type": "IAMUser", "userName": "nul\u0000byte"}),
    record(1021, requestParameters={"big": 123456789012345678901234567890, "neg": -0,
                                    "max": 18446744073709551616, "flag": False}),
    record(1022, resources=[{"ARN": "a", "type": "t"}, {"ARN": "b", "type": "t"}],
           requestParameters={"a": {"k": 1}, "b": {"k": 2}}),
    record(1023, userIdentity={"type": "AWSService", "invokedBy": "lambda.amazonaws.com",
                               "sessionContext": {"attributes": {"mfaAuthenticated": "TRUE"}}}),
]


def first_copy_twice() -> list[dict[str, Any]]:
    """An event twice in one file with different contents: the first is kept."""
    return [record(2000), record(2001), record(2000, userAgent="second copy"), record(2002)]


# name -> (file content, stored by DuckDB?)
CASES: dict[str, tuple[str | bytes, bool]] = {
    "ordinary.json.gz": (document(ORDINARY), True),
    # gzip in two members, and gzip under a plain name
    "members.json.gz": (document([record(i) for i in range(6000, 6040)]), True),
    "gzipped.json": (document([record(i) for i in range(6100, 6140)]), True),
    "pretty.json": (document(ORDINARY[:20], indent=2, separators=(" , ", " : ")), True),
    "variants.json": (document(VARIANTS), True),
    "empty.json": (document([]), True),
    "o'quote \u00e9.json": (document([record(2200), record(2201)]), True),
    # small files are read as lines: one line is one document, blank lines after it
    # are skipped, before it they move its line
    "blank-lines-after.json": (document([record(2100)]) + "\n\n \r\n", True),
    "blank-line-before.json": ("\n" + document([record(2101)]), False),
    "one-a-line.json": (document([record(2102)]) + "\n" + document([record(2103)]), False),
    "first-copy.json": (document(first_copy_twice()), True),
    # the same events as files read before (stored once, with the first file's ids)
    "again.json": (document([*ORDINARY[10:30], record(2001, userAgent="third")]), True),
    "escaped-key.json": ('{"Records":[{"event\\u004eame":"x","eventSource":"s",'
                         '"eventTime":"2026-11-20T09:15:00Z","eventID":"esc"}]}', True),
    "unread-repeat.json": ('{"Records":[' + with_fields(record(3000), '"extra":1,"extra":2')
                           + '],"other":1,"other":2}', True),
    "repeated-names.json": (document([record(3001, requestParameters={
        "a": {"name": 1, "value": {"name": 2}}, "b": [{"name": 3}, {"name": 4}]})]), True),
    # what DuckDB would store differently: left to Python
    "floats.json": (document([record(4000, requestParameters={"f": 1.5, "e": 1e16})]), False),
    "float-text.json": (document([record(4001, errorCode=1.5)]), False),
    "float-looking-text.json": (document([record(4031, errorCode="1.5")]), False),
    "number-version.json": (document([record(4002, eventVersion=1.08)]), False),
    "object-text.json": (document([record(4003, awsRegion={"x": 1})]), False),
    # DuckDB refuses it, quoting the value cut in the middle of a character
    "identity-text.json": (document([record(4034, userIdentity="x" * 40 + "\u00e9" * 30)]),
                           False),
    "json-looking-text.json": (document([record(4004, userAgent="[1, 2]")]), False),
    "float-inside.json": (document([record(4032, additionalEventData={"MFAUsed": 1.0})]),
                          False),
    "repeated-key.json": (padded(with_fields(record(4005, requestParameters=ABSENT),
                                             '"requestParameters":{"a":1,"a":2}')) + "]}",
                          False),
    "repeated-nested-key.json": (padded(with_fields(record(4006, resources=ABSENT),
                                                    '"resources":[{"x":1,"y":2,"x":3}]'))
                                 + "]}", False),
    "repeated-field.json": (padded(with_fields(record(4007), '"eventName":"Other"')) + "]}",
                            False),
    "repeated-identity.json": (padded(with_fields(record(4008, userIdentity=ABSENT),
                                                  '"userIdentity":{"type":"A","type":"B"}'))
                               + "]}", False),
    "repeated-records.json": (padded() + '],"Records":[]}', False),
    "repeated-login.json": (padded(with_fields(record(4033, responseElements=ABSENT),
                                               '"responseElements":{"ConsoleLogin":"Success",'
                                               '"ConsoleLogin":"Failure"}')) + "]}", False),
    "control-in-json.json": (document([record(4010, requestParameters={"s": "a\u0001b"})]),
                             False),
    "nul-in-json.json": (document([record(4011, requestParameters={"s": "a\u0000b"})]), False),
    "deep-ok.json": (padded(with_fields(record(4012, requestParameters=ABSENT),
                                        '"requestParameters":' + deep(150))) + "]}", False),
    "deep-unread.json": (padded(with_fields(record(4013), '"details":' + deep(3000))) + "]}",
                         False),
    "nan-unread.json": (padded(with_fields(record(4014), '"x":NaN,"y":-Infinity')) + "]}",
                        False),
    "nan-lower.json": (padded(with_fields(record(4015), '"x":nan')) + "]}", False),
    "trailing-comma.json": (padded(json.dumps(record(4016))) + ",]}", False),
    "long-integer.json": (padded(with_fields(record(4017), '"x":' + "7" * 5000)) + "]}", False),
    "lone-surrogate.json": (document([record(4018, userAgent="\ud800")], ensure_ascii=True),
                            False),
    "lambda-digits.json": (document([record(4019, eventSource="lambda.amazonaws.com",
                                            eventName="Get20\u0661\u0665\u0660\u0663"
                                                      "\u0663\u0661")]), False),
    "bad-records.json": (document([record(4020), "text", None, 5, {"eventName": "x"},
                                   record(4021, eventName=5), record(4022, eventTime=None)]),
                         False),
    "two-documents.json": (document([record(4023)]) + document([record(4024)]), False),
    "garbage-after.json": (document([record(4025)]) + " trailing words", False),
    "truncated.json": (padded(json.dumps(record(4026)))[:-40], False),
    "bom.json": ("\ufeff" + document([record(4028)]), False),
    "invalid-utf8.json": (document([record(4029, userAgent="@@")]).encode().replace(
        b"@@", b"\xff\xfe"), False),
    "huge.json": (document([record(4030, errorMessage="x" * 1_500_000)]), True),
}


def _write(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for name, (content, _) in CASES.items():
        data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        path = folder / name
        if name.startswith("members"):
            half = len(data) // 2
            data = gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0)
        elif name.endswith(".gz") or name.startswith("gzipped"):
            data = gzip.compress(data, mtime=0)
        path.write_bytes(data)
        paths.append(path)
    # a gzip file cut short, and a copy of a file read just before (the same content)
    whole = gzip.compress(document([record(i) for i in range(5000, 5400)]).encode(), mtime=0)
    paths.append(folder / "cut.json.gz")
    paths[-1].write_bytes(whole[: len(whole) // 2])
    paths.append(folder / "copy.json.gz")
    paths[-1].write_bytes((folder / "ordinary.json.gz").read_bytes())
    return paths


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "cloudtrail_events": con.execute(
                "SELECT * FROM cloudtrail_events ORDER BY id").fetchall(),
            "quarantine": con.execute("SELECT * FROM quarantine ORDER BY id").fetchall(),
            "sources": con.execute(f"SELECT {SOURCES} FROM sources ORDER BY source_id"
                                   ).fetchall(),
        }


def _ingest(paths: list[Path], db: Path, batch: int | None) -> IngestReport:
    return ingest([str(p) for p in paths], db, batch=batch)


@pytest.mark.parametrize("batch", [None, 7])
def test_duckdb_stores_what_python_stores(tmp_path: Path, batch: int | None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _write(tmp_path / "trail")
    stored: list[str] = []
    real = FASTTRAIL.Trails._store

    def spy(self: Any, run: list[Any]) -> None:
        stored.extend(Path(file.source.name).name for file in run)
        real(self, run)

    monkeypatch.setattr(FASTTRAIL.Trails, "_store", spy)
    fast_db = tmp_path / "fast.duckdb"
    fast = _ingest(paths, fast_db, batch)
    fast_again = _ingest(paths, fast_db, batch)  # nothing new

    monkeypatch.setattr(FASTTRAIL.Trails, "add", lambda self, *args: None)
    python_db = tmp_path / "python.duckdb"
    python = _ingest(paths, python_db, batch)
    python_again = _ingest(paths, python_db, batch)

    fast_tables, python_tables = _tables(fast_db), _tables(python_db)
    for table in python_tables:
        assert fast_tables[table] == python_tables[table], table
    assert fast.sources == python.sources
    assert fast_again.sources == python_again.sources
    assert {s.state for s in fast_again.sources} == {"already ingested", "failed"}

    # with --batch, a file with more records than a batch is the Python path's
    expected = {name for name, (content, duck) in CASES.items()
                if duck and (batch is None or len(json.loads(content)["Records"]) <= batch)}
    assert set(stored) == expected
    counts = {Path(s.name).name: (s.state, s.events, s.duplicates) for s in fast.sources}
    assert counts["ordinary.json.gz"] == ("ingested", 300, 0)
    assert counts["again.json"][1:] == (0, 21)
    assert counts["first-copy.json"][1:] == (3, 1)
    assert counts["copy.json.gz"] == ("already ingested", 0, 0)
    assert counts["cut.json.gz"][0] == "failed"
    with duckdb.connect(str(fast_db), read_only=True) as con:
        kept = con.execute("SELECT user_agent FROM cloudtrail_events WHERE event_id = ?",
                           [record(2000)["eventID"]]).fetchone()
    assert kept == (record(2000)["userAgent"],)


def test_screen_refuses_what_only_duckdb_reads() -> None:
    ok = document([record(1)]).encode()
    assert FASTTRAIL.screened(ok)
    for bad in (b"[" + ok + b"]", ok.replace(b"}]}", b"},]}"), ok.replace(b'"1.09"', b"nan"),
                ok.replace(b'"1.09"', b"-Infinity"), ok.replace(b'"1.09"', b"9" * 4400),
                ok.replace(b'"1.09"', deep(120).encode()), b"\xef\xbb\xbf" + ok,
                ok.replace(b"Linux", b"Lin\xffx")):
        assert not FASTTRAIL.screened(bad), bad[:60]
    # words holding those letters, and brackets in text, are fine (text that holds
    # ", nan" or ",]" is not: the screen looks past quotes for those, to be quick)
    for fine in (ok.replace(b"Linux", b"banana infinity"), ok.replace(b"Linux", b"[[[[{{{{")):
        assert FASTTRAIL.screened(fine)


def test_kill_9_mid_batch_then_resume_exactly(tmp_path: Path) -> None:
    """A run killed between two batches' commits leaves whole files stored and the
    rest to read again: the next run stores each event once."""
    folder = tmp_path / "trail"
    folder.mkdir()
    files, per_file = 300, 300
    for n in range(files):
        recs = [record(n * per_file + i) for i in range(per_file)]
        (folder / f"{n:04d}.json.gz").write_bytes(gzip.compress(document(recs).encode(), 1))
    db = tmp_path / "store.duckdb"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                                        str(ROOT / "runtime" / "src")])}
    command = [sys.executable, "-m", "faasguard", "logs", "ingest", str(folder), "--db",
               str(db), "--no-progress"]
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    spool = tmp_path / "store.duckdb.spool"
    deadline, waiting = time.monotonic() + 120, 0
    while time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.01)
        # a batch's copies leave the spool once it is committed
        found = len(list(spool.glob("trail-*"))) if spool.exists() else 0
        if found < waiting:
            break
        waiting = found
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL, "the ingestion ended before the kill"
    with duckdb.connect(str(db), read_only=True) as con:
        complete, events = con.execute(
            "SELECT count(*) FILTER (status = 'complete'), sum(events) FROM sources"
        ).fetchone()  # type: ignore[misc]
        stored = con.execute("SELECT count(*) FROM cloudtrail_events").fetchone()
    assert 0 < complete < files
    assert stored == (events,) and events == complete * per_file  # whole files only
    again = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr.decode()
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT count(*), count(DISTINCT id) FROM cloudtrail_events"
                            ).fetchone()
        states = con.execute("SELECT DISTINCT status FROM sources").fetchall()
    assert found == (files * per_file, files * per_file)
    assert states == [("complete",)]
