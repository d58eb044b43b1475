"""AWS SDK for JavaScript v2 and v3 calls -> SdkCall, with targets from the environment."""

from __future__ import annotations

from pathlib import Path

from jshelp import line_of, run

from faasguard.code.js.services import service_of_v2_class, service_of_v3_package
from faasguard.model.values import Ref, Unresolved


def ops(code) -> list[tuple[str, str, str]]:
    return [(c.service, c.operation, c.via) for c in code.sdk_calls]


def test_v2_clients_document_client_and_callbacks(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const AWS = require('aws-sdk');
        const ddb = new AWS.DynamoDB.DocumentClient();
        const sqs = new AWS.SQS({ region: 'eu-west-1' });
        const { TABLE } = process.env;
        exports.handler = async (event) => {
          await ddb.put({ TableName: TABLE, Item: event }).promise();
          await ddb.get({ TableName: TABLE, Key: { id: 1 } }).promise();
          await ddb.batchWrite({ RequestItems: { [TABLE]: [], audit: [] } }).promise();
          await ddb.transactWrite({ TransactItems: [{ Put: { TableName: 'ledger' } }] }).promise();
          sqs.sendMessage({ QueueUrl: process.env["QUEUE_URL"], MessageBody: 'x' }, (err) => {});
          await new AWS.Lambda().invoke({ FunctionName: 'worker' }).promise();
        };
    """}, environment={"TABLE": Ref("Orders"), "QUEUE_URL": Ref("Jobs")})
    assert ops(code) == [
        ("dynamodb", "PutItem", "client"), ("dynamodb", "GetItem", "client"),
        ("dynamodb", "BatchWriteItem", "client"), ("dynamodb", "TransactWriteItems", "client"),
        ("sqs", "SendMessage", "client"), ("lambda", "Invoke", "client"),
    ]
    put, _, batch, transact, send, invoke = code.sdk_calls
    assert put.language == "javascript"
    assert put.loc.line == line_of(tmp_path, "index.js", "ddb.put")
    assert [(t.value, t.param, t.env_var) for t in put.targets] == [
        (Ref("Orders"), "TableName", "TABLE")]
    assert [t.value for t in batch.targets] == [Ref("Orders"), "audit"]
    assert [t.value for t in transact.targets] == ["ledger"]
    assert send.targets[0].value == Ref("Jobs") and send.targets[0].env_var == "QUEUE_URL"
    assert invoke.targets[0].value == "worker"


def test_v2_client_modules_upload_presign_and_waiters(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const S3 = require('aws-sdk/clients/s3');
        const DynamoDB = require('aws-sdk/clients/dynamodb');
        const s3 = new S3();
        const doc = new DynamoDB.DocumentClient();
        const db = new DynamoDB();
        exports.handler = async () => {
          await s3.upload({ Bucket: 'up', Key: 'k', Body: 'x' }).promise();
          const url = s3.getSignedUrl('getObject', { Bucket: 'dl', Key: 'k' });
          await doc.scan({ TableName: 't', Limit: 10 }).promise();
          await db.waitFor('tableExists', { TableName: 't' }).promise();
          return url;
        };
    """})
    assert ops(code) == [
        ("s3", "PutObject", "transfer"), ("s3", "CreateMultipartUpload", "transfer"),
        ("s3", "UploadPart", "transfer"), ("s3", "CompleteMultipartUpload", "transfer"),
        ("s3", "AbortMultipartUpload", "transfer"), ("s3", "GetObject", "presign"),
        ("dynamodb", "Scan", "client"), ("dynamodb", "DescribeTable", "waiter"),
    ]
    assert not [i for i in code.issues if i.kind == "table-scan"]  # Limit given


def test_v3_commands_document_client_paginators_and_helpers(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.mjs": """
        import { S3Client, GetObjectCommand, paginateListObjectsV2, S3 } from '@aws-sdk/client-s3';
        import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
        import { DynamoDBDocumentClient, PutCommand, UpdateCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
        import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
        import { Upload } from '@aws-sdk/lib-storage';
        import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
        const s3 = new S3Client({});
        const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
        const aggregated = new S3({});
        const bucket = process.env.BUCKET;
        export const handler = async (event) => {
          await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `in/${event.id}`, VersionId: 'v1' }));
          await doc.send(new PutCommand({ TableName: process.env.TABLE, Item: {} }));
          const cmd = new UpdateCommand({ TableName: 'counters', Key: {} });
          await doc.send(cmd);
          await doc.send(new TransactWriteCommand({ TransactItems: [] }));
          for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: 'logs' })) {}
          await new Upload({ client: s3, params: { Bucket: 'big', Key: 'k', Body: 'b' } }).done();
          await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'share', Key: 'k' }));
          await aggregated.deleteObject({ Bucket: 'tmp', Key: 'k' });
          await new SFNClient({}).send(new StartExecutionCommand({ stateMachineArn: 'arn' }));
        };
    """}, entry="index.mjs", environment={"BUCKET": "data-bucket"})
    assert ops(code) == [
        ("s3", "GetObject", "command"), ("dynamodb", "PutItem", "command"),
        ("dynamodb", "UpdateItem", "command"), ("dynamodb", "TransactWriteItems", "command"),
        ("s3", "ListObjectsV2", "paginator"),
        *[("s3", op, "transfer") for op in ("PutObject", "CreateMultipartUpload", "UploadPart",
                                             "CompleteMultipartUpload", "AbortMultipartUpload")],
        ("s3", "GetObject", "presign"), ("s3", "DeleteObject", "client"),
        ("stepfunctions", "StartExecution", "command"),
    ]
    get = code.sdk_calls[0]
    assert get.targets[0].value == "data-bucket" and get.targets[0].env_var == "BUCKET"
    assert isinstance(get.targets[1].value, Unresolved)  # Key built from the event
    assert get.params == {"VersionId": "v1"}
    put = code.sdk_calls[1]
    assert isinstance(put.targets[0].value, Unresolved)  # TABLE not in the environment
    assert put.targets[0].env_var == "TABLE"
    assert [t.value for t in code.sdk_calls[5].targets[:1]] == ["big"]


def test_targets_through_constants_templates_and_project_modules(tmp_path: Path) -> None:
    code = run(tmp_path, {
        "src/index.ts": """
            import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
            import { TOPIC, QUEUE } from './config';
            const client = new SNSClient({});
            const REGION = 'eu-west-1';
            export const handler = async (): Promise<void> => {
              await client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' }));
              await client.send(new PublishCommand({ TopicArn: `arn:aws:sns:${REGION}:1:t`, Message: 'x' }));
              await client.send(new PublishCommand({ TopicArn: `arn:aws:sns:${process.env.AWS_REGION}:1:t` }));
              await client.send(new PublishCommand({ TargetArn: QUEUE }));
            };
        """,
        "src/config.ts": """
            export const TOPIC = process.env.TOPIC_ARN as string;
            export const QUEUE = 'arn:aws:sns:eu-west-1:1:q';
        """,
    }, entry="src/index.ts", environment={"TOPIC_ARN": Ref("Topic")}, code_dir="src")
    values = [c.targets[0].value for c in code.sdk_calls]
    assert values[0] == Ref("Topic")
    assert values[1] == "arn:aws:sns:eu-west-1:1:t"
    assert isinstance(values[2], Unresolved)
    assert values[3] == "arn:aws:sns:eu-west-1:1:q"


def test_dynamic_clients_and_operations_are_unknown(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const AWS = require('aws-sdk');
        exports.handler = async (event) => {
          const client = new AWS[event.service]();
          const s3 = new AWS.S3();
          await s3[event.op]({ Bucket: 'b' }).promise();
        };
    """})
    assert code.sdk_calls == ()
    assert sorted(u.what for u in code.unknowns) == ["dynamic client name",
                                                     "operation name from a variable"]
    assert all(u.loc.file == "index.js" and u.loc.line for u in code.unknowns)


def test_table_scan_issue_for_unbounded_scans(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const { DynamoDBClient, ScanCommand } = require('@aws-sdk/client-dynamodb');
        const c = new DynamoDBClient({});
        exports.handler = async () => {
          await c.send(new ScanCommand({ TableName: 'all' }));
          await c.send(new ScanCommand({ TableName: 'page', Limit: 20 }));
        };
    """})
    scans = [i for i in code.issues if i.kind == "table-scan"]
    assert [i.loc.line for i in scans] == [line_of(tmp_path, "index.js", "'all'")]


def test_service_names_follow_botocore() -> None:
    assert service_of_v3_package("@aws-sdk/client-cognito-identity-provider") == "cognito-idp"
    assert service_of_v3_package("@aws-sdk/client-sfn") == "stepfunctions"
    assert service_of_v3_package("@aws-sdk/client-eventbridge") == "events"
    assert service_of_v3_package("@aws-sdk/client-cloudwatch-logs") == "logs"
    assert service_of_v3_package("@aws-sdk/client-secrets-manager") == "secretsmanager"
    assert service_of_v3_package("@aws-sdk/client-api-gateway") == "apigateway"
    assert service_of_v3_package("@aws-sdk/client-dynamodb-streams") == "dynamodbstreams"
    assert service_of_v3_package("@aws-sdk/lib-dynamodb") is None
    assert service_of_v2_class("CognitoIdentityServiceProvider") == "cognito-idp"
    assert service_of_v2_class("SecretsManager") == "secretsmanager"
    assert service_of_v2_class("StepFunctions") == "stepfunctions"


def test_clients_in_classes_and_xray_wrapped_sdk(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.ts": """
        import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
        import * as AWSXRay from 'aws-xray-sdk-core';
        const AWS = AWSXRay.captureAWS(require('aws-sdk'));
        class Repo {
          private sqs = new SQSClient({});
          private db;
          constructor() { this.db = new AWS.DynamoDB.DocumentClient(); }
          async save(item: object) {
            await this.db.put({ TableName: 'items', Item: item }).promise();
            await this.sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: '' }));
          }
        }
        export const handler = async () => new Repo().save({});
    """}, entry="index.ts")
    assert ops(code) == [("dynamodb", "PutItem", "client"), ("sqs", "SendMessage", "command")]


def test_sdk_helpers_that_are_not_clients_make_no_calls(tmp_path: Path) -> None:
    code = run(tmp_path, {"index.js": """
        const AWS = require('aws-sdk');
        const Idp = require('aws-sdk/clients/cognitoidentityserviceprovider');
        const creds = new AWS.SharedIniFileCredentials({ profile: 'x' });
        const endpoint = new AWS.Endpoint('http://localhost:8000');
        exports.handler = async () => {
          await creds.getPromise();
          await new Idp().adminGetUser({ UserPoolId: 'p', Username: 'u' }).promise();
        };
    """})
    assert ops(code) == [("cognito-idp", "AdminGetUser", "client")]
    assert code.sdk_calls[0].targets[0].value == "p"
