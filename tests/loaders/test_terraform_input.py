"""Terraform input the scanner must survive, and how directories are discovered."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.config import Config
from faasguard.engine import scan
from faasguard.loaders.base import LoadError, LoadOptions
from faasguard.loaders.discover import discover
from faasguard.loaders.terraform import load
from faasguard.loaders.yamlsafe import Limits

from conftest import FIXTURES

ROOT = FIXTURES / "terraform"


def test_invalid_hcl_names_the_file_and_line_and_the_other_files_load() -> None:
    (app,) = load(ROOT / "broken", LoadOptions(root=ROOT))
    assert "aws_sqs_queue.jobs" in app.resources
    (error,) = [d for d in app.diagnostics if d.level == "error"]
    assert error.loc.file == "broken/broken.tf"
    assert error.loc.line is not None and error.loc.line >= 3
    assert "invalid HCL" in error.message


def test_a_module_whose_only_file_is_broken_is_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = \n}\n')
    with pytest.raises(LoadError) as caught:
        load(tmp_path, LoadOptions(root=tmp_path))
    assert caught.value.file == "main.tf"
    assert caught.value.line == 2


def test_binary_tf_file(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(b"\x00\x01\x02resource")
    with pytest.raises(LoadError, match="binary"):
        load(tmp_path, LoadOptions(root=tmp_path))


def test_huge_tf_file_is_refused_by_size(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("# padding\n" * 2000)
    with pytest.raises(LoadError, match="over the"):
        load(tmp_path, LoadOptions(root=tmp_path, limits=Limits(max_bytes=1000)))


def test_deep_nesting_is_a_load_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("locals {\n  x = " + "[" * 5000 + "]" * 5000 + "\n}\n")
    with pytest.raises(LoadError) as caught:
        load(tmp_path, LoadOptions(root=tmp_path))
    assert caught.value.file == "main.tf"


def test_invalid_utf8(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(b'locals {\n  x = "\xff"\n}\n')
    with pytest.raises(LoadError, match="UTF-8") as caught:
        load(tmp_path, LoadOptions(root=tmp_path))
    assert caught.value.line == 2


def test_a_module_that_calls_itself_stops(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "again" {\n  source = "./"\n}\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    (app,) = load(tmp_path, LoadOptions(root=tmp_path))
    assert "aws_sqs_queue.q" in app.resources
    assert any("nested deeper" in d.message for d in app.diagnostics)


def test_an_unforeseen_failure_is_a_load_error_naming_the_module(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from faasguard.loaders.terraform import assemble

    def explode(*args: object, **kwargs: object) -> None:
        raise ValueError("unexpected shape")

    monkeypatch.setattr(assemble, "build_apis", explode)
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    with pytest.raises(LoadError, match="ValueError: unexpected shape") as caught:
        load(tmp_path, LoadOptions(root=tmp_path))
    assert caught.value.file == "."


def test_scan_goes_on_after_a_broken_module(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "main.tf").write_text("resource {{{\n")
    good = tmp_path / "good"
    good.mkdir()
    (good / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    result = scan([tmp_path], LoadOptions(root=tmp_path), Config())
    assert [app.name for app in result.apps] == ["good"]
    assert result.files_failed == 1
    (error,) = [d for d in result.diagnostics if d.level == "error"]
    assert error.loc.file == "bad/main.tf" and error.loc.line == 1


# --- discovery ---------------------------------------------------------------------------


def test_one_candidate_per_root_module_and_called_modules_are_not_roots() -> None:
    found = [(c.path.relative_to(ROOT).as_posix(), c.kind)
             for c in discover([ROOT], ROOT)]
    assert ("orders", "terraform") in found
    assert ("orders/modules/queue", "terraform") not in found
    assert ("plan/orders.tfplan.json", "terraform-plan") in found
    assert sum(1 for path, _ in found if path == "orders") == 1


def test_an_explicit_tf_file_stands_for_its_directory() -> None:
    found = [(c.path, c.kind) for c in discover([ROOT / "orders" / "main.tf",
                                                ROOT / "orders" / "apis.tf"], ROOT)]
    assert found == [(ROOT / "orders", "terraform")]


def test_terraform_dot_directory_is_skipped(tmp_path: Path) -> None:
    cached = tmp_path / ".terraform" / "modules" / "vendored"
    cached.mkdir(parents=True)
    (cached / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    assert list(discover([tmp_path], tmp_path)) == []
