from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.loaders.base import LoadOptions
from faasguard.loaders.cloudformation import load
from faasguard.loaders.sam import managed_policy_arn, merge, policy_templates
from faasguard.loaders.yamlsafe import load_yaml
from faasguard.model import App, AuthKind, Function, Ref, Table, TriggerKind
from faasguard.model.values import Interpolated

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "loaders"
INVENTORY = ROOT / "sam" / "inventory" / "template.yaml"


def line(path: Path, needle: str, nth: int = 1) -> int:
    seen = 0
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if needle in text:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.fixture(scope="module")
def app() -> App:
    (loaded,) = load(INVENTORY, LoadOptions(root=ROOT))
    return loaded


def fn(app: App, fid: str) -> Function:
    found = app.function(fid)
    assert found is not None, fid
    return found


def test_sam_app(app: App) -> None:
    assert app.format == "sam"
    assert app.name == "inventory"  # the folder: every SAM template is called template.yaml
    assert app.root == "sam/inventory"


def test_transform_as_a_list_is_sam(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\n"
                    "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                    "    Properties: {Handler: a.b, Runtime: python3.12}\n")
    (loaded,) = load(path, LoadOptions(root=tmp_path))
    assert loaded.format == "sam"
    assert fn(loaded, "Fn").code_path == "."  # SAM CLI builds from the template folder


# --- Globals -------------------------------------------------------------------------------


def test_globals_fill_in_scalars_with_their_lines(app: App) -> None:
    listing = fn(app, "ListItemsFunction")
    assert listing.runtime == "python3.12" and listing.timeout == 29
    assert listing.memory == 256 and listing.tracing == "Active"
    assert listing.lines["timeout"] == line(INVENTORY, "Timeout: 29")
    create = fn(app, "CreateItemFunction")
    assert create.timeout == 60
    assert create.lines["timeout"] == line(INVENTORY, "Timeout: 60")


def test_globals_merge_maps(app: App) -> None:
    create = fn(app, "CreateItemFunction")
    assert create.environment == {"STAGE": "prod", "LOG_LEVEL": "DEBUG",
                                  "TABLE_NAME": Ref("ItemsTable")}
    assert create.env_lines["STAGE"] == line(INVENTORY, "STAGE: !Ref Stage")
    assert create.env_lines["LOG_LEVEL"] == line(INVENTORY, "LOG_LEVEL: DEBUG")


def test_ignore_globals_and_disabled_tracing(app: App) -> None:
    upload = fn(app, "ProcessUploadFunction")
    assert upload.layers == ()
    assert fn(app, "ListItemsFunction").layers == (Ref("CommonLayer"),)
    assert upload.tracing is None
    assert upload.lines["tracing"] == line(INVENTORY, "Tracing: Disabled")


def test_merge_rules() -> None:
    doc = load_yaml("""
g:
  Map: {a: 1, b: 2}
  List: [x]
  Scalar: 1
  Fn: !Ref A
l:
  Map: {b: 3}
  List: [y]
  Scalar: 2
  Fn: {c: 1}
""")[0]
    merged = merge(doc["g"], doc["l"])
    assert merged == {"Map": {"a": 1, "b": 3}, "List": ["x", "y"], "Scalar": 2, "Fn": {"c": 1}}
    assert merged["List"].item_lines == [4, 9]
    assert merged.line_of("Scalar") == 10


# --- functions, code and roles -----------------------------------------------------------------


def test_code_paths_relative_to_scan_root(app: App) -> None:
    assert fn(app, "ListItemsFunction").code_path == "sam/inventory/src/list_items"
    assert fn(app, "AuthFunction").code_path is None  # InlineCode
    assert fn(app, "WebhookFunction").code_path is None  # outside the tree
    assert any("outside the scanned tree" in d.message for d in app.diagnostics)


def test_generated_role_with_policy_templates(app: App) -> None:
    create = fn(app, "CreateItemFunction")
    assert create.role == "CreateItemFunctionRole"
    role = app.roles["CreateItemFunctionRole"]
    assert role.generated is True
    policies = {p.name: p for p in role.policies}
    crud = policies["DynamoDBCrudPolicy"]
    assert crud.origin == "sam-template"
    (statement,) = crud.statements
    assert "dynamodb:PutItem" in statement.actions
    assert statement.resources == (
        "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ItemsTable}",
        "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ItemsTable}/index/*")
    assert all(isinstance(r, Interpolated) and r.refs == (Ref("ItemsTable"),)
               for r in statement.resources)
    assert statement.loc.line == line(INVENTORY, "- DynamoDBCrudPolicy:")
    sqs = policies["SQSSendMessagePolicy"].statements[0]
    assert sqs.resources[0].refs == (Ref("JobsQueue", "QueueName"),)


def test_managed_policy_names_and_arns(app: App) -> None:
    role = app.roles["CreateItemFunctionRole"]
    arns = {p.name: p.arn for p in role.policies if p.origin == "aws-managed"}
    assert arns["AmazonS3FullAccess"] == "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    assert arns["CloudWatchLambdaInsightsExecutionRolePolicy"] == (
        "arn:aws:iam::aws:policy/CloudWatchLambdaInsightsExecutionRolePolicy")
    assert arns["AWSLambdaBasicExecutionRole"] == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert "AWSXrayWriteOnlyAccess" in arns  # Tracing: Active
    stats = app.roles["StatsFunctionRole"]
    assert {p.arn for p in stats.policies} >= {managed_policy_arn("AWSLambdaRole")}


def test_inline_statement_policy(app: App) -> None:
    role = app.roles["CreateItemFunctionRole"]
    inline = [p for p in role.policies if p.origin == "inline"]
    (policy,) = inline
    assert policy.statements[0].actions == ("*",) and policy.statements[0].resources == ("*",)


def test_implied_policies_from_events_vpc_and_dlq(app: App) -> None:
    role = app.roles["ProcessUploadFunctionRole"]
    names = [p.name for p in role.policies]
    assert "AWSLambdaSQSQueueExecutionRole" in names
    assert "AWSLambdaDynamoDBExecutionRole" in names
    assert "AWSLambdaVPCAccessExecutionRole" in names
    assert "AWSXrayWriteOnlyAccess" not in names
    dlq = next(p for p in role.policies if p.name == "DeadLetterQueuePolicy")
    assert dlq.statements[0].actions == ("sqs:SendMessage",)
    assert dlq.statements[0].resources == (Ref("FailedJobsQueue", "Arn"),)
    s3_read = next(p for p in role.policies if p.name == "S3ReadPolicy")
    assert s3_read.statements[0].resources[1] == "arn:aws:s3:::${UploadsBucket}/*"


def test_unknown_policy_template_is_reported(app: App) -> None:
    role = app.roles["ProcessUploadFunctionRole"]
    unknown = next(p for p in role.policies if p.name == "UnknownTemplatePolicy")
    assert unknown.statements == ()
    assert any("UnknownTemplatePolicy" in d.message for d in app.diagnostics)


def test_explicit_role_url_alias_and_destinations(app: App) -> None:
    hook = fn(app, "WebhookFunction")
    assert hook.role == "WebhookRole"
    assert app.roles["WebhookRole"].generated is False
    assert app.roles["WebhookRole"].policies[0].name == "AdministratorAccess"
    assert "WebhookFunctionRole" not in app.roles
    assert hook.url is not None and hook.url.auth_type == "NONE"
    assert hook.url.loc.line == line(INVENTORY, "AuthType: NONE")
    assert hook.provisioned_concurrency == 2
    assert hook.on_failure == Ref("WebhookFunctionEventInvokeConfigOnFailureQueue")


def test_dead_letter_and_reserved_concurrency(app: App) -> None:
    upload = fn(app, "ProcessUploadFunction")
    assert upload.dead_letter == Ref("FailedJobsQueue", "Arn")
    assert upload.reserved_concurrency == 5
    assert upload.vpc is True


# --- events and APIs ----------------------------------------------------------------------------


def test_events_become_triggers(app: App) -> None:
    upload = fn(app, "ProcessUploadFunction")
    by_kind = {t.kind: t for t in upload.triggers}
    assert set(by_kind) == {TriggerKind.S3, TriggerKind.SQS, TriggerKind.SCHEDULE,
                            TriggerKind.DYNAMODB_STREAM}
    assert by_kind[TriggerKind.S3].source == Ref("UploadsBucket")
    assert by_kind[TriggerKind.SQS].batch_size == 5
    assert by_kind[TriggerKind.SCHEDULE].source == "rate(1 day)"
    assert by_kind[TriggerKind.SQS].loc.line == line(INVENTORY, "        Jobs:")
    assert by_kind[TriggerKind.DYNAMODB_STREAM].properties["StartingPosition"] == "TRIM_HORIZON"


def test_default_authorizer_and_overrides(app: App) -> None:
    api = app.apis["InventoryApi"]
    routes = {r.name: r for r in api.routes}
    assert routes["GET /items"].authorizer.kind is AuthKind.LAMBDA
    assert routes["GET /items"].authorizer.name == "TokenAuth"
    assert routes["GET /health"].authorizer.is_none
    post = routes["POST /items"]
    assert post.authorizer.kind is AuthKind.COGNITO and post.api_key_required
    assert post.function == "CreateItemFunction"
    assert routes["GET /health"].loc.line == line(INVENTORY, "        Health:")


def test_sam_api_settings(app: App) -> None:
    api = app.apis["InventoryApi"]
    assert api.kind == "rest" and api.name == "inventory"
    assert (api.throttling_rate, api.throttling_burst) == (50, 100)
    assert api.access_logging is True and api.tracing is True
    assert api.min_tls == "TLS_1_2"
    assert api.cors is not None and api.cors.allow_origins == ("*",)
    assert api.resource_policy is not None
    assert api.resource_policy.statements[0].principals == {"*": ("*",)}
    assert api.waf is False


def test_implicit_rest_api(app: App) -> None:
    implicit = app.apis["ServerlessRestApi"]
    (route,) = implicit.routes
    assert route.name == "ANY /legacy/{proxy+}" and route.authorizer.is_none
    assert implicit.tracing is True  # from Globals.Api
    assert implicit.access_logging is False
    assert implicit.loc.line == line(INVENTORY, "        Legacy:")


def test_implicit_http_api_and_default_route(app: App) -> None:
    implicit = app.apis["ServerlessHttpApi"]
    assert implicit.kind == "http"
    assert {r.name for r in implicit.routes} == {"POST /hook", "ANY $default"}
    assert (implicit.throttling_rate, implicit.throttling_burst) == (10, 20)
    hook = fn(app, "WebhookFunction")
    assert {t.kind for t in hook.triggers} == {TriggerKind.HTTP_API, TriggerKind.FUNCTION_URL}


def test_http_api_jwt_default(app: App) -> None:
    api = app.apis["StatsApi"]
    routes = {r.name: r for r in api.routes}
    assert routes["GET /stats"].authorizer.kind is AuthKind.JWT
    assert routes["GET /stats"].authorizer.name == "OAuth"
    assert routes["GET /stats/public"].authorizer.is_none
    assert api.cors is not None and api.cors.allow_origins == ("*",)
    assert api.access_logging is True
    assert api.waf is None


def test_simple_table_and_layer(app: App) -> None:
    table = app.resources["ItemsTable"]
    assert isinstance(table, Table) and table.sse_enabled is True
    assert table.name == "inventory-items-prod"
    assert app.resources["CommonLayer"].name == "inventory-common"


def test_policy_templates_are_read_from_the_package() -> None:
    templates = policy_templates()
    assert "DynamoDBCrudPolicy" in templates and "S3ReadPolicy" in templates


def test_definition_body_routes(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("""Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        Authorizers:
          Tokens:
            FunctionArn: !GetAtt Fn.Arn
      DefinitionBody:
        swagger: "2.0"
        paths:
          /open:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
          /closed:
            post:
              security:
                - Tokens: []
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.b, Runtime: python3.12, CodeUri: src}
""")
    (loaded,) = load(path, LoadOptions(root=tmp_path))
    routes = {r.name: r for r in loaded.apis["Api"].routes}
    assert routes["GET /open"].authorizer.is_none
    assert routes["GET /open"].function == "Fn"
    assert routes["GET /open"].loc.line == 15
    assert routes["POST /closed"].authorizer.kind is AuthKind.LAMBDA
