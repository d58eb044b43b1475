"""The Terraform loader: a root module with variables, tfvars, locals, modules in the
tree, count/for_each, and the resources every rule reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.loaders.base import LoadOptions
from faasguard.loaders.terraform import load
from faasguard.model import (
    App,
    AuthKind,
    Bucket,
    Location,
    LogGroup,
    Queue,
    Ref,
    Table,
    TriggerKind,
    Unresolved,
)
from faasguard.model.values import Interpolated

from conftest import FIXTURES

ROOT = FIXTURES / "terraform"


def _load(name: str, **options: object) -> App:
    (app,) = load(ROOT / name, LoadOptions(root=ROOT, **options))  # type: ignore[arg-type]
    return app


@pytest.fixture(scope="module")
def orders() -> App:
    return _load("orders")


@pytest.fixture(scope="module")
def expand() -> App:
    return _load("expand")


def test_a_root_module_is_one_app_named_after_its_directory(orders: App) -> None:
    assert orders.name == "orders"
    assert orders.format == "terraform"
    assert orders.root == "orders"
    assert orders.source.file == "orders/main.tf"
    assert orders.region == "eu-west-1"  # var.region's default, through the provider
    assert orders.region_explicit is True


def test_function_fields_come_from_variables_tfvars_and_locals(orders: App) -> None:
    fn = orders.function("aws_lambda_function.api")
    assert fn is not None
    assert fn.name == "shop-prod-api"  # service/stage from terraform.tfvars, via a local
    assert fn.runtime == "python3.12"
    assert fn.memory == 512  # a variable's default
    assert fn.timeout == 20
    assert fn.architectures == ("arm64",)
    assert fn.tracing == "Active"
    assert fn.vpc is True
    assert fn.kms_key == Ref("aws_kms_key.env", "arn")
    assert fn.tags == {"service": "shop", "stage": "prod"}
    assert fn.loc.file == "orders/main.tf" and fn.loc.line == 35
    assert fn.lines["runtime"] == 37
    assert fn.lines["timeout"] == 41


def test_code_path_is_the_archive_source_directory(orders: App) -> None:
    fn = orders.function("aws_lambda_function.api")
    assert fn is not None and fn.code_path == "orders/src"


def test_environment_keeps_references_and_each_variable_line(orders: App) -> None:
    fn = orders.function("aws_lambda_function.api")
    assert fn is not None
    assert fn.environment["TABLE"] == Ref("aws_dynamodb_table.orders", "name")
    assert fn.environment["QUEUE_URL"] == Ref("module.queue.aws_sqs_queue.this", "url")
    assert fn.environment["STAGE"] == "PROD"  # upper() is evaluated
    assert fn.env_lines == {"TABLE": 50, "QUEUE_URL": 51, "STAGE": 52}


def test_module_outputs_resolve_to_the_child_resources(orders: App) -> None:
    fn = orders.function("aws_lambda_function.api")
    assert fn is not None
    assert fn.dead_letter == Ref("module.queue.aws_sqs_queue.this", "arn")
    queue = orders.resources["module.queue.aws_sqs_queue.this"]
    assert isinstance(queue, Queue)
    assert queue.name == "shop-prod-jobs"  # module input evaluated in the caller
    assert queue.loc.file == "orders/modules/queue/main.tf"
    assert queue.kms_key == Ref("aws_kms_key.env", "arn")
    assert queue.dead_letter == Ref("module.queue.aws_sqs_queue.dlq", "arn")


def test_remote_modules_are_not_fetched(orders: App) -> None:
    notes = [d for d in orders.diagnostics if "module.vendored" in d.message]
    assert len(notes) == 1
    assert "not in the tree" in notes[0].message
    assert (notes[0].loc.file, notes[0].loc.line) == ("orders/main.tf", 158)


def test_role_with_policy_document_data_source_and_attachment(orders: App) -> None:
    fn = orders.function("aws_lambda_function.api")
    assert fn is not None and fn.role == "aws_iam_role.api"
    role = orders.roles["aws_iam_role.api"]
    assert role.assume_role_policy is not None
    assert role.assume_role_policy.statements[0].principals == {
        "Service": ("lambda.amazonaws.com",)}
    inline, _from_file, managed = role.policies
    assert inline.name == "tables"
    read, send = inline.statements
    assert read.sid == "ReadWriteOrders"
    assert read.actions == ("dynamodb:GetItem", "dynamodb:PutItem")
    assert read.at("actions", 1).line == 97
    assert read.resources[0] == Ref("aws_dynamodb_table.orders", "arn")
    assert isinstance(read.resources[1], Interpolated)
    assert read.resources[1].refs == (Ref("aws_dynamodb_table.orders", "arn"),)
    account = send.conditions["StringEquals"]["aws:PrincipalAccount"][0]
    assert isinstance(account, Interpolated) and account == "${AWS::AccountId}"
    assert managed.origin == "aws-managed"
    assert managed.name == "AWSLambdaBasicExecutionRole"


def test_a_policy_read_with_file_is_located_in_its_own_file(orders: App) -> None:
    policy = orders.roles["aws_iam_role.api"].policies[1]
    (statement,) = policy.statements
    assert statement.actions == ("s3:GetObject",)
    assert statement.loc == Location("orders/policies/extra.json", 4)
    assert statement.at("actions", 0) == Location("orders/policies/extra.json", 7)


def test_module_gets_the_provider_its_call_passes(orders: App) -> None:
    topic = orders.resources["module.replica.aws_sns_topic.replica"]
    assert topic.region == "us-east-1"


def test_log_group_named_after_the_function_is_linked(orders: App) -> None:
    fn = orders.function("aws_lambda_function.api")
    assert fn is not None and fn.log_group == "aws_cloudwatch_log_group.api"
    group = orders.resources["aws_cloudwatch_log_group.api"]
    assert isinstance(group, LogGroup) and group.retention_days == 30


def test_table_settings_and_aliased_provider_region(orders: App) -> None:
    table = orders.resources["aws_dynamodb_table.orders"]
    assert isinstance(table, Table)
    assert table.sse_enabled is True and table.pitr is True
    replica = orders.resources["aws_s3_bucket.replica"]
    assert isinstance(replica, Bucket)
    assert replica.region == "us-east-1"
    assert replica.at("region").line == 147  # the `provider = aws.us` line


def test_http_api_routes_authorizers_and_triggers(orders: App) -> None:
    api = orders.apis["aws_apigatewayv2_api.http"]
    assert api.kind == "http"
    routes = {r.name: r for r in api.routes}
    assert routes["GET /orders"].authorizer.kind is AuthKind.JWT
    assert routes["GET /orders"].authorizer.name == "shop-users"
    assert routes["GET /health"].authorizer.is_none
    assert routes["GET /health"].loc.file == "orders/apis.tf"
    assert {r.function for r in api.routes} == {"aws_lambda_function.api"}
    assert (api.throttling_rate, api.throttling_burst) == (100, 200)
    assert api.access_logging is False
    assert api.cors is not None and api.cors.allow_origins == ("https://shop.example.com",)
    fn = orders.function("aws_lambda_function.api")
    assert fn is not None
    assert [t.kind for t in fn.triggers] == [TriggerKind.HTTP_API, TriggerKind.HTTP_API]


def test_permission_names_the_function(orders: App) -> None:
    (perm,) = orders.permissions
    assert perm.function == "aws_lambda_function.api"
    assert perm.principal == "apigateway.amazonaws.com"
    assert isinstance(perm.source_arn, Interpolated)


def test_variables_become_parameters(orders: App) -> None:
    assert orders.parameters["service"] == "shop"
    assert isinstance(orders.parameters["alarm_email"], Unresolved)
    spec = orders.parameter_specs["memory"]
    assert spec.default == 512 and spec.loc == Location("orders/variables.tf", 15)


def test_param_option_sets_a_root_variable() -> None:
    app = _load("orders", parameters={"stage": "qa"})
    fn = app.function("aws_lambda_function.api")
    assert fn is not None and fn.name == "shop-qa-api"


def test_routes_of_an_openapi_body() -> None:
    app = _load("openapi")
    api = app.apis["aws_api_gateway_rest_api.catalog"]
    routes = {r.name: r for r in api.routes}
    assert set(routes) == {"GET /products", "POST /products"}
    assert routes["GET /products"].authorizer.kind is AuthKind.COGNITO
    assert routes["GET /products"].authorizer.name == "shoppers"
    assert routes["POST /products"].authorizer.is_none
    assert routes["POST /products"].loc == Location("openapi/main.tf", 40)
    assert {r.function for r in api.routes} == {"aws_lambda_function.catalog"}
    fn = app.function("aws_lambda_function.catalog")
    assert fn is not None and [t.kind for t in fn.triggers] == [TriggerKind.REST_API] * 2


# --- count and for_each ----------------------------------------------------------------


def test_for_each_over_a_map_makes_one_node_per_key(expand: App) -> None:
    work = {k: v for k, v in expand.resources.items() if k.startswith("aws_sqs_queue.work")}
    assert set(work) == {'aws_sqs_queue.work["orders"]', 'aws_sqs_queue.work["invoices"]'}
    assert work['aws_sqs_queue.work["invoices"]'].properties[
        "visibility_timeout_seconds"] == 120


def test_for_each_over_an_unknown_value_makes_one_unresolved_node(expand: App) -> None:
    topic = expand.resources["aws_sns_topic.events"]
    assert isinstance(topic.name, Unresolved)
    assert any("aws_sns_topic.events" in d.message and "not known" in d.message
               for d in expand.diagnostics)


def test_count_zero_is_not_there_and_count_n_is_indexed(expand: App) -> None:
    assert not [k for k in expand.resources if k.startswith("aws_s3_bucket.audit")]
    assert "aws_s3_bucket.shards[0]" in expand.resources
    assert "aws_s3_bucket.shards[1]" in expand.resources


def test_references_into_repeated_resources(expand: App) -> None:
    fn = expand.function("aws_lambda_function.worker")
    assert fn is not None
    assert fn.environment["QUEUES"] == "invoices,orders" or \
        fn.environment["QUEUES"] == "orders,invoices"
    assert fn.environment["FIRST"] == Ref("aws_s3_bucket.shards[0]", "bucket")
    assert isinstance(fn.environment["MODE"], Unresolved)
    (trigger,) = fn.triggers
    assert trigger.kind is TriggerKind.SQS
    assert trigger.source == Ref('aws_sqs_queue.work["orders"]', "arn")
    assert trigger.batch_size == 5


def test_external_role_and_unknown_types(expand: App) -> None:
    fn = expand.function("aws_lambda_function.worker")
    assert fn is not None
    role = expand.roles[fn.role or ""]
    assert role.external_arn == "arn:aws:iam::123456789012:role/shared-lambda"
    assert role.name == "shared-lambda"
    assert fn.vpc is None  # a dynamic block over an empty list writes nothing
    assert expand.resources["aws_something_new.x"].type == "aws_something_new"
    assert any("someone-elses-role" in d.message for d in expand.diagnostics)


# --- values that stay unresolved ----------------------------------------------------------


def test_cyclic_locals_are_reported_and_left_unresolved() -> None:
    app = _load("cycle")
    topic = app.resources["aws_sns_topic.loop"]
    assert isinstance(topic.name, Unresolved)
    (note,) = [d for d in app.diagnostics if "cycle" in d.message]
    assert note.level == "warning"
    assert (note.loc.file, note.loc.line) in {("cycle/main.tf", 2), ("cycle/main.tf", 3)}


def test_tfvars_files_that_disagree_leave_the_variable_unresolved() -> None:
    app = _load("envs")
    assert app.region == "eu-west-1"  # dev.tfvars and prod.tfvars agree
    group = app.resources["aws_cloudwatch_log_group.app"]
    assert isinstance(group, LogGroup)
    assert isinstance(group.retention_days, Unresolved)
    assert "dev.tfvars" in group.retention_days.reason


def test_a_single_tf_file_loads_its_directory() -> None:
    (app,) = load(ROOT / "orders" / "apis.tf", LoadOptions(root=ROOT))
    assert app.function("aws_lambda_function.api") is not None


def test_loader_reads_nothing_outside_the_scan_root(tmp_path: Path) -> None:
    outside = tmp_path / "shared"
    outside.mkdir()
    (outside / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    root = tmp_path / "app"
    root.mkdir()
    (root / "main.tf").write_text('module "shared" {\n  source = "../shared"\n}\n')
    (app,) = load(root, LoadOptions(root=root))
    assert not app.resources
    assert any("not a directory in the scanned tree" in d.message for d in app.diagnostics)
