"""Generate a deterministic synthetic corpus of serverless apps for benchmarks.

Each app is one folder holding one definition file in one of four formats
(serverless.yml, SAM template.yaml, plain CloudFormation YAML, plain CloudFormation
JSON) plus a small handler file. Every app has about ten functions, each with IAM
statements, events, environment variables and a few resources, in a realistic mix
of good and bad settings. The same seed always gives byte-identical files, so two
tools (or two runs) are timed on exactly the same input.

    python benchmarks/gen_corpus.py OUT_DIR [--apps 500] [--seed 20240601]
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FORMATS = ("serverless", "sam", "cfn-yaml", "cfn-json")

RUNTIMES_GOOD = ("python3.12", "python3.13", "nodejs22.x", "nodejs24.x", "java21")
RUNTIMES_OLD = ("python3.7", "python3.8", "nodejs14.x", "nodejs16.x", "nodejs20.x", "go1.x")
SERVICES = ("dynamodb", "s3", "sqs", "sns", "secretsmanager", "kms", "events", "ses")
SCOPED_ACTIONS = {
    "dynamodb": ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"),
    "s3": ("s3:GetObject", "s3:PutObject"),
    "sqs": ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"),
    "sns": ("sns:Publish",),
    "secretsmanager": ("secretsmanager:GetSecretValue",),
    "kms": ("kms:Decrypt",),
    "events": ("events:PutEvents",),
    "ses": ("ses:SendEmail",),
}
NOUNS = ("order", "invoice", "user", "cart", "payment", "report", "image", "ticket",
         "stock", "review", "coupon", "shipment", "profile", "search", "audit", "webhook")
VERBS = ("create", "get", "list", "update", "delete", "process", "sync", "export", "notify")


@dataclass(frozen=True, slots=True)
class Env:
    """One environment variable: name and value (the value may be a fake secret)."""

    name: str
    value: Any


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    """"http", "httpApi", "sqs", "s3", "schedule", "sns"."""
    path: str = ""
    method: str = "get"
    authorized: bool = False


@dataclass(frozen=True, slots=True)
class Fn:
    key: str
    """camelCase key (serverless.yml); the CloudFormation id is its PascalCase form."""
    runtime: str
    timeout: int
    memory: int
    env: tuple[Env, ...]
    events: tuple[Event, ...]
    statements: tuple[dict[str, Any], ...]
    own_role: bool
    url_auth: str | None
    reserved: int | None
    tracing: bool

    @property
    def logical_id(self) -> str:
        return self.key[0].upper() + self.key[1:]


@dataclass(frozen=True, slots=True)
class AppSpec:
    name: str
    functions: tuple[Fn, ...]
    bucket_encrypted: bool
    bucket_public_block: bool
    table_pitr: bool
    queue_encrypted: bool
    topic_encrypted: bool
    log_retention: bool
    public_permission: bool
    shared_statements: tuple[dict[str, Any], ...]


def _fake_secret(rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    kind = rng.choice(("stripe", "aws", "password", "token"))
    if kind == "stripe":
        return "sk_live_" + "".join(rng.choice(alphabet) for _ in range(32))
    if kind == "aws":
        return "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    if kind == "password":
        return "".join(rng.choice(alphabet + "!#%&*") for _ in range(18))
    return "ghp_" + "".join(rng.choice(alphabet) for _ in range(36))


def _env(rng: random.Random, index: int, fmt: str) -> tuple[Env, ...]:
    out = [Env("LOG_LEVEL", rng.choice(("INFO", "DEBUG", "WARNING"))),
           Env("POWERTOOLS_SERVICE_NAME", f"svc-{index}")]
    if rng.random() < 0.5:
        out.append(Env("BUILD_COMMIT", "".join(rng.choice("0123456789abcdef") for _ in range(40))))
    if rng.random() < 0.3:
        out.append(Env("REQUEST_ID_NAMESPACE",
                       "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n))
                                for n in (8, 4, 4, 4, 12))))
    roll = rng.random()
    if roll < 0.15:
        name = rng.choice(("API_KEY", "DB_PASSWORD", "STRIPE_SECRET_KEY", "GITHUB_TOKEN"))
        out.append(Env(name, _fake_secret(rng)))
    elif roll < 0.45:
        ref = (f"${{ssm:/app{index}/db-password}}" if fmt == "serverless"
               else f"{{{{resolve:secretsmanager:app{index}/db:SecretString:password}}}}")
        out.append(Env("DB_PASSWORD", ref))
    return tuple(out)


def _statements(rng: random.Random) -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for service in rng.sample(SERVICES, rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.08:
            action: Any = "*"
        elif roll < 0.25:
            action = f"{service}:*"
        else:
            action = list(rng.sample(SCOPED_ACTIONS[service],
                                     rng.randint(1, len(SCOPED_ACTIONS[service]))))
        resource = ("*" if rng.random() < 0.3
                    else f"arn:aws:{service}:eu-west-1:123456789012:app-{rng.randint(1, 999)}")
        out.append({"Effect": "Allow", "Action": action, "Resource": resource})
    if rng.random() < 0.05:
        out.append({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"})
    return tuple(out)


def _events(rng: random.Random, noun: str, verb: str) -> tuple[Event, ...]:
    roll = rng.random()
    if roll < 0.35:
        return (Event("http", f"/{noun}s/{{id}}", rng.choice(("get", "post", "put")),
                      authorized=rng.random() < 0.6),)
    if roll < 0.55:
        return (Event("httpApi", f"/{noun}s/{verb}", rng.choice(("get", "post")),
                      authorized=rng.random() < 0.7),)
    if roll < 0.7:
        return (Event("sqs"),)
    if roll < 0.8:
        return (Event("s3"),)
    if roll < 0.9:
        return (Event("schedule"),)
    return (Event("sns"),)


def make_spec(rng: random.Random, index: int, fmt: str) -> AppSpec:
    functions = []
    used: set[str] = set()
    for _ in range(rng.randint(8, 12)):
        noun, verb = rng.choice(NOUNS), rng.choice(VERBS)
        key = f"{verb}{noun.capitalize()}"
        while key in used:
            key += "X"
        used.add(key)
        functions.append(Fn(
            key=key,
            runtime=rng.choice(RUNTIMES_OLD) if rng.random() < 0.15 else rng.choice(RUNTIMES_GOOD),
            timeout=rng.choice((6, 10, 30, 60, 900)),
            memory=rng.choice((128, 256, 512, 1024)),
            env=_env(rng, index, fmt),
            events=_events(rng, noun, verb),
            statements=_statements(rng),
            own_role=rng.random() < 0.5,
            url_auth=rng.choice(("NONE", "AWS_IAM")) if rng.random() < 0.1 else None,
            reserved=rng.choice((5, 10, 50)) if rng.random() < 0.3 else None,
            tracing=rng.random() < 0.5,
        ))
    return AppSpec(
        name=f"app-{index:04d}",
        functions=tuple(functions),
        bucket_encrypted=rng.random() < 0.6,
        bucket_public_block=rng.random() < 0.6,
        table_pitr=rng.random() < 0.5,
        queue_encrypted=rng.random() < 0.7,
        topic_encrypted=rng.random() < 0.5,
        log_retention=rng.random() < 0.5,
        public_permission=rng.random() < 0.2,
        shared_statements=_statements(rng),
    )


# --- CloudFormation resources shared by all formats ------------------------------------


def _data_resources(spec: AppSpec) -> dict[str, Any]:
    bucket: dict[str, Any] = {"BucketName": f"{spec.name}-data"}
    if spec.bucket_encrypted:
        bucket["BucketEncryption"] = {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}
    if spec.bucket_public_block:
        bucket["PublicAccessBlockConfiguration"] = {
            "BlockPublicAcls": True, "BlockPublicPolicy": True,
            "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    table: dict[str, Any] = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    }
    if spec.table_pitr:
        table["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    queue: dict[str, Any] = {"VisibilityTimeout": 60}
    if spec.queue_encrypted:
        queue["KmsMasterKeyId"] = "alias/aws/sqs"
    else:
        queue["SqsManagedSseEnabled"] = False
    topic: dict[str, Any] = {"TopicName": f"{spec.name}-events"}
    if spec.topic_encrypted:
        topic["KmsMasterKeyId"] = "alias/aws/sns"
    log_group: dict[str, Any] = {"LogGroupName": f"/aws/app/{spec.name}"}
    if spec.log_retention:
        log_group["RetentionInDays"] = 30
    return {
        "DataBucket": {"Type": "AWS::S3::Bucket", "Properties": bucket},
        "DataTable": {"Type": "AWS::DynamoDB::Table", "Properties": table},
        "WorkQueue": {"Type": "AWS::SQS::Queue", "Properties": queue},
        "EventsTopic": {"Type": "AWS::SNS::Topic", "Properties": topic},
        "AppLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": log_group},
    }


def _public_permission(spec: AppSpec, function_ref: Any) -> dict[str, Any]:
    return {"PublicInvoke": {"Type": "AWS::Lambda::Permission", "Properties": {
        "Action": "lambda:InvokeFunction", "FunctionName": function_ref, "Principal": "*"}}}


def _handler(fn: Fn) -> str:
    if fn.runtime.startswith("java"):
        return "example.Handler::handleRequest"
    return "handler.main" if fn.runtime.startswith(("python", "nodejs")) else "bootstrap"


# --- serverless.yml ---------------------------------------------------------------------


def serverless_doc(spec: AppSpec) -> dict[str, Any]:
    functions: dict[str, Any] = {}
    for fn in spec.functions:
        body: dict[str, Any] = {"handler": f"src/{_handler(fn)}", "runtime": fn.runtime,
                                "timeout": fn.timeout, "memorySize": fn.memory,
                                "environment": {e.name: e.value for e in fn.env}}
        if fn.own_role:
            body["iamRoleStatements"] = list(fn.statements)
        if fn.url_auth:
            body["url"] = True if fn.url_auth == "NONE" else {"authorizer": "aws_iam"}
        if fn.reserved is not None:
            body["reservedConcurrency"] = fn.reserved
        events: list[Any] = []
        for ev in fn.events:
            if ev.kind == "http":
                http: dict[str, Any] = {"path": ev.path.lstrip("/"), "method": ev.method}
                if ev.authorized:
                    http["authorizer"] = "aws_iam"
                events.append({"http": http})
            elif ev.kind == "httpApi":
                api: dict[str, Any] = {"path": ev.path, "method": ev.method}
                if ev.authorized:
                    api["authorizer"] = {"name": "jwtAuth"}
                events.append({"httpApi": api})
            elif ev.kind == "sqs":
                events.append({"sqs": {"arn": {"Fn::GetAtt": ["WorkQueue", "Arn"]},
                                       "batchSize": 10}})
            elif ev.kind == "s3":
                events.append({"s3": {"bucket": f"{spec.name}-data", "existing": True,
                                      "event": "s3:ObjectCreated:*"}})
            elif ev.kind == "schedule":
                events.append({"schedule": "rate(1 hour)"})
            else:
                events.append({"sns": {"arn": {"Ref": "EventsTopic"}, "topicName": "events"}})
        if events:
            body["events"] = events
        functions[fn.key] = body
    resources = _data_resources(spec)
    if spec.public_permission:
        first = spec.functions[0]
        resources.update(_public_permission(
            spec, {"Fn::GetAtt": [f"{first.logical_id}LambdaFunction", "Arn"]}))
    return {
        "service": spec.name,
        "frameworkVersion": "3",
        "plugins": ["serverless-iam-roles-per-function"],
        "provider": {
            "name": "aws", "runtime": "python3.12", "region": "eu-west-1",
            "stage": "${opt:stage, 'dev'}",
            "tracing": {"lambda": any(f.tracing for f in spec.functions)},
            "httpApi": {"authorizers": {"jwtAuth": {
                "type": "jwt", "identitySource": "$request.header.Authorization",
                "issuerUrl": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
                "audience": ["example-client"]}}},
            "iam": {"role": {"statements": list(spec.shared_statements)}},
        },
        "functions": functions,
        "resources": {"Resources": resources},
    }


# --- SAM ----------------------------------------------------------------------------------


def sam_doc(spec: AppSpec) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "SharedRole": _role(spec.shared_statements),
        "HttpApi": {"Type": "AWS::Serverless::HttpApi", "Properties": {"Auth": {"Authorizers": {
            "JwtAuth": {"IdentitySource": "$request.header.Authorization",
                        "JwtConfiguration": {
                            "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ex",
                            "audience": ["example-client"]}}}}}},
    }
    for fn in spec.functions:
        props: dict[str, Any] = {
            "Handler": _handler(fn), "Runtime": fn.runtime, "CodeUri": "src/",
            "Timeout": fn.timeout, "MemorySize": fn.memory,
            "Environment": {"Variables": {e.name: e.value for e in fn.env}},
        }
        if fn.own_role:
            props["Policies"] = [{"Statement": list(fn.statements)}]
        else:
            props["Role"] = {"Fn::GetAtt": ["SharedRole", "Arn"]}
        if fn.url_auth:
            props["FunctionUrlConfig"] = {"AuthType": fn.url_auth}
        if fn.reserved is not None:
            props["ReservedConcurrentExecutions"] = fn.reserved
        if fn.tracing:
            props["Tracing"] = "Active"
        events: dict[str, Any] = {}
        for number, ev in enumerate(fn.events):
            name = f"Ev{number}"
            if ev.kind == "http":
                api: dict[str, Any] = {"Path": ev.path, "Method": ev.method}
                if ev.authorized:
                    api["Auth"] = {"Authorizer": "AWS_IAM"}
                events[name] = {"Type": "Api", "Properties": api}
            elif ev.kind == "httpApi":
                http: dict[str, Any] = {"ApiId": {"Ref": "HttpApi"}, "Path": ev.path,
                                        "Method": ev.method}
                if ev.authorized:
                    http["Auth"] = {"Authorizer": "JwtAuth"}
                events[name] = {"Type": "HttpApi", "Properties": http}
            elif ev.kind == "sqs":
                events[name] = {"Type": "SQS", "Properties": {
                    "Queue": {"Fn::GetAtt": ["WorkQueue", "Arn"]}, "BatchSize": 10}}
            elif ev.kind == "s3":
                events[name] = {"Type": "S3", "Properties": {
                    "Bucket": {"Ref": "DataBucket"}, "Events": "s3:ObjectCreated:*"}}
            elif ev.kind == "schedule":
                events[name] = {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}
            else:
                events[name] = {"Type": "SNS", "Properties": {"Topic": {"Ref": "EventsTopic"}}}
        if events:
            props["Events"] = events
        resources[fn.logical_id] = {"Type": "AWS::Serverless::Function", "Properties": props}
    resources.update(_data_resources(spec))
    if spec.public_permission:
        resources.update(_public_permission(
            spec, {"Fn::GetAtt": [spec.functions[0].logical_id, "Arn"]}))
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Transform": "AWS::Serverless-2016-10-31",
            "Description": f"{spec.name} (synthetic benchmark app)",
            "Resources": resources}


# --- plain CloudFormation --------------------------------------------------------------------


def _role(statements: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    return {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": [
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
        "Policies": [{"PolicyName": "app", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": list(statements)}}],
    }}


def cfn_doc(spec: AppSpec) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "SharedRole": _role(spec.shared_statements),
        "HttpApi": {"Type": "AWS::ApiGatewayV2::Api",
                    "Properties": {"Name": spec.name, "ProtocolType": "HTTP"}},
        "JwtAuthorizer": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": {"Ref": "HttpApi"}, "AuthorizerType": "JWT", "Name": "jwt",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Issuer": "https://issuer.example.com",
                                 "Audience": ["example-client"]}}},
        "HttpStage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
            "ApiId": {"Ref": "HttpApi"}, "StageName": "$default", "AutoDeploy": True}},
    }
    for fn in spec.functions:
        lid = fn.logical_id
        role_id = f"{lid}Role" if fn.own_role else "SharedRole"
        if fn.own_role:
            resources[role_id] = _role(fn.statements)
        props: dict[str, Any] = {
            "Handler": _handler(fn), "Runtime": fn.runtime,
            "Code": {"S3Bucket": f"{spec.name}-artifacts", "S3Key": f"{lid}.zip"},
            "Role": {"Fn::GetAtt": [role_id, "Arn"]},
            "Timeout": fn.timeout, "MemorySize": fn.memory,
            "Environment": {"Variables": {e.name: e.value for e in fn.env}},
        }
        if fn.reserved is not None:
            props["ReservedConcurrentExecutions"] = fn.reserved
        if fn.tracing:
            props["TracingConfig"] = {"Mode": "Active"}
        resources[lid] = {"Type": "AWS::Lambda::Function", "Properties": props}
        if fn.url_auth:
            resources[f"{lid}Url"] = {"Type": "AWS::Lambda::Url", "Properties": {
                "TargetFunctionArn": {"Fn::GetAtt": [lid, "Arn"]}, "AuthType": fn.url_auth}}
        for number, ev in enumerate(fn.events):
            if ev.kind in ("http", "httpApi"):
                resources[f"{lid}Integration{number}"] = {
                    "Type": "AWS::ApiGatewayV2::Integration", "Properties": {
                        "ApiId": {"Ref": "HttpApi"}, "IntegrationType": "AWS_PROXY",
                        "IntegrationUri": {"Fn::GetAtt": [lid, "Arn"]},
                        "PayloadFormatVersion": "2.0"}}
                route: dict[str, Any] = {
                    "ApiId": {"Ref": "HttpApi"},
                    "RouteKey": f"{ev.method.upper()} {ev.path}",
                    "Target": {"Fn::Join": ["/", ["integrations",
                                                  {"Ref": f"{lid}Integration{number}"}]]},
                    "AuthorizationType": "JWT" if ev.authorized else "NONE"}
                if ev.authorized:
                    route["AuthorizerId"] = {"Ref": "JwtAuthorizer"}
                resources[f"{lid}Route{number}"] = {"Type": "AWS::ApiGatewayV2::Route",
                                                    "Properties": route}
                resources[f"{lid}ApiInvoke{number}"] = {
                    "Type": "AWS::Lambda::Permission", "Properties": {
                        "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": lid},
                        "Principal": "apigateway.amazonaws.com",
                        "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:"
                                                 "${AWS::AccountId}:${HttpApi}/*"}}}
            elif ev.kind == "sqs":
                resources[f"{lid}Mapping{number}"] = {
                    "Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                        "EventSourceArn": {"Fn::GetAtt": ["WorkQueue", "Arn"]},
                        "FunctionName": {"Ref": lid}, "BatchSize": 10}}
            elif ev.kind == "schedule":
                resources[f"{lid}Schedule{number}"] = {"Type": "AWS::Events::Rule", "Properties": {
                    "ScheduleExpression": "rate(1 hour)",
                    "Targets": [{"Arn": {"Fn::GetAtt": [lid, "Arn"]}, "Id": "fn"}]}}
            else:
                source = "sns.amazonaws.com" if ev.kind == "sns" else "s3.amazonaws.com"
                resources[f"{lid}Invoke{number}"] = {
                    "Type": "AWS::Lambda::Permission", "Properties": {
                        "Action": "lambda:InvokeFunction", "FunctionName": {"Ref": lid},
                        "Principal": source,
                        "SourceArn": ({"Ref": "EventsTopic"} if ev.kind == "sns"
                                      else {"Fn::GetAtt": ["DataBucket", "Arn"]})}}
    resources.update(_data_resources(spec))
    if spec.public_permission:
        resources.update(_public_permission(spec, {"Ref": spec.functions[0].logical_id}))
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"{spec.name} (synthetic benchmark app)",
            "Resources": resources}


# --- writing -----------------------------------------------------------------------------------


def _yaml(doc: dict[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, default_flow_style=False, width=100)


WRITERS: dict[str, tuple[str, Callable[[AppSpec], dict[str, Any]], Callable[[Any], str]]] = {
    "serverless": ("serverless.yml", serverless_doc, _yaml),
    "sam": ("template.yaml", sam_doc, _yaml),
    "cfn-yaml": ("template.yaml", cfn_doc, _yaml),
    "cfn-json": ("template.json", cfn_doc, lambda doc: json.dumps(doc, indent=2) + "\n"),
}

NODE_HANDLER = '''"use strict";

exports.main = async (event) => ({
  statusCode: 200,
  body: JSON.stringify({ table: process.env.TABLE_NAME || "" }),
});
'''

HANDLER = '''import json
import os


def main(event, context):
    table = os.environ.get("TABLE_NAME", "")
    return {"statusCode": 200, "body": json.dumps({"table": table})}
'''


def generate(out: Path, apps: int = 500, seed: int = 20240601) -> list[Path]:
    """Write ``apps`` apps under ``out``; return the definition files, in order."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(apps):
        fmt = FORMATS[index % len(FORMATS)]
        spec = make_spec(rng, index, fmt)
        folder = out / spec.name
        (folder / "src").mkdir(parents=True, exist_ok=True)
        name, build, dump = WRITERS[fmt]
        path = folder / name
        path.write_text(dump(build(spec)), encoding="utf-8")
        (folder / "src" / "handler.py").write_text(HANDLER, encoding="utf-8")
        (folder / "src" / "handler.js").write_text(NODE_HANDLER, encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--apps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    files = generate(args.out, args.apps, args.seed)
    print(f"wrote {len(files)} apps under {args.out}")


if __name__ == "__main__":
    main()
