"""``faasguard iam``: needed against declared per function, and the derived policy."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from faasguard.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main

CASE = Path(__file__).resolve().parent / "fixtures" / "rules" / "FG-IAM-017" / "bad"


def sam_app(case: Path, target: Path) -> Path:
    """The SAM app of a fixture folder (template.yaml and its code) without the
    Serverless (sls/) and Terraform (tf/) versions of it next to it."""
    target.mkdir(parents=True)
    shutil.copy(case / "template.yaml", target / "template.yaml")
    shutil.copytree(case / "src", target / "src")
    return target


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    return sam_app(CASE, tmp_path / "app")


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
    assert main(["iam", str(sam_app(CASE.parent / "good", tmp_path / "exact"))]) == EXIT_OK


def test_terraform_app_in_its_own_terms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam", str(CASE.parent / "good" / "tf")]) == EXIT_OK
    assert main(["iam", str(CASE / "tf"), "--function", "get-order"]) == EXIT_FINDINGS
    out = capsys.readouterr().out
    assert "function get-order  [over-privileged]" in out
    assert "dynamodb:GetItem on aws_dynamodb_table.orders.arn" in out
    assert "!Ref" not in out and "!GetAtt" not in out and "<unresolved" not in out
    assert "dynamodb: dynamodb:DeleteItem" in out and "s3: s3:GetObject" in out
    # the derived policy names the table by its address, not by a literal ARN
    assert "resources = [aws_dynamodb_table.orders.arn]" in out
    assert ":table/orders" not in out


def test_terraform_policy_keeps_addresses_in_text(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "tf"
    shutil.copytree(CASE / "tf", app)
    (app / "src" / "app.py").write_text(
        "import os\n\nimport boto3\n\ns3 = boto3.client('s3')\n\n\n"
        "def handler(event, context):\n"
        "    return s3.get_object(Bucket=os.environ['BUCKET'], Key='daily.csv')\n")
    main_tf = app / "main.tf"
    main_tf.write_text(main_tf.read_text().replace(
        "TABLE = aws_dynamodb_table.orders.name", "BUCKET = aws_s3_bucket.reports.id"))
    main(["iam", str(app), "--function", "get-order", "-f", "json"])
    entry = json.loads(capsys.readouterr().out)
    needed = {n["action"]: n["resource"] for n in entry["needed"]}
    assert needed["s3:GetObject"] == "${aws_s3_bucket.reports.arn}/daily.csv"
    assert sorted(e["action"] for e in entry["excess"]["dynamodb"]) == ["dynamodb:DeleteItem",
                                                                       "dynamodb:GetItem"]
    main(["iam", str(app), "--function", "get-order"])
    assert 'resources = ["${aws_s3_bucket.reports.arn}/daily.csv"]' in capsys.readouterr().out


def test_project_config_excludes_apply(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (app_dir / ".faasguard.toml").write_text('[scan]\nexclude = ["template.yaml"]\n')
    main(["iam", str(app_dir), "-f", "json"])
    assert json.loads(capsys.readouterr().out) == []
