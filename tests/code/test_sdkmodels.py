"""botocore's and boto3's models read as data, and the small index cached across runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faasguard.code import sdkmodels


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "faasguard"


def test_the_index_says_what_botocore_says(cache_home: Path) -> None:
    from botocore import xform_name
    from botocore.loaders import Loader

    entry = sdkmodels._Index().entry("sqs")
    model = Loader().load_service_model("sqs", "service-2")
    assert entry["ops"] == {xform_name(op): op for op in model["operations"]}
    assert entry["prefix"] == (model["metadata"].get("signingName")
                               or model["metadata"]["endpointPrefix"])
    assert entry["ops"]["send_message"] == "SendMessage"


def test_the_index_is_cached_and_read_back(cache_home: Path) -> None:
    first = sdkmodels._Index()
    built = first.entry("dynamodb")
    assert first.folder is not None and first.folder.parent == cache_home
    assert sorted(p.name for p in first.folder.iterdir()) == ["dynamodb.json"]
    again = sdkmodels._Index()
    assert again._read("dynamodb") == {"key": again.key,
                                       "entry": json.loads(json.dumps(built))}
    assert "TableExists" in again.entry("dynamodb")["waiters"]
    assert "s3" in again.services() and (first.folder / "_services.json").is_file()


def test_a_damaged_or_stale_cache_is_rebuilt(cache_home: Path) -> None:
    index = sdkmodels._Index()
    index.entry("sns")
    assert index.folder is not None
    cached = index.folder / "sns.json"
    cached.write_text("{not json", encoding="utf-8")
    assert sdkmodels._Index().entry("sns")["ops"]["publish"] == "Publish"
    cached.write_text(json.dumps({"key": "another botocore", "entry": {
        "ops": {}, "waiters": {}, "shapes": {}, "names": {}, "prefix": "x"}}),
        encoding="utf-8")
    assert sdkmodels._Index().entry("sns")["prefix"] == "sns"
    cached.write_text(json.dumps({"key": index.key, "entry": {"ops": []}}), encoding="utf-8")
    assert sdkmodels._Index().entry("sns")["ops"]["publish"] == "Publish"


def test_resource_shapes_and_names_come_with_the_entry(cache_home: Path) -> None:
    entry = sdkmodels._Index().entry("dynamodb")
    assert "table_name" in entry["shapes"]["TableDescription"]
    assert entry["names"]["BatchWriteItem"] == "batch_write_item"


def test_unknown_services_and_odd_names_read_nothing() -> None:
    assert sdkmodels.load_model("no-such-service", "service-2") == {}
    assert sdkmodels.model_file(sdkmodels.botocore_data(), "../etc", "service-2") is None
    assert sdkmodels.operations("no-such-service") == {}
