"""serverless.yml -> model: provider inheritance, IAM in every form, events, APIs,
function URLs, the resources block, and where every node was written."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from faasguard.engine import load_candidate
from faasguard.loaders.base import LoadError, LoadOptions
from faasguard.loaders.discover import Candidate
from faasguard.loaders.serverless import (
    alnum_name,
    function_logical_id,
    load,
    normalized_function_name,
)
from faasguard.model import (
    App,
    AuthKind,
    Bucket,
    Function,
    Layer,
    LogGroup,
    Role,
    Statement,
    Topic,
    TriggerKind,
    UserPool,
)
from faasguard.model.values import Interpolated, Ref, Unresolved

from conftest import FIXTURES

FIX = FIXTURES / "loaders" / "serverless"


def load_fixture(name: str, **options: Any) -> App:
    apps = load(FIX / name / "serverless.yml", LoadOptions(root=FIX, **options))
    assert len(apps) == 1
    return apps[0]


def line(name: str, needle: str, nth: int = 1) -> int:
    """The line of the ``nth`` occurrence of ``needle`` in a fixture's serverless.yml."""
    seen = 0
    lines = (FIX / name / "serverless.yml").read_text().splitlines()
    for number, text in enumerate(lines, 1):
        if needle in text:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} not in {name}")


def load_text(root: Path, text: str, files: dict[str, str] | None = None,
              **options: Any) -> App:
    for rel, content in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(content))
    path = root / "serverless.yml"
    path.write_text(textwrap.dedent(text).lstrip())
    return load(path, LoadOptions(root=root, **options))[0]


def fn(app: App, fid: str) -> Function:
    found = app.function(fid)
    assert found is not None, fid
    return found


def role(app: App, fid: str) -> Role:
    found = app.role_of(fn(app, fid))
    assert found is not None, fid
    return found


def statements(r: Role) -> list[Statement]:
    return [s for _, s in r.statements()]


def grants(r: Role, action: str) -> list[Statement]:
    return [s for s in statements(r) if action in s.actions]


# --- naming ----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "logical"), [
    ("hello", "HelloLambdaFunction"),
    ("my-fn", "MyDashfnLambdaFunction"),
    ("my_fn", "MyUnderscorefnLambdaFunction"),
])
def test_framework_function_logical_ids(key: str, logical: str) -> None:
    assert function_logical_id(key) == logical
    assert normalized_function_name(key) + "LambdaFunction" == logical


def test_bucket_names_normalise_to_alphanumerics() -> None:
    assert alnum_name("shop-uploads.dev") == "Shopuploadsdev"


# --- the shop fixture: a v3 service ------------------------------------------------------


@pytest.fixture(scope="module")
def shop() -> App:
    return load_fixture("shop")


def test_app_basics(shop: App) -> None:
    assert shop.name == "shop" and shop.format == "serverless" and shop.provider == "aws"
    assert shop.region == "eu-west-1" and shop.root == "shop"
    assert shop.parameters["stage"] == "dev"
    assert shop.source.file == "shop/serverless.yml"
    assert [f.id for f in shop.functions] == [
        "listOrders", "createOrder", "authorize", "partnerWebhook", "fulfil", "nightly"]


def test_options_change_stage_and_region() -> None:
    app = load_fixture("shop", options={"stage": "prod", "region": "us-east-2"})
    assert app.region == "us-east-2" and fn(app, "listOrders").name == "shop-prod-listOrders"
    assert fn(app, "listOrders").environment["ALERT_EMAIL"] == "oncall@example.com"


def test_provider_settings_are_inherited(shop: App) -> None:
    listing = fn(shop, "listOrders")
    assert listing.name == "shop-dev-listOrders"
    assert listing.runtime == "python3.12"
    assert listing.lines["runtime"] == line("shop", "runtime: python3.12")
    assert (listing.timeout, listing.memory) == (20, 512)
    assert listing.architectures == ("arm64",)
    assert listing.tracing == "Active"
    assert listing.tags == {"team": "payments"}
    assert listing.loc.line == line("shop", "  listOrders:")


def test_function_settings_win(shop: App) -> None:
    create = fn(shop, "createOrder")
    assert (create.timeout, create.memory, create.reserved_concurrency) == (29, 1024, 20)
    assert create.lines["timeout"] == line("shop", "timeout: 29")
    assert fn(shop, "authorize").runtime == "nodejs20.x"


def test_environment_merges_with_lines(shop: App) -> None:
    create = fn(shop, "createOrder")
    assert create.environment["STAGE"] == "override"
    assert create.environment["ORDERS_TABLE"] == "shop-orders-dev"
    assert create.environment["ALERT_EMAIL"] == "ops@example.com"
    assert create.env_lines["STAGE"] == line("shop", "STAGE: override")
    assert create.env_lines["ORDERS_TABLE"] == line("shop", "ORDERS_TABLE:")
    key = create.environment["API_KEY"]
    assert isinstance(key, Unresolved) and key.expr.startswith("${ssm:")
    assert any("${ssm:" in d.message for d in shop.diagnostics)


def test_code_paths(shop: App) -> None:
    assert fn(shop, "listOrders").code_path == "shop/src/handlers/orders.py"
    assert fn(shop, "authorize").code_path == "shop/src/handlers/auth.js"


def test_shared_role(shop: App) -> None:
    shared = shop.roles["IamRoleLambdaExecution"]
    assert shared.generated and shared.external_arn is None
    assert {f.id for f in shop.functions_with_role(shared.id)} == {
        "listOrders", "createOrder", "authorize", "partnerWebhook"}
    assert shared.name == "shop-dev-eu-west-1-lambdaRole"
    assert shared.permissions_boundary == "arn:aws:iam::123456789012:policy/shop-boundary"
    assert shared.assume_role_policy is not None
    trust = shared.assume_role_policy.statements[0]
    assert trust.principals == {"Service": ("lambda.amazonaws.com",)}


def test_shared_role_implicit_log_statements(shop: App) -> None:
    shared = shop.roles["IamRoleLambdaExecution"]
    create, put = statements(shared)[:2]
    assert "logs:CreateLogGroup" in create.actions and put.actions == ("logs:PutLogEvents",)
    assert create.resources == (
        "arn:aws:logs:eu-west-1:${AWS::AccountId}:log-group:/aws/lambda/shop-dev*:*",)
    assert isinstance(create.resources[0], Interpolated)


def test_v3_statements_with_intrinsics(shop: App) -> None:
    shared = shop.roles["IamRoleLambdaExecution"]
    (query,) = grants(shared, "dynamodb:Query")
    assert query.resources == (Ref("OrdersTable", "Arn"),)
    assert query.loc.line == line("shop", "- Effect: Allow", 1)
    (get,) = grants(shared, "s3:GetObject")
    assert get.resources == ("${ReceiptsBucket.Arn}/*",)
    assert get.resources[0].refs == (Ref("ReceiptsBucket", "Arn"),)


def test_managed_policies_and_attached_policy_resources(shop: App) -> None:
    shared = shop.roles["IamRoleLambdaExecution"]
    by_name = {p.name: p for p in shared.policies}
    ses = by_name["AmazonSESFullAccess"]
    assert ses.origin == "aws-managed"
    assert ses.loc.line == line("shop", "AmazonSESFullAccess")
    reporting = by_name["reporting"]  # an AWS::IAM::Policy in resources naming the role
    assert reporting.statements[0].actions == ("cloudwatch:PutMetricData",)


def test_tracing_grant_is_added_once(shop: App) -> None:
    assert len(grants(shop.roles["IamRoleLambdaExecution"], "xray:PutTraceSegments")) == 1


def test_per_function_role_overrides_by_default(shop: App) -> None:
    own = role(shop, "fulfil")
    assert own.id == "FulfilIamRoleLambdaExecution" and own.generated
    assert own.name == "shop-dev-fulfil-eu-west-1-lambdaRole"
    assert not grants(own, "dynamodb:Query")  # provider statements not inherited
    (send,) = grants(own, "sqs:SendMessage")
    assert send.resources == (Ref("ShipmentsQueue", "Arn"),)
    (receive,) = grants(own, "sqs:ReceiveMessage")
    assert receive.resources == (Ref("OrdersQueue", "Arn"),)
    assert receive.loc.line == line("shop", "- sqs:")
    (stream,) = grants(own, "dynamodb:GetRecords")
    assert stream.resources == (Ref("OrdersTable", "StreamArn"),)
    (dlq,) = grants(own, "sns:Publish")
    assert dlq.resources == ("arn:aws:sns:eu-west-1:123456789012:shop-dlq",)
    (logs,) = grants(own, "logs:PutLogEvents")
    assert logs.resources[0].endswith("/aws/lambda/shop-dev-fulfil:*:*")
    assert fn(shop, "fulfil").lines["role"] == line("shop", "iamRoleStatements:", 1)


def test_per_function_role_inherits_when_asked(shop: App) -> None:
    own = role(shop, "nightly")
    assert grants(own, "dynamodb:Query") and grants(own, "s3:PutObject")
    assert not grants(own, "sqs:ReceiveMessage")


def test_rest_api(shop: App) -> None:
    api = shop.apis["ApiGatewayRestApi"]
    assert api.kind == "rest" and api.name == "dev-shop"
    routes = {r.name: r for r in api.routes}
    assert set(routes) == {"GET /orders", "POST /orders", "POST /webhook"}
    listing = routes["GET /orders"]
    assert listing.authorizer.kind is AuthKind.COGNITO and listing.function == "listOrders"
    assert listing.loc.line == line("shop", "- http:", 1)
    assert listing.authorizer.loc is not None
    assert listing.authorizer.loc.line == line("shop", "authorizer:", 1)
    create = routes["POST /orders"]
    assert create.authorizer.is_none and create.api_key_required
    webhook = routes["POST /webhook"]
    assert webhook.authorizer.kind is AuthKind.LAMBDA and webhook.authorizer.name == "authorize"
    assert (api.throttling_rate, api.throttling_burst) == (50, 100)
    assert api.waf is True and api.lines["waf"] == line("shop", "associateWaf:")
    assert api.access_logging is True and api.tracing is True
    assert api.cors is not None and api.cors.allow_origins == ("*",)
    assert api.endpoint_type == "EDGE" and api.timeout_seconds == 29.0


def test_http_api(shop: App) -> None:
    api = shop.apis["HttpApi"]
    routes = {r.name: r for r in api.routes}
    assert routes["GET /v2/orders"].authorizer.kind is AuthKind.JWT
    assert routes["GET /v2/orders"].authorizer.name == "cognitoJwt"
    assert routes["POST /v2/orders"].authorizer.is_none
    assert api.cors is not None and api.cors.allow_origins == ("*",)
    assert api.access_logging is True and api.waf is False


def test_triggers_carry_routes(shop: App) -> None:
    kinds = [t.kind for t in fn(shop, "listOrders").triggers]
    assert kinds == [TriggerKind.REST_API, TriggerKind.HTTP_API]
    rest = fn(shop, "listOrders").triggers[0]
    assert rest.api == "ApiGatewayRestApi" and rest.route is not None
    fulfil = {t.kind: t for t in fn(shop, "fulfil").triggers}
    assert fulfil[TriggerKind.SQS].source == Ref("OrdersQueue", "Arn")
    assert fulfil[TriggerKind.SQS].batch_size == 10
    assert fulfil[TriggerKind.DYNAMODB_STREAM].source == Ref("OrdersTable", "StreamArn")


def test_function_url_and_permission(shop: App) -> None:
    webhook = fn(shop, "partnerWebhook")
    assert webhook.url is not None and webhook.url.auth_type == "NONE"
    assert webhook.url.loc.line == line("shop", "url: true")
    assert webhook.triggers[0].kind is TriggerKind.FUNCTION_URL
    (permission,) = shop.permissions
    assert permission.function == "partnerWebhook" and permission.principal == "*"


def test_log_groups_and_extensions(shop: App) -> None:
    listing = fn(shop, "listOrders")
    group = shop.resources[listing.log_group or ""]
    assert isinstance(group, LogGroup)
    assert group.id == "ListOrdersLogGroup" and group.name == "/aws/lambda/shop-dev-listOrders"
    assert group.retention_days == 30
    assert group.kms_key == "arn:aws:kms:eu-west-1:123456789012:key/abc"  # from extensions
    assert group.generated  # created by the Framework, which sets no key of its own
    create = fn(shop, "createOrder")
    assert create.code_signing == \
        "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-1"
    assert create.lines["code_signing"] == line("shop", "CodeSigningConfigArn")


def test_event_created_bucket(shop: App) -> None:
    (trigger,) = [t for t in fn(shop, "nightly").triggers if t.kind is TriggerKind.S3]
    assert trigger.source == Ref("S3BucketShopuploadsdev")
    bucket = shop.resources["S3BucketShopuploadsdev"]
    assert isinstance(bucket, Bucket) and bucket.name == "shop-uploads-dev"
    assert bucket.loc.line == line("shop", "- s3:") and not bucket.generated


def test_resources_block_is_read_as_cloudformation(shop: App) -> None:
    table = shop.resources["OrdersTable"]
    assert table.name == "shop-orders-dev"
    assert table.loc.line == line("shop", "    OrdersTable:")
    deployment = shop.resources["ServerlessDeploymentBucket"]
    assert isinstance(deployment, Bucket) and deployment.generated


# --- the legacy fixture: v1 style IAM, VPC, layers, many events ----------------------------


@pytest.fixture(scope="module")
def legacy() -> App:
    return load_fixture("legacy")


def test_v1_statements_and_managed_policies(legacy: App) -> None:
    shared = legacy.roles["IamRoleLambdaExecution"]
    (wild,) = grants(shared, "s3:*")
    assert wild.resources == ("*",) and wild.loc.line == line("legacy", 'Action: "s3:*"') - 1
    (negated,) = [s for s in statements(shared) if s.not_actions]
    assert negated.not_actions == ("iam:*",)
    assert negated.not_resources == ("arn:aws:s3:::private/*",)
    by_name = {p.name: p for p in shared.policies}
    assert by_name["AdministratorAccess"].origin == "aws-managed"
    assert by_name["ReadOnlyPolicy"].origin == "managed"
    assert by_name["ReadOnlyPolicy"].statements[0].actions == ("dynamodb:Scan",)
    assert "AWSLambdaVPCAccessExecutionRole" in by_name
    assert shared.permissions_boundary == "arn:aws:iam::123456789012:policy/legacy-boundary"


def test_vpc_layers_kms_inheritance(legacy: App) -> None:
    ingest, socket = fn(legacy, "ingest"), fn(legacy, "socket")
    assert ingest.vpc is True  # subnets from the provider, groups from the function
    assert socket.vpc is True
    assert ingest.layers == (Ref("CommonLambdaLayer"),)  # replaces the provider's
    assert socket.layers == ("arn:aws:lambda:us-west-2:999999999999:layer:shared-utils:3",)
    assert ingest.kms_key.endswith("function-key") and socket.kms_key.endswith("provider-key")
    assert socket.lines["kms_key"] == line("legacy", "kmsKeyArn:", 1)
    assert socket.tracing == "PassThrough"
    assert isinstance(legacy.resources["CommonLambdaLayer"], Layer)


def test_framework_grants_for_settings(legacy: App) -> None:
    shared = legacy.roles["IamRoleLambdaExecution"]
    decrypt = {s.resources[0] for s in grants(shared, "kms:Decrypt")}
    assert decrypt == {"arn:aws:kms:us-west-2:123456789012:key/function-key",
                       "arn:aws:kms:us-west-2:123456789012:key/provider-key"}
    (failure,) = grants(shared, "sqs:SendMessage")
    assert failure.resources == ("arn:aws:sqs:us-west-2:123456789012:ingest-failures",)
    assert fn(legacy, "ingest").on_failure == failure.resources[0]
    (kinesis,) = grants(shared, "kinesis:GetRecords")
    assert kinesis.loc.line == line("legacy", "- stream:")


def test_every_event_type(legacy: App) -> None:
    triggers = fn(legacy, "ingest").triggers
    kinds = [t.kind for t in triggers]
    assert kinds == [
        TriggerKind.SNS, TriggerKind.SNS, TriggerKind.CLOUDWATCH_LOGS, TriggerKind.COGNITO,
        TriggerKind.ALB, TriggerKind.IOT, TriggerKind.KAFKA, TriggerKind.KAFKA,
        TriggerKind.EVENTBRIDGE, TriggerKind.EVENTBRIDGE, TriggerKind.KINESIS, TriggerKind.OTHER]
    sns_new, sns_existing = triggers[0], triggers[1]
    assert sns_new.source == Ref("SNSTopicLegacyalerts")
    assert isinstance(legacy.resources["SNSTopicLegacyalerts"], Topic)
    assert sns_existing.source == "arn:aws:sns:us-west-2:123456789012:existing-topic"
    assert triggers[2].source == "/aws/lambda/other"
    # the pool is configured in resources under the Framework's logical id: no second one
    assert triggers[3].source == Ref("CognitoUserPoolLegacyUsers")
    pool = legacy.resources["CognitoUserPoolLegacyUsers"]
    assert isinstance(pool, UserPool) and pool.mfa == "OFF"
    alb = triggers[4]
    assert alb.route is not None and alb.route.name == "POST /ingest"
    assert alb.route.authorizer.kind is AuthKind.JWT
    assert triggers[5].source == "SELECT * FROM 'sensors/#'"
    assert triggers[7].source == "arn:aws:kafka:us-west-2:123456789012:cluster/legacy/abc"
    assert triggers[8].source == {"source": ["aws.ec2"]}
    assert triggers[11].properties == {"event": "alexaSkill"}
    assert [t.loc.line for t in triggers[:2]] == [line("legacy", "- sns:", 1),
                                                  line("legacy", "- sns:", 2)]


def test_websocket_routes_share_the_connect_authorizer(legacy: App) -> None:
    api = legacy.apis["WebsocketsApi"]
    assert api.kind == "websocket" and api.name == "legacy-ws" and api.access_logging is True
    routes = {r.path: r for r in api.routes}
    assert set(routes) == {"$connect", "$default", "sendMessage"}
    assert all(r.authorizer.kind is AuthKind.LAMBDA for r in routes.values())
    assert routes["$default"].authorizer.name == "wsAuth"


def test_function_role_arn_and_custom_names(legacy: App) -> None:
    auth = fn(legacy, "wsAuth")
    external = role(legacy, "wsAuth")
    assert external.id == "arn:aws:iam::123456789012:role/legacy-authorizer"
    assert external.external_arn == external.id and not external.generated
    assert external.name == "legacy-authorizer"
    assert auth.name == "legacy-custom-name"
    assert legacy.resources[auth.log_group or ""].name == "/aws/lambda/legacy-custom-name"
    assert fn(legacy, "socket").log_group is None  # disableLogs
    put = grants(legacy.roles["IamRoleLambdaExecution"], "logs:PutLogEvents")[0]
    assert any("legacy-custom-name" in str(r) for r in put.resources)
    assert legacy.name == "legacy-app"


def test_defaults_when_nothing_is_set(legacy: App) -> None:
    ingest = fn(legacy, "ingest")
    assert (ingest.timeout, ingest.memory) == (6, 1024)
    assert "timeout" not in ingest.lines


# --- external roles --------------------------------------------------------------------


def test_provider_role_arn_and_function_roles() -> None:
    app = load_fixture("external-role")
    arn = "arn:aws:iam::123456789012:role/billing-execution"
    assert "IamRoleLambdaExecution" not in app.roles
    assert fn(app, "invoice").role == arn and fn(app, "refund").role == arn
    assert app.roles[arn].external_arn == arn and not app.roles[arn].generated
    assert fn(app, "invoice").lines["role"] == line("external-role", "role: arn:aws:iam")
    ignored = [d for d in app.diagnostics if "refund" in d.message]
    assert ignored and ignored[0].loc.line == line("external-role", "iamRoleStatements:")
    audit = role(app, "audit")
    assert audit.id == "AuditRole" and grants(audit, "logs:*")
    assert role(app, "export").id == "ExportRole"
    assert "arn:aws:iam::123456789012:role/cfn-deployer" not in app.roles


# --- Framework v4 ---------------------------------------------------------------------------


def test_v4_per_function_mode_and_stage_params() -> None:
    app = load_fixture("v4")
    listing, purge = role(app, "list"), role(app, "purge")
    assert listing.id == "ListIamRoleLambdaExecution"
    (query,) = grants(listing, "dynamodb:Query")
    assert query.resources == ("arn:aws:dynamodb:*:*:table/notes-default",)
    assert not grants(purge, "dynamodb:Query")  # iam.inheritStatements: false
    assert grants(purge, "dynamodb:DeleteItem")
    assert {p.name for p in purge.policies if p.origin == "aws-managed"} == {
        "CloudWatchLambdaInsightsExecutionRolePolicy", "AmazonDynamoDBFullAccess"}
    assert "IamRoleLambdaExecution" not in app.roles
    env = fn(app, "list").environment
    assert env["TABLE"] == "notes-default" and env["REGION"] == "us-east-1"
    assert isinstance(env["ACCOUNT"], Unresolved)
    assert fn(app, "list").code_path == "v4/src/notes.ts"


# --- IAM forms, inline -------------------------------------------------------------------


def test_v3_without_the_plugin_ignores_function_statements(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        frameworkVersion: '3'
        provider:
          name: aws
        functions:
          a:
            handler: h.a
            iamRoleStatements:
              - Effect: Allow
                Action: "*"
                Resource: "*"
    """)
    assert fn(app, "a").role == "IamRoleLambdaExecution"
    assert not grants(app.roles["IamRoleLambdaExecution"], "*")
    assert any("serverless-iam-roles-per-function" in d.message for d in app.diagnostics)


def test_plugin_default_inherit(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        plugins: [serverless-iam-roles-per-function]
        custom:
          serverless-iam-roles-per-function:
            defaultInherit: true
        provider:
          name: aws
          iamRoleStatements:
            - Effect: Allow
              Action: sqs:SendMessage
              Resource: "*"
        functions:
          inherits:
            handler: h.a
            iamRoleStatements: []
          optsOut:
            handler: h.b
            iamRoleStatementsInherit: false
            iamRoleStatements: []
    """)
    assert grants(role(app, "inherits"), "sqs:SendMessage")
    assert not grants(role(app, "optsOut"), "sqs:SendMessage")
    assert "IamRoleLambdaExecution" not in app.roles  # no function uses it


@pytest.mark.parametrize(("provider_iam", "expected"), [
    ("role: MyRole", "MyRole"),
    ("iam:\n    role: MyRole", "MyRole"),
    ("iam:\n    role: !GetAtt MyRole.Arn", "MyRole"),
    ("iam:\n    role:\n      Fn::GetAtt: [MyRole, Arn]", "MyRole"),
])
def test_provider_role_by_logical_id(tmp_path: Path, provider_iam: str, expected: str) -> None:
    app = load_text(tmp_path, f"""
service: s
provider:
  name: aws
  {provider_iam}
functions:
  a:
    handler: h.a
resources:
  Resources:
    MyRole:
      Type: AWS::IAM::Role
      Properties:
        ManagedPolicyArns:
          - arn:aws:iam::aws:policy/AdministratorAccess
""")
    assert fn(app, "a").role == expected
    assert app.roles[expected].policies[0].name == "AdministratorAccess"
    assert "IamRoleLambdaExecution" not in app.roles


def test_imported_role_is_unresolved(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
        functions:
          a:
            handler: h.a
            role: !ImportValue shared-role-arn
          b:
            handler: h.b
    """)
    imported = role(app, "a")
    assert isinstance(imported.external_arn, Unresolved)
    assert fn(app, "b").role == "IamRoleLambdaExecution"


def test_missing_role_logical_id_warns(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
        functions:
          a:
            handler: h.a
            role: NotDefined
    """)
    assert fn(app, "a").role == "NotDefined" and app.role_of(fn(app, "a")) is None
    assert any("NotDefined" in d.message for d in app.diagnostics)


def test_statements_unresolved_are_reported(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
          iam:
            role:
              statements: ${ssm:/iam/statements}
        functions:
          a:
            handler: h.a
    """)
    assert any("permissions are unknown" in d.message for d in app.diagnostics)


# --- authorizers, URLs -----------------------------------------------------------------------


REST_AUTH = [
    ("aws_iam", AuthKind.IAM),
    ("{type: aws_iam}", AuthKind.IAM),
    ("arn:aws:lambda:us-east-1:1:function:auth", AuthKind.LAMBDA),
    ("arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_x", AuthKind.COGNITO),
    ("{name: auth, type: token}", AuthKind.LAMBDA),
    ("{name: auth, type: request}", AuthKind.LAMBDA),
    ("{type: COGNITO_USER_POOLS, authorizerId: {Ref: PoolAuthorizer}}", AuthKind.COGNITO),
    ("{authorizerId: {Ref: PoolAuthorizer}}", AuthKind.COGNITO),
    ("{authorizerId: {Ref: TokenAuthorizer}}", AuthKind.LAMBDA),
    ("{authorizerId: abc123}", AuthKind.UNRESOLVED),
    ("${ssm:/auth/arn}", AuthKind.UNRESOLVED),
]


@pytest.mark.parametrize(("written", "kind"), REST_AUTH)
def test_rest_authorizer_forms(tmp_path: Path, written: str, kind: AuthKind) -> None:
    app = load_text(tmp_path, f"""
service: s
provider:
  name: aws
functions:
  a:
    handler: h.a
    events:
      - http:
          path: items
          method: get
          authorizer: {written}
resources:
  Resources:
    PoolAuthorizer:
      Type: AWS::ApiGateway::Authorizer
      Properties:
        Type: COGNITO_USER_POOLS
    TokenAuthorizer:
      Type: AWS::ApiGateway::Authorizer
      Properties:
        Type: TOKEN
""")
    (route,) = app.apis["ApiGatewayRestApi"].routes
    assert route.name == "GET /items"
    assert route.authorizer.kind is kind


HTTP_AUTH = [
    ("{type: aws_iam}", AuthKind.IAM),
    ("{name: jwt}", AuthKind.JWT),
    ("{name: lambdaAuth}", AuthKind.LAMBDA),
    ("{id: abc123}", AuthKind.UNRESOLVED),
    ("{name: notDefined}", AuthKind.UNRESOLVED),
]


@pytest.mark.parametrize(("written", "kind"), HTTP_AUTH)
def test_http_authorizer_forms(tmp_path: Path, written: str, kind: AuthKind) -> None:
    app = load_text(tmp_path, f"""
service: s
provider:
  name: aws
  httpApi:
    authorizers:
      jwt:
        type: jwt
        issuerUrl: https://issuer
        audience: [a]
      lambdaAuth:
        type: request
        functionName: auth
functions:
  a:
    handler: h.a
    events:
      - httpApi:
          method: post
          path: /items
          authorizer: {written}
""")
    (route,) = app.apis["HttpApi"].routes
    assert route.name == "POST /items" and route.authorizer.kind is kind


def test_http_api_catch_all_and_shorthand(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
        functions:
          a:
            handler: h.a
            events:
              - httpApi: '*'
              - httpApi: 'GET /users/{id}'
              - http: ANY /{proxy+}
    """)
    assert [r.name for r in app.apis["HttpApi"].routes] == ["ANY $default", "GET /users/{id}"]
    assert [r.name for r in app.apis["ApiGatewayRestApi"].routes] == ["ANY /{proxy+}"]


@pytest.mark.parametrize(("written", "auth", "origins", "credentials", "mode"), [
    ("true", "NONE", None, None, None),
    ("{authorizer: aws_iam}", "AWS_IAM", None, None, None),
    ("{cors: true}", "NONE", ("*",), None, None),
    ("{cors: {allowedOrigins: ['https://a.example'], allowCredentials: true}}", "NONE",
     ("https://a.example",), True, None),
    ("{invokeMode: RESPONSE_STREAM}", "NONE", None, None, "RESPONSE_STREAM"),
])
def test_function_url_forms(tmp_path: Path, written: str, auth: str, origins: Any,
                            credentials: Any, mode: Any) -> None:
    app = load_text(tmp_path, f"""
service: s
provider:
  name: aws
functions:
  a:
    handler: h.a
    url: {written}
""")
    url = fn(app, "a").url
    assert url is not None and url.auth_type == auth and url.invoke_mode == mode
    assert (url.cors.allow_origins if url.cors else None) == origins
    assert (url.cors.allow_credentials if url.cors else None) == credentials


def test_no_url_when_false(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider: {name: aws}
        functions:
          a: {handler: h.a, url: false}
    """)
    assert fn(app, "a").url is None


# --- APIs: WAF, shared APIs, domains, resource policies ---------------------------------------


def test_waf_association_in_resources(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
          endpointType: REGIONAL
          apiGateway:
            resourcePolicy:
              - Effect: Allow
                Principal: "*"
                Action: execute-api:Invoke
                Resource: execute-api:/*
        custom:
          customDomain:
            domainName: api.example.com
            securityPolicy: tls_1_0
        functions:
          a:
            handler: h.a
            events:
              - http: GET /a
        resources:
          Resources:
            Acl:
              Type: AWS::WAFv2::WebACLAssociation
              Properties:
                WebACLArn: arn:aws:wafv2:us-east-1:1:regional/webacl/x/y
                ResourceArn: !Sub arn:aws:apigateway:${AWS::Region}::/restapis/${ApiGatewayRestApi}/stages/dev
    """)
    api = app.apis["ApiGatewayRestApi"]
    assert api.waf is True and api.endpoint_type == "REGIONAL" and api.min_tls == "TLS_1_0"
    assert api.resource_policy is not None
    assert api.resource_policy.statements[0].principals == {"*": ("*",)}
    assert api.throttling_rate is None and api.access_logging is False and api.tracing is False


def test_custom_domain_in_resources_sets_min_tls(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
        functions:
          a:
            handler: h.a
            events:
              - http: GET /a
              - httpApi: GET /b
        resources:
          Resources:
            Domain:
              Type: AWS::ApiGateway::DomainName
              Properties:
                DomainName: api.example.com
                SecurityPolicy: TLS_1_0
            Mapping:
              Type: AWS::ApiGateway::BasePathMapping
              Properties:
                DomainName: !Ref Domain
                RestApiId: !Ref ApiGatewayRestApi
            DomainV2:
              Type: AWS::ApiGatewayV2::DomainName
              Properties:
                DomainName: v2.example.com
                DomainNameConfigurations:
                  - SecurityPolicy: TLS_1_2
            MappingV2:
              Type: AWS::ApiGatewayV2::ApiMapping
              Properties:
                DomainName: v2.example.com
                ApiId: !Ref HttpApi
                Stage: $default
    """)
    rest, http = app.apis["ApiGatewayRestApi"], app.apis["HttpApi"]
    assert rest.min_tls == "TLS_1_0" and rest.lines["min_tls"] == 16
    assert http.min_tls == "TLS_1_2"


def test_shared_rest_api_settings_are_unknown(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
          apiGateway:
            restApiId: abc123
        functions:
          a:
            handler: h.a
            events:
              - http: GET /a
    """)
    api = app.apis["ApiGatewayRestApi"]
    assert api.waf is None and api.access_logging is None and len(api.routes) == 1
    assert any("restApiId" in d.message for d in app.diagnostics)


def test_usage_plan_throttle_needs_api_keys(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
          apiGateway:
            usagePlan:
              throttle: {rateLimit: 5, burstLimit: 10}
        functions:
          a:
            handler: h.a
            events:
              - http: GET /a
    """)
    assert app.apis["ApiGatewayRestApi"].throttling_rate is None


# --- files, lines, resources merge -------------------------------------------------------


def test_included_functions_and_resources_point_at_their_files(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: split
        provider:
          name: aws
          runtime: python3.12
        functions: ${file(./functions.yml)}
        resources:
          - ${file(./resources.yml)}
          - Resources:
              Local:
                Type: AWS::SQS::Queue
    """, files={
        "functions.yml": """
            worker:
              handler: worker.main
              events:
                - sqs: !GetAtt Jobs.Arn
        """,
        "resources.yml": """
            Resources:
              Jobs:
                Type: AWS::SQS::Queue
              Admin:
                Type: AWS::IAM::Role
                Properties:
                  Policies:
                    - PolicyName: admin
                      PolicyDocument:
                        Statement:
                          - Effect: Allow
                            Action: "*"
                            Resource: "*"
        """,
    })
    worker = fn(app, "worker")
    assert worker.loc.file == "functions.yml" and worker.loc.line == 2
    assert worker.lines["handler"] == 3
    assert "runtime" not in worker.lines  # inherited from another file: no line here
    assert worker.triggers[0].source == Ref("Jobs", "Arn")
    assert worker.triggers[0].loc.file == "functions.yml"
    assert (app.resources["Jobs"].loc.file, app.resources["Jobs"].loc.line) == \
        ("resources.yml", 3)
    admin = app.roles["Admin"]
    assert admin.loc.file == "resources.yml"
    assert statements(admin)[0].loc.file == "resources.yml"
    assert app.resources["Local"].loc.file == "serverless.yml"


def test_generated_resources_can_be_configured_in_resources(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
        functions:
          a:
            handler: h.a
            logRetentionInDays: 7
          b:
            handler: h.b
        resources:
          Resources:
            ALogGroup:
              Type: AWS::Logs::LogGroup
              Properties:
                KmsKeyId: arn:aws:kms:us-east-1:1:key/k
            BLogGroup:
              Properties:
                RetentionInDays: 90
            ALambdaFunction:
              Properties:
                ReservedConcurrentExecutions: 3
    """)
    a_group, b_group = app.resources["ALogGroup"], app.resources["BLogGroup"]
    assert isinstance(a_group, LogGroup) and isinstance(b_group, LogGroup)
    assert a_group.kms_key == "arn:aws:kms:us-east-1:1:key/k" and a_group.retention_days == 7
    assert b_group.retention_days == 90
    assert fn(app, "a").reserved_concurrency == 3


def test_existing_bucket_links_to_its_resource(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
        functions:
          a:
            handler: h.a
            events:
              - s3:
                  bucket: uploads-bucket
                  existing: true
        resources:
          Resources:
            Uploads:
              Type: AWS::S3::Bucket
              Properties:
                BucketName: uploads-bucket
    """)
    assert fn(app, "a").triggers[0].source == Ref("Uploads")
    assert not any(k.startswith("S3Bucket") for k in app.resources)


def test_s3_event_bucket_with_provider_s3_settings(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
          s3:
            photos:
              name: acme-photos
              versioningConfiguration:
                Status: Enabled
        functions:
          a:
            handler: h.a
            events:
              - s3: photos
    """)
    bucket = app.resources["S3BucketPhotos"]
    assert isinstance(bucket, Bucket)
    assert bucket.name == "acme-photos" and bucket.versioning is True


# --- other providers and bad input ---------------------------------------------------------


def test_other_provider(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: azure
        functions:
          a:
            handler: h.a
    """)
    assert app.provider == "azure" and not app.functions
    assert any("azure" in d.message for d in app.diagnostics)


def test_not_a_mapping_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "serverless.yml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(LoadError) as caught:
        load(path, LoadOptions(root=tmp_path))
    assert caught.value.file == "serverless.yml"


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "serverless.yml"
    path.write_text("service: s\nprovider:\n  name: aws\n  runtime: [python\n")
    with pytest.raises(LoadError) as caught:
        load(path, LoadOptions(root=tmp_path))
    assert caught.value.file == "serverless.yml" and caught.value.line


def test_odd_shapes_become_diagnostics(tmp_path: Path) -> None:
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
        functions:
          notAMapping: just-text
          noEvents:
            handler: h.a
            events: not-a-list
          badEvent:
            handler: h.b
            events:
              - http: {}
              - {}
              - unknownThing: {arn: arn:aws:x}
    """)
    assert [f.id for f in app.functions] == ["noEvents", "badEvent"]
    assert [t.kind for t in fn(app, "badEvent").triggers] == [TriggerKind.OTHER]
    assert len([d for d in app.diagnostics if d.level == "warning"]) >= 4


def test_engine_loads_serverless_files(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text("service: s\nprovider: {name: aws}\n"
                                             "functions:\n  a: {handler: h.a}\n")
    apps, diagnostics = load_candidate(Candidate(tmp_path / "serverless.yml", "serverless"),
                                       LoadOptions(root=tmp_path))
    assert [a.name for a in apps] == ["s"] and not diagnostics
    (tmp_path / "serverless.yml").write_bytes(b"service: s\n\x00\x01")
    apps, diagnostics = load_candidate(Candidate(tmp_path / "serverless.yml", "serverless"),
                                       LoadOptions(root=tmp_path))
    assert not apps and diagnostics[0].level == "error"


def test_json_service_file(tmp_path: Path) -> None:
    path = tmp_path / "serverless.json"
    path.write_text('{"service": "j", "provider": {"name": "aws", "runtime": "python3.12"},\n'
                    ' "functions": {"a": {"handler": "h.a", "timeout": 30}}}\n')
    (app,) = load(path, LoadOptions(root=tmp_path))
    assert fn(app, "a").timeout == 30 and fn(app, "a").lines["timeout"] == 2


def test_conditions_of_the_resources_block_decide_statements(tmp_path: Path) -> None:
    text = """
        service: s
        provider:
          name: aws
          stage: ${opt:stage, 'dev'}
          iam:
            role:
              statements:
                - Effect: Allow
                  Action: s3:*
                  Resource:
                    Fn::If: [IsProd, "arn:aws:s3:::prod-bucket/*", "*"]
        functions:
          a:
            handler: h.a
        resources:
          - Conditions:
              IsProd: {"Fn::Equals": ["${sls:stage}", "prod"]}
          - Resources:
              Queue:
                Type: AWS::SQS::Queue
    """
    dev = load_text(tmp_path, text)
    assert grants(role(dev, "a"), "s3:*")[0].resources == ("*",)
    prod = load_text(tmp_path, text, options={"stage": "prod"})
    assert grants(role(prod, "a"), "s3:*")[0].resources == ("arn:aws:s3:::prod-bucket/*",)


def test_container_image_functions(tmp_path: Path) -> None:
    (tmp_path / "images" / "api").mkdir(parents=True)
    app = load_text(tmp_path, """
        service: s
        provider:
          name: aws
          runtime: python3.12
          ecr:
            images:
              api:
                path: ./images/api
        functions:
          built:
            image:
              name: api
          pulled:
            image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:abc
    """)
    built, pulled = fn(app, "built"), fn(app, "pulled")
    assert built.package_type == "Image" and built.runtime is None
    assert built.code_path == "images/api" and built.image_uri is None
    assert pulled.image_uri == "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:abc"
    assert pulled.code_path is None
