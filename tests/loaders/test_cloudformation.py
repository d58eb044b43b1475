from __future__ import annotations

from pathlib import Path

import pytest

from faasguard.loaders.base import LoadError, LoadOptions
from faasguard.loaders.cloudformation import build_app, load
from faasguard.loaders.yamlsafe import load_yaml
from faasguard.model import (
    App,
    AuthKind,
    Bucket,
    Key,
    Layer,
    LogGroup,
    Queue,
    Ref,
    Secret,
    Table,
    Topic,
    TriggerKind,
    Unresolved,
    UserPool,
)
from faasguard.model.values import Interpolated

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "loaders"
ORDERS = ROOT / "cfn" / "orders-api.yaml"
PAYMENTS = ROOT / "cfn" / "payments.json"


def line(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line of ``path`` that contains ``needle``."""
    seen = 0
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if needle in text:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} not in {path}")


def _load(path: Path, **kwargs: object) -> App:
    apps = load(path, LoadOptions(root=ROOT, **kwargs))  # type: ignore[arg-type]
    assert len(apps) == 1
    return apps[0]


@pytest.fixture(scope="module")
def orders() -> App:
    return _load(ORDERS)


# --- the app ---------------------------------------------------------------------------------


def test_app_identity(orders: App) -> None:
    assert orders.name == "orders-api"
    assert orders.format == "cloudformation"
    assert orders.root == "cfn"
    assert orders.source.file == "cfn/orders-api.yaml"
    assert orders.region is None
    assert orders.parameters["Stage"] == "dev"


def test_region_comes_from_options() -> None:
    app = _load(ORDERS, options={"region": "eu-west-1"})
    assert app.region == "eu-west-1"
    waf_free = app.resources["OrdersWaf"].properties["ResourceArn"]
    assert waf_free.startswith("arn:aws:apigateway:eu-west-1::/restapis/${OrdersApi}")


def test_false_condition_removes_resource_unknown_keeps_it(orders: App) -> None:
    assert "DebugBucket" not in orders.resources
    assert "AlertSubscription" in orders.resources
    notes = [d for d in orders.diagnostics if "HasAlerts" in d.message]
    assert notes and notes[0].level == "info"
    prod = _load(ORDERS, parameters={"Stage": "prod"})
    assert isinstance(prod.resources["DebugBucket"], Bucket)
    assert prod.resources["DebugBucket"].acl == "PublicRead"


# --- functions -------------------------------------------------------------------------------


def test_function_fields_and_lines(orders: App) -> None:
    fn = orders.function("CreateOrderFunction")
    assert fn is not None
    assert fn.loc.line == line(ORDERS, "  CreateOrderFunction:")
    assert fn.name == "create-order-dev"
    assert (fn.runtime, fn.handler, fn.memory, fn.timeout) == ("python3.12", "app.handler", 512, 30)
    assert fn.code_path == "cfn/src/create_order"
    assert fn.architectures == ("arm64",)
    assert fn.layers == (Ref("SharedLayer"),
                         "arn:aws:lambda:us-east-1:999999999999:layer:vendor-tools:3")
    assert fn.vpc is True
    assert fn.tracing == "Active"
    assert fn.reserved_concurrency == 20
    assert fn.dead_letter == Ref("OrdersDLQ", "Arn")
    assert fn.kms_key == Ref("DataKey", "Arn")
    assert fn.log_format == "JSON"
    assert fn.ephemeral_storage == 1024
    assert fn.tags == {"team": "orders"}
    assert fn.provisioned_concurrency == 5
    assert fn.lines["timeout"] == line(ORDERS, "Timeout: !FindInMap")
    assert fn.lines["runtime"] == line(ORDERS, "Runtime: python3.12")
    assert fn.lines["reserved_concurrency"] == line(ORDERS, "ReservedConcurrentExecutions: 20")
    assert fn.lines["provisioned_concurrency"] == line(ORDERS, "ProvisionedConcurrencyConfig:")
    assert fn.at("kms_key").line == line(ORDERS, "KmsKeyArn: !GetAtt DataKey.Arn")


def test_environment_values_and_lines(orders: App) -> None:
    fn = orders.function("CreateOrderFunction")
    assert fn is not None
    env = fn.environment
    assert env["TABLE_NAME"] == Ref("OrdersTable")
    assert env["STAGE"] == "dev"
    assert env["DEBUG"] == "true"
    assert isinstance(env["DB_PASSWORD"], Unresolved)
    assert fn.env_lines["DB_PASSWORD"] == line(ORDERS, "DB_PASSWORD: !Ref DbPassword")
    assert "DEBUG" not in _load(ORDERS, parameters={"Stage": "prod"}).function(
        "CreateOrderFunction").environment  # type: ignore[union-attr]


def test_code_locations(orders: App) -> None:
    receipt = orders.function("ReceiptFunction")
    notify = orders.function("NotifyFunction")
    assert receipt is not None and notify is not None
    assert receipt.code_path is None  # S3
    assert notify.code_path is None  # inline ZipFile
    assert any("ZipFile" in d.message for d in orders.diagnostics)


def test_roles_link_to_functions(orders: App) -> None:
    fn = orders.function("CreateOrderFunction")
    assert fn is not None and fn.role == "OrdersRole"
    assert {f.id for f in orders.functions_with_role("OrdersRole")} == {
        "CreateOrderFunction", "WorkerFunction"}
    external = orders.roles["arn:aws:iam::123456789012:role/legacy-receipts"]
    assert external.external_arn == "arn:aws:iam::123456789012:role/legacy-receipts"
    assert external.name == "legacy-receipts"
    notify = orders.function("NotifyFunction")
    assert notify is not None
    imported = orders.roles[notify.role]  # type: ignore[index]
    assert isinstance(imported.external_arn, Unresolved)


def test_role_policies_count_inline_managed_and_attached(orders: App) -> None:
    role = orders.roles["OrdersRole"]
    assert role.name == "orders-lambda"
    by_name = {p.name: p for p in role.policies}
    assert set(by_name) == {"orders-table", "AWSLambdaBasicExecutionRole", "orders-shared-read",
                            "pass-any-role"}
    assert by_name["AWSLambdaBasicExecutionRole"].origin == "aws-managed"
    assert by_name["AWSLambdaBasicExecutionRole"].statements == ()
    assert by_name["orders-shared-read"].origin == "managed"
    assert by_name["orders-shared-read"].statements[0].resources == (
        Interpolated("${ReceiptsBucket.Arn}/*"),)
    wildcard = by_name["orders-table"].statements[1]
    assert wildcard.actions == ("sqs:*",) and wildcard.resources == ("*",)
    assert wildcard.loc.line == line(ORDERS, "Action: sqs:*") - 1
    passrole = by_name["pass-any-role"].statements[0]
    assert passrole.actions == ("iam:PassRole",)
    trust = role.assume_role_policy
    assert trust is not None and trust.statements[0].principals == {
        "Service": ("lambda.amazonaws.com",)}


def test_function_url_and_permission(orders: App) -> None:
    fn = orders.function("NotifyFunction")
    assert fn is not None and fn.url is not None
    assert fn.url.auth_type == "NONE"
    assert fn.url.loc.line == line(ORDERS, "AuthType: NONE")
    assert fn.url.cors is not None and fn.url.cors.allow_origins == ("*",)
    assert fn.url.cors.allow_credentials is True
    assert any(t.kind is TriggerKind.FUNCTION_URL for t in fn.triggers)
    (perm,) = orders.permissions
    assert perm.id == "NotifyUrlPermission"
    assert perm.function == "NotifyFunction"
    assert (perm.principal, perm.function_url_auth_type) == ("*", "NONE")
    assert perm.lines["principal"] == line(ORDERS, 'Principal: "*"', 3)


def test_triggers(orders: App) -> None:
    def kinds(fid: str) -> dict[TriggerKind, object]:
        fn = orders.function(fid)
        assert fn is not None
        return {t.kind: t for t in fn.triggers}

    worker = kinds("WorkerFunction")
    assert worker[TriggerKind.SQS].source == Ref("OrdersQueue", "Arn")  # type: ignore[attr-defined]
    assert worker[TriggerKind.SQS].batch_size == 10  # type: ignore[attr-defined]
    stream = worker[TriggerKind.DYNAMODB_STREAM]
    assert stream.properties["on_failure"] == Ref("OrdersDLQ", "Arn")  # type: ignore[attr-defined]
    assert worker[TriggerKind.SCHEDULE].source == "cron(0 3 * * ? *)"  # type: ignore[attr-defined]
    receipt = kinds("ReceiptFunction")
    s3 = receipt[TriggerKind.S3]
    assert s3.source == Ref("ReceiptsBucket")  # type: ignore[attr-defined]
    assert s3.loc.line == line(ORDERS, "- Event: s3:ObjectCreated:*")  # type: ignore[attr-defined]
    notify = kinds("NotifyFunction")
    assert TriggerKind.SNS in notify and TriggerKind.COGNITO in notify
    assert notify[TriggerKind.COGNITO].properties == {"trigger": "PreSignUp"}  # type: ignore[attr-defined]


def test_failure_destination_and_log_groups(orders: App) -> None:
    receipt = orders.function("ReceiptFunction")
    create = orders.function("CreateOrderFunction")
    notify = orders.function("NotifyFunction")
    assert receipt is not None and create is not None and notify is not None
    assert receipt.on_failure == Ref("OrdersDLQ", "Arn")
    assert receipt.timeout == 900
    assert create.log_group == "CreateOrderLogs"
    assert notify.log_group == "NotifyLogs"


# --- APIs ------------------------------------------------------------------------------------


def test_rest_api_routes_auth_and_stage(orders: App) -> None:
    api = orders.apis["OrdersApi"]
    assert api.kind == "rest" and api.name == "orders-api"
    assert api.endpoint_type == "REGIONAL"
    routes = {r.name: r for r in api.routes}
    assert set(routes) == {"POST /orders", "GET /orders/{id}"}
    post = routes["POST /orders"]
    assert post.authorizer.kind is AuthKind.COGNITO
    assert post.authorizer.name == "customers-cognito"
    assert post.function == "CreateOrderFunction"
    assert post.loc.line == line(ORDERS, "  CreateOrderMethod:")
    get = routes["GET /orders/{id}"]
    assert get.authorizer.is_none and get.api_key_required
    assert get.function == "CreateOrderFunction"  # through Fn::Join
    assert (api.throttling_rate, api.throttling_burst) == (100, 50)
    assert api.lines["throttling_rate"] == line(ORDERS, "ThrottlingRateLimit: 100")
    assert api.access_logging is True and api.tracing is True
    assert api.waf is True
    assert api.min_tls == "TLS_1_0"  # domain without SecurityPolicy


def test_http_api(orders: App) -> None:
    api = orders.apis["PublicApi"]
    assert api.kind == "http"
    routes = {r.name: r for r in api.routes}
    assert routes["GET /orders"].authorizer.is_none
    assert routes["GET /orders"].function == "CreateOrderFunction"
    admin = routes["DELETE /orders/{id}"]
    assert admin.authorizer.kind is AuthKind.JWT and admin.authorizer.name == "jwt"
    assert admin.function == "CreateOrderFunction"
    assert api.cors is not None and api.cors.allow_credentials is True
    assert (api.throttling_rate, api.throttling_burst) == (20, 10)
    assert api.access_logging is False
    assert api.waf is None and api.tracing is None
    http_triggers = [t for t in orders.function("CreateOrderFunction").triggers  # type: ignore[union-attr]
                     if t.kind is TriggerKind.HTTP_API]
    assert {t.route.name for t in http_triggers if t.route} == {"GET /orders",
                                                                 "DELETE /orders/{id}"}


# --- typed resources -------------------------------------------------------------------------


def test_storage_resources(orders: App) -> None:
    table = orders.resources["OrdersTable"]
    assert isinstance(table, Table)
    assert (table.name, table.pitr, table.billing_mode, table.stream) == (
        "orders-dev", True, "PAY_PER_REQUEST", "NEW_AND_OLD_IMAGES")
    assert table.sse_enabled is None
    bucket = orders.resources["ReceiptsBucket"]
    assert isinstance(bucket, Bucket)
    assert (bucket.encryption, bucket.kms_key, bucket.versioning) == (
        "aws:kms", Ref("DataKey"), True)
    assert bucket.public_access_block == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                          "IgnorePublicAcls": True,
                                          "RestrictPublicBuckets": False}
    assert bucket.policy is not None and bucket.policy.statements[0].sid == "TlsOnly"
    assert bucket.lines["versioning"] == line(ORDERS, "VersioningConfiguration:")


def test_messaging_and_key_resources(orders: App) -> None:
    queue = orders.resources["OrdersQueue"]
    dlq = orders.resources["OrdersDLQ"]
    assert isinstance(queue, Queue) and isinstance(dlq, Queue)
    assert queue.sqs_managed_sse is True and queue.dead_letter == Ref("OrdersDLQ", "Arn")
    assert dlq.kms_key == "alias/aws/sqs"
    assert queue.policy is not None
    assert queue.policy.statements[0].principals == {"*": ("*",)}
    topic = orders.resources["OrderEvents"]
    assert isinstance(topic, Topic) and topic.kms_key is None
    key = orders.resources["DataKey"]
    assert isinstance(key, Key) and key.rotation is True
    assert key.policy is not None and key.policy.statements[0].actions == ("kms:*",)
    secret = orders.resources["DbSecret"]
    assert isinstance(secret, Secret) and secret.rotation is True
    assert secret.kms_key == Ref("DataKey")


def test_logs_pool_layer(orders: App) -> None:
    logs = orders.resources["CreateOrderLogs"]
    assert isinstance(logs, LogGroup) and logs.retention_days == 7
    api_logs = orders.resources["ApiLogs"]
    assert isinstance(api_logs, LogGroup) and api_logs.retention_days == 30
    pool = orders.resources["CustomerPool"]
    assert isinstance(pool, UserPool)
    assert pool.min_password_length == 6 and pool.mfa == "OFF"
    assert pool.require == {"RequireUppercase": False, "RequireNumbers": True}
    assert pool.client_writable_attributes == {"WebClient": ("custom:tier",)}
    assert pool.lines["min_password_length"] == line(ORDERS, "MinimumLength: 6")
    layer = orders.resources["SharedLayer"]
    assert isinstance(layer, Layer) and layer.compatible_runtimes == ("python3.12",)


def test_generic_resources_keep_resolved_properties(orders: App) -> None:
    rule = orders.resources["NightlyRule"]
    assert rule.type == "AWS::Events::Rule"
    assert rule.properties["Targets"][0]["Arn"] == Ref("WorkerFunction", "Arn")


# --- JSON ------------------------------------------------------------------------------------


def test_json_template_has_lines() -> None:
    app = _load(PAYMENTS)
    assert app.format == "cloudformation" and app.name == "payments"
    fn = app.function("WebhookFunction")
    assert fn is not None
    assert fn.name == "payments-webhook-staging"
    assert fn.code_path == "cfn/handlers/webhook"
    assert fn.lines["timeout"] == line(PAYMENTS, '"Timeout": 30')
    assert fn.env_lines["STRIPE_KEY"] == line(PAYMENTS, '"STRIPE_KEY"')
    assert fn.environment["MODE"] == "test"
    assert fn.log_group == "WebhookLogs"
    role = app.roles["WebhookRole"]
    (policy,) = role.policies
    assert policy.statements[1].not_actions == ("iam:*",)
    assert policy.statements[1].loc.line == line(PAYMENTS, '"NotAction"')
    api = app.apis["WebhookApi"]
    (route,) = api.routes
    assert route.name == "ANY $default" and route.function == "WebhookFunction"
    (perm,) = app.permissions
    assert perm.function == "WebhookFunction"  # linked by physical name


# --- errors and edge cases -------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_no_resources_is_a_load_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nOutputs: {}\n")
    with pytest.raises(LoadError) as err:
        load(path, LoadOptions(root=tmp_path))
    assert err.value.file == "t.yaml"
    assert "no Resources" in err.value.message


@pytest.mark.parametrize("text", ["- a\n- b\n", "", "Resources: [1, 2]\n"])
def test_not_a_template(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, "t.yaml", text)
    with pytest.raises(LoadError):
        load(path, LoadOptions(root=tmp_path))


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.yaml", "Resources:\n  Fn:\n    Type: [unclosed\n")
    with pytest.raises(LoadError) as err:
        load(path, LoadOptions(root=tmp_path))
    assert err.value.file == "t.yaml" and err.value.line is not None


def test_bad_resources_become_diagnostics(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.yaml", """Resources:
  NoType:
    Properties: {}
  Weird: 5
  Fn:
    Type: AWS::Lambda::Function
    Properties: !If [Nope, {}, {}]
  Loop:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt Loop.Arn
      Environment:
        Variables: !ImportValue shared-env
""")
    app = load(path, LoadOptions(root=tmp_path))[0]
    messages = [d.message for d in app.diagnostics]
    assert any("NoType" in m for m in messages)
    assert any("Weird" in m for m in messages)
    assert any("Fn: properties could not be read" in m for m in messages)
    assert app.function("Fn") is not None
    loop = app.function("Loop")
    assert loop is not None and loop.environment == {}
    assert any("environment variables could not be resolved" in m for m in messages)


def test_deeply_nested_properties_do_not_crash(tmp_path: Path) -> None:
    nested = "x"
    for _ in range(180):
        nested = "{'Fn::Base64': " + nested + "}"
    path = _write(tmp_path, "t.yaml", f"Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
                                      f"    Properties:\n      Handler: {nested}\n")
    app = load(path, LoadOptions(root=tmp_path))[0]
    fn = app.function("Fn")
    assert fn is not None and isinstance(fn.handler, Unresolved)


def test_code_path_outside_the_tree_is_not_followed(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.yaml", """Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code: ../../etc
""")
    app = load(path, LoadOptions(root=tmp_path))[0]
    assert app.function("Fn").code_path is None  # type: ignore[union-attr]
    assert any("outside the scanned tree" in d.message for d in app.diagnostics)


# --- build_app for embedding loaders -----------------------------------------------------------


def test_build_app_with_aliases_reports_external_links() -> None:
    template = load_yaml("""Resources:
  UploadsBucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:*
            Function: !GetAtt HelloLambdaFunction.Arn
  ExtraPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref IamRoleLambdaExecution]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:*
            Resource: "*"
  HelloPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref HelloLambdaFunction
      Action: lambda:InvokeFunction
      Principal: "*"
""")[0]
    parts = build_app(template, "serverless.yml", LoadOptions(root=ROOT), name="svc",
                      fmt="serverless", root=".",
                      aliases={"HelloLambdaFunction": "hello",
                               "IamRoleLambdaExecution": "IamRoleLambdaExecution"})
    assert parts.functions == {} and parts.roles == {}
    (trigger,) = parts.external_triggers["hello"]
    assert trigger.kind is TriggerKind.S3 and trigger.loc.line == 7
    (policy,) = parts.external_policies["IamRoleLambdaExecution"]
    assert policy.statements[0].actions == ("s3:*",)
    (perm,) = parts.permissions
    assert perm.function == "hello"
    assert isinstance(parts.resources["UploadsBucket"], Bucket)


def test_build_app_requires_resources() -> None:
    with pytest.raises(LoadError):
        build_app({"Outputs": {}}, "x.yml", LoadOptions(root=ROOT), name="x",
                  fmt="cloudformation", root=".")


def test_parameter_specs_keep_declarations(orders: App) -> None:
    specs = orders.parameter_specs
    assert set(specs) == {"Stage", "AlertEmail", "ArtifactBucket", "DbPassword", "SubnetIds"}
    assert specs["DbPassword"].type == "AWS::SSM::Parameter::Value<String>"
    assert specs["DbPassword"].default == "/orders/db-password"
    assert specs["DbPassword"].loc.line == line(ORDERS, "  DbPassword:")
    assert specs["Stage"].lines["default"] == line(ORDERS, "Default: dev")
    assert specs["AlertEmail"].default is None and specs["AlertEmail"].no_echo is None


def test_more_sources_domains_and_usage_plans(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.yaml", """Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: fn, Handler: a.b, Runtime: python3.12}
  Events:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [aws.s3]}
      Targets:
        - Id: fn
          Arn: arn:aws:lambda:eu-west-1:123456789012:function:fn
  Stream:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: arn:aws:lambda:eu-west-1:123456789012:function:fn:live
      EventSourceArn: arn:aws:kinesis:eu-west-1:123456789012:stream/clicks
  Kafka:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: fn
      SelfManagedEventSource:
        Endpoints: {KafkaBootstrapServers: ["b1:9092"]}
  Alb:
    Type: AWS::ElasticLoadBalancingV2::TargetGroup
    Properties:
      TargetType: lambda
      Targets: [{Id: !GetAtt Fn.Arn}]
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: rest}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref Rest, Stage: prod}]
      Throttle: {RateLimit: 5, BurstLimit: 2}
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: http, ProtocolType: HTTP}
  Domain:
    Type: AWS::ApiGatewayV2::DomainName
    Properties:
      DomainName: api.example.com
      DomainNameConfigurations:
        - CertificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/x
  Mapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    Properties: {ApiId: !Ref Http, DomainName: api.example.com, Stage: $default}
""")
    app = load(path, LoadOptions(root=tmp_path))[0]
    fn = app.function("Fn")
    assert fn is not None
    kinds = {t.kind: t for t in fn.triggers}
    assert set(kinds) == {TriggerKind.EVENTBRIDGE, TriggerKind.KINESIS, TriggerKind.KAFKA,
                          TriggerKind.ALB}
    assert kinds[TriggerKind.EVENTBRIDGE].source == {"source": ["aws.s3"]}
    rest = app.apis["Rest"]
    # no route requires an API key, so the usage plan throttles no caller
    assert (rest.throttling_rate, rest.throttling_burst) == (None, None)
    assert rest.access_logging is False and rest.waf is False
    assert app.apis["Http"].min_tls == "TLS_1_2"


def test_duplicate_keys_warn_at_the_repeat(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.yaml", """Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 3
      Timeout: 900
""")
    app = load(path, LoadOptions(root=tmp_path))[0]
    assert app.function("Fn").timeout == 900  # type: ignore[union-attr]
    (warning,) = [d for d in app.diagnostics if "duplicate" in d.message]
    assert warning.level == "warning" and warning.loc.line == 6


def test_resources_must_be_a_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, "t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n"
                                      "Resources:\n  - Type: AWS::S3::Bucket\n")
    with pytest.raises(LoadError) as err:
        load(path, LoadOptions(root=tmp_path))
    assert err.value.line == 2 and "Resources is a list" in err.value.message


def test_usage_plan_throttles_an_api_whose_routes_require_keys(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("""\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: rest}
  Orders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Rest
      ResourceId: !GetAtt Rest.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      ApiKeyRequired: true
      Integration: {Type: MOCK}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref Rest, Stage: prod}]
      Throttle: {RateLimit: 5, BurstLimit: 2}
""")
    rest = load(path, LoadOptions(root=tmp_path))[0].apis["Rest"]
    assert (rest.throttling_rate, rest.throttling_burst) == (5, 2)
    assert rest.lines["throttling_rate"] == 19  # the Throttle line
