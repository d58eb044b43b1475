"""``faasguard iam``: needed against declared per function, and the derived policy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from faasguard.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main

CASE = Path(__file__).resolve().parent / "fixtures" / "rules" / "FG-IAM-017" / "bad"


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    target = tmp_path / "app"
    shutil.copytree(CASE, target, ignore=shutil.ignore_patterns("sls"))  # the SAM app only
    return target


def test_report_lists_needed_and_excess(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam", str(app_dir)]) == EXIT_FINDINGS
    out = capsys.readouterr().out
    assert "function GetOrder  [over-privileged]" in out
    assert "dynamodb:GetItem on !GetAtt Orders.Arn" in out
    assert "dynamodb: dynamodb:DeleteItem" in out and "s3: s3:GetObject" in out


def test_json_report(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["iam", str(app_dir), "-f", "json"])
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["function"] == "GetOrder" and entry["verdict"] == "over-privileged"
    assert [e["action"] for e in entry["excess"]["s3"]] == ["s3:GetObject"]


def test_function_policy_in_the_apps_format(app_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    main(["iam", str(app_dir), "--function", "getorder"])
    out = capsys.readouterr().out
    policies = yaml.safe_load(out[out.index("Policies:"):])["Policies"]
    statements = policies[-1]["Statement"]
    assert {"Effect": "Allow", "Action": "dynamodb:GetItem",
            "Resource": {"Fn::GetAtt": ["Orders", "Arn"]}} in statements


def test_write_puts_the_policy_next_to_the_template(app_dir: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    before = (app_dir / "template.yaml").read_text()
    main(["iam", str(app_dir), "--function", "GetOrder", "--write",
          "--policy-format", "terraform"])
    written = Path(capsys.readouterr().out.strip())
    assert written.parent == app_dir and written.name.endswith("-GetOrder-policy.tf")
    assert "aws_iam_policy_document" in written.read_text()
    assert (app_dir / "template.yaml").read_text() == before


def test_usage_errors(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--write"], ["--function", "nope"]):
        with pytest.raises(SystemExit) as exc:
            main(["iam", str(app_dir), *args])
        assert exc.value.code == EXIT_ERROR
    assert "no function 'nope'" in capsys.readouterr().err


def test_least_privilege_app_exits_zero(tmp_path: Path) -> None:
    shutil.copytree(CASE.parent.parent / "FG-IAM-018" / "good", tmp_path / "app")
    # DynamoDBCrudPolicy grants more than get/put: still over-privileged
    assert main(["iam", str(tmp_path / "app")]) == EXIT_FINDINGS
    shutil.copytree(CASE.parent / "good", tmp_path / "exact", ignore=shutil.ignore_patterns("sls"))
    assert main(["iam", str(tmp_path / "exact")]) == EXIT_OK


def test_project_config_excludes_apply(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (app_dir / ".faasguard.toml").write_text('[scan]\nexclude = ["template.yaml"]\n')
    main(["iam", str(app_dir), "-f", "json"])
    assert json.loads(capsys.readouterr().out) == []
