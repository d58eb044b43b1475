"""SDK operations to IAM actions and resources (faasguard.code.actions)."""

from __future__ import annotations

from typing import Any

import pytest

from faasguard.code.actions import (
    actions_for,
    iam_prefix,
    implicit_actions,
    operation_name,
    overrides,
    queue_arn,
    service_model,
)
from faasguard.code.facts import SdkCall, Target
from faasguard.iamdb import database
from faasguard.iampolicy import show
from faasguard.model import (
    App,
    Bucket,
    Function,
    Key,
    Location,
    Queue,
    Ref,
    Secret,
    Table,
    Trigger,
    TriggerKind,
    Unresolved,
)

AT = Location("src/app.py", 7)
TPL = Location("template.yaml", 1)
P = "arn:${AWS::Partition}"
R = "${AWS::Region}:${AWS::AccountId}"

APP = App("shop", TPL, "sam", resources={
    "Orders": Table("Orders", TPL, type="AWS::DynamoDB::Table"),
    "Named": Table("Named", TPL, type="AWS::DynamoDB::Table", name="named-table"),
    "Uploads": Bucket("Uploads", TPL, type="AWS::S3::Bucket", encryption="aws:kms",
                      kms_key=Ref("UploadKey", "Arn")),
    "Plain": Bucket("Plain", TPL, type="AWS::S3::Bucket"),
    "UploadKey": Key("UploadKey", TPL, type="AWS::KMS::Key"),
    "Jobs": Queue("Jobs", TPL, type="AWS::SQS::Queue", name="jobs"),
    "Db": Secret("Db", TPL, type="AWS::SecretsManager::Secret", kms_key=Ref("UploadKey")),
}, functions=(Function("Worker", TPL, name="worker-fn"),))


def pairs(service: str, operation: str, *targets: Target, **params: Any) -> set[tuple[str, str]]:
    call = SdkCall(service, operation, AT, targets=targets, params=params)
    return {(n.action, show(n.resource)) for n in actions_for(call, APP)}


def test_every_override_names_a_known_action_and_service() -> None:
    db = database()
    data = overrides()
    actions = [s["action"] for specs in data.operations.values() for s in specs]
    actions += [*data.transact_items.values(), *data.partiql.values()]
    actions += [a for group in data.implicit.values() for a in group]
    unknown = sorted({a for a in actions if not db.is_known(a)})
    assert unknown == []
    assert all(db.known_service(p) for p in data.service_prefixes.values())
    for key in data.operations:
        service, _, operation = key.partition(".")
        model = service_model(service)
        assert model is not None, key
        # transfer helpers are boto3 methods, not API operations
        assert operation in model.operations or operation in (
            "UploadFile", "UploadFileobj", "DownloadFile", "DownloadFileobj", "Copy"), key


def test_prefix_from_botocore_signing_name() -> None:
    assert iam_prefix("stepfunctions") == "states"
    assert iam_prefix("dynamodbstreams") == "dynamodb"
    assert iam_prefix("apigatewaymanagementapi") == "execute-api"
    assert iam_prefix("s3") == "s3"
    assert operation_name("list_objects_v2") == "ListObjectsV2"
    assert operation_name("PutItem") == "PutItem"


TABLE = Target(Ref("Orders"), "TableName", "TABLE")
BUCKET = Target(Ref("Plain"), "Bucket", "BUCKET")


@pytest.mark.parametrize(("service", "operation", "targets", "params", "expected"), [
    ("dynamodb", "PutItem", (TABLE,), {}, {("dynamodb:PutItem", "!GetAtt Orders.Arn")}),
    ("dynamodb", "TransactGetItems", (TABLE,), {}, {("dynamodb:GetItem", "!GetAtt Orders.Arn")}),
    ("dynamodb", "Query", (TABLE,), {"IndexName": "byUser"},
     {("dynamodb:Query", "${Orders.Arn}/index/byUser")}),
    ("dynamodb", "GetItem", (Target("named-table", "TableName"),), {},
     {("dynamodb:GetItem", "!GetAtt Named.Arn")}),
    ("dynamodb", "GetItem", (Target("other", "TableName"),), {},
     {("dynamodb:GetItem", f"{P}:dynamodb:{R}:table/other")}),
    ("lambda", "Invoke", (Target(Ref("Worker"), "FunctionName"),), {},
     {("lambda:InvokeFunction", "!GetAtt Worker.Arn")}),
    ("lambda", "Invoke", (Target("worker-fn", "FunctionName"),), {"Qualifier": "live"},
     {("lambda:InvokeFunction", "${Worker.Arn}:live")}),
    ("lambda", "Invoke", (Target("other-fn", "FunctionName"),), {"Qualifier": "3"},
     {("lambda:InvokeFunction", f"{P}:lambda:{R}:function:other-fn:3")}),
    ("sqs", "SendMessage",
     (Target("arn:aws:sqs:eu-west-1:123456789012:jobs", "QueueUrl"),), {},
     {("sqs:SendMessage", "!GetAtt Jobs.Arn")}),
    ("s3", "ListObjectsV2", (BUCKET,), {}, {("s3:ListBucket", "!GetAtt Plain.Arn")}),
    ("s3", "HeadBucket", (BUCKET,), {}, {("s3:ListBucket", "!GetAtt Plain.Arn")}),
    ("s3", "HeadObject", (BUCKET,), {}, {("s3:GetObject", "${Plain.Arn}/*")}),
    ("s3", "GetObject", (BUCKET,), {"VersionId": "v1"},
     {("s3:GetObjectVersion", "${Plain.Arn}/*")}),
    ("s3", "GetObject", (BUCKET, Target("a/b.json", "Key")), {},
     {("s3:GetObject", "${Plain.Arn}/a/b.json")}),
    ("s3", "CopyObject", (BUCKET,), {"CopySource": "src-bucket/in/x.csv"},
     {("s3:PutObject", "${Plain.Arn}/*"), ("s3:GetObject", f"{P}:s3:::src-bucket/in/x.csv")}),
    ("s3", "PutObject", (Target(Ref("Uploads"), "Bucket"),), {},
     {("s3:PutObject", "${Uploads.Arn}/*"), ("kms:GenerateDataKey", "!GetAtt UploadKey.Arn")}),
    ("s3", "PutObject", (BUCKET,), {"SSEKMSKeyId": "alias/aws/s3"},
     {("s3:PutObject", "${Plain.Arn}/*")}),
    ("sqs", "SendMessageBatch", (Target(Ref("Jobs"), "QueueUrl"),), {},
     {("sqs:SendMessage", "!GetAtt Jobs.Arn")}),
    ("sqs", "DeleteMessageBatch",
     (Target("https://sqs.eu-west-1.amazonaws.com/123456789012/other", "QueueUrl"),), {},
     {("sqs:DeleteMessage", "arn:aws:sqs:eu-west-1:123456789012:other")}),
    ("sqs", "ChangeMessageVisibilityBatch", (Target(Ref("Jobs"), "QueueUrl"),), {},
     {("sqs:ChangeMessageVisibility", "!GetAtt Jobs.Arn")}),
    ("sns", "PublishBatch", (Target("arn:aws:sns:eu-west-1:123456789012:t", "TopicArn"),), {},
     {("sns:Publish", "arn:aws:sns:eu-west-1:123456789012:t")}),
    ("kinesis", "PutRecords", (Target("clicks", "StreamName"),), {},
     {("kinesis:PutRecords", f"{P}:kinesis:{R}:stream/clicks")}),
    ("secretsmanager", "GetSecretValue", (Target("prod/db", "SecretId"),), {},
     {("secretsmanager:GetSecretValue", f"{P}:secretsmanager:{R}:secret:prod/db-??????")}),
    ("ssm", "GetParametersByPath", (Target("/app/config", "Path"),), {},
     {("ssm:GetParametersByPath", f"{P}:ssm:{R}:parameter/app/config")}),
    ("stepfunctions", "StartExecution",
     (Target("arn:aws:states:eu-west-1:123456789012:stateMachine:flow", "stateMachineArn"),), {},
     {("states:StartExecution", "arn:aws:states:eu-west-1:123456789012:stateMachine:flow")}),
    ("cognito-idp", "AdminDisableUser", (Target("eu-west-1_abc", "UserPoolId"),), {},
     {("cognito-idp:AdminDisableUser", f"{P}:cognito-idp:{R}:userpool/eu-west-1_abc")}),
    ("xray", "PutTraceSegments", (), {}, {("xray:PutTraceSegments", "*")}),
    ("secretsmanager", "GetSecretValue", (Target(Ref("Db"), "SecretId"),), {},
     {("secretsmanager:GetSecretValue", "!Ref Db"), ("kms:Decrypt", "!GetAtt UploadKey.Arn")}),
    ("s3", "GetObject", (Target(Ref("Uploads"), "Bucket"),), {},
     {("s3:GetObject", "${Uploads.Arn}/*"), ("kms:Decrypt", "!GetAtt UploadKey.Arn")}),
    ("sts", "GetCallerIdentity", (), {}, set()),
])
def test_operation_to_actions(service: str, operation: str, targets: tuple[Target, ...],
                              params: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert pairs(service, operation, *targets, **params) == expected


def test_partiql_verb_picks_the_action_and_the_table() -> None:
    assert pairs("dynamodb", "ExecuteStatement",
                 Statement='DELETE FROM "named-table" WHERE id = ?') == {
        ("dynamodb:PartiQLDelete", "!GetAtt Named.Arn")}
    call = SdkCall("dynamodb", "ExecuteStatement", AT, targets=(TABLE,),
                   params={"Statement": Unresolved("stmt", "built at run time")})
    found = actions_for(call, APP)
    assert {n.action for n in found} == {"dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert",
                                         "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"}
    assert not any(n.certain for n in found)


def test_transact_write_items_pairs_each_item_with_its_table() -> None:
    items = [{"Update": {"TableName": Ref("Orders")}}, {"Delete": {"TableName": "other"}}]
    assert pairs("dynamodb", "TransactWriteItems", TABLE, Target("other", "TableName"),
                 TransactItems=items) == {
        ("dynamodb:UpdateItem", "!GetAtt Orders.Arn"),
        ("dynamodb:DeleteItem", f"{P}:dynamodb:{R}:table/other")}


def test_unresolved_target_is_never_a_wildcard() -> None:
    call = SdkCall("dynamodb", "GetItem", AT, targets=(
        Target(Unresolved("os.environ[name]", "dynamic environment variable"), "TableName"),))
    (need,) = actions_for(call, APP)
    assert need.unresolved and need.resource != "*"
    assert "dynamic environment variable" in need.resource.reason  # type: ignore[union-attr]
    (missing,) = actions_for(SdkCall("dynamodb", "GetItem", AT), APP)
    assert missing.unresolved


def test_unknown_operation_is_reported_not_guessed() -> None:
    (need,) = actions_for(SdkCall("s3", "NoSuchOperation", AT), APP)
    assert need.unresolved and not need.certain


def test_ref_of_the_wrong_kind_is_unresolved() -> None:
    (need,) = actions_for(SdkCall("dynamodb", "GetItem", AT, targets=(
        Target(Ref("Jobs"), "TableName"),)), APP)
    assert need.unresolved and "AWS::SQS::Queue" in need.resource.reason  # type: ignore[union-attr]


def test_queue_urls() -> None:
    assert queue_arn("https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo") == \
        "arn:aws:sqs:us-east-1:123456789012:q.fifo"
    assert queue_arn("https://cn-north-1.queue.amazonaws.com.cn/123456789012/q") == \
        "arn:aws-cn:sqs:cn-north-1:123456789012:q"
    assert queue_arn("https://example.com/q") is None


def test_platform_needs() -> None:
    fn = Function("Fn", TPL, tracing="Active", vpc=True, dead_letter=Ref("Jobs", "Arn"),
                  triggers=(Trigger(TriggerKind.SQS, TPL, source=Ref("Jobs", "Arn")),
                            Trigger(TriggerKind.DYNAMODB_STREAM, TPL,
                                    source=Ref("Orders", "StreamArn"))))
    found = {(n.action, show(n.resource)) for n in implicit_actions(APP, fn)}
    log = f"{P}:logs:{R}:log-group:/aws/lambda/${{Fn}}:*"
    assert ("logs:PutLogEvents", log) in found
    assert ("xray:PutTraceSegments", "*") in found
    assert ("ec2:CreateNetworkInterface", "*") in found
    assert ("sqs:ReceiveMessage", "!GetAtt Jobs.Arn") in found
    assert ("sqs:SendMessage", "!GetAtt Jobs.Arn") in found  # the dead-letter queue
    assert ("dynamodb:GetRecords", "!GetAtt Orders.StreamArn") in found
    assert ("dynamodb:ListStreams", "*") in found
    quiet = Function("Quiet", TPL, name="quiet-fn")
    assert {n.action for n in implicit_actions(APP, quiet)} == {
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
