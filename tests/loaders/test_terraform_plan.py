"""``terraform show -json`` plans: resolved values, references for what is known only
after apply, and lines at each resource's address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faasguard.config import Config
from faasguard.engine import scan
from faasguard.loaders.base import LoadError, LoadOptions
from faasguard.loaders.terraform import load_plan
from faasguard.model import App, Bucket, TriggerKind

from conftest import FIXTURES

ROOT = FIXTURES / "terraform"
PLAN = ROOT / "plan" / "orders.tfplan.json"


@pytest.fixture(scope="module")
def app() -> App:
    (loaded,) = load_plan(PLAN, LoadOptions(root=ROOT))
    return loaded


def test_app_from_a_plan(app: App) -> None:
    assert app.name == "orders"
    assert app.format == "terraform"
    assert app.region == "eu-west-1"  # the provider's var.region, from the plan's variables
    assert app.parameters == {"region": "eu-west-1"}


def test_resolved_values_and_the_address_line(app: App) -> None:
    fn = app.function("aws_lambda_function.orders[0]")
    assert fn is not None
    assert fn.name == "orders-0"
    assert fn.runtime == "python3.8"
    assert fn.reserved_concurrency is None  # -1: no reservation
    assert fn.environment == {"TABLE": "orders"}
    assert fn.tracing == "PassThrough"
    text = PLAN.read_text().splitlines()
    assert fn.loc.file == "plan/orders.tfplan.json"
    assert '"address": "aws_lambda_function.orders[0]"' in text[(fn.loc.line or 0) - 1]


def test_values_known_after_apply_follow_the_configuration_references(app: App) -> None:
    fn = app.function("aws_lambda_function.orders[0]")
    assert fn is not None
    assert fn.role == "aws_iam_role.orders"
    assert fn.url is not None and fn.url.auth_type == "NONE"
    assert [t.kind for t in fn.triggers] == [TriggerKind.FUNCTION_URL]


def test_policies_in_json_strings(app: App) -> None:
    role = app.roles["aws_iam_role.orders"]
    ((policy, statement),) = list(role.statements())
    assert policy.name == "everything"
    assert statement.actions == ("*",) and statement.resources == ("*",)
    assert role.assume_role_policy is not None
    assert role.assume_role_policy.statements[0].principals == {
        "Service": ("lambda.amazonaws.com",)}


def test_child_module_resources(app: App) -> None:
    bucket = app.resources["module.store.aws_s3_bucket.data"]
    assert isinstance(bucket, Bucket) and bucket.name == "orders-data"


def test_rules_run_on_a_plan() -> None:
    result = scan([PLAN], LoadOptions(root=ROOT), Config())
    rules = {f.rule_id for f in result.findings}
    assert {"FG-IAM-001", "FG-API-004", "FG-CFG-001"} <= rules


def test_a_json_file_that_is_not_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "planned_values": []}))
    with pytest.raises(LoadError, match="not a Terraform plan"):
        load_plan(path, LoadOptions(root=tmp_path))


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{\n  "format_version": "1.2",\n  "planned_values": {\n}')
    with pytest.raises(LoadError, match="invalid JSON") as caught:
        load_plan(path, LoadOptions(root=tmp_path))
    assert caught.value.line == 4
