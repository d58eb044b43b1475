"""Generate a deterministic synthetic corpus of serverless apps for benchmarks.

Each app is one folder holding one definition file in one of four formats
(serverless.yml, SAM template.yaml, plain CloudFormation YAML, plain CloudFormation
JSON) plus a small handler file. Every app has about ten functions, each with IAM
statements, events, environment variables and a few resources, in a realistic mix
of good and bad settings. The same seed always gives byte-identical files, so two
tools (or two runs) are timed on exactly the same input.

A fifth format, a Terraform root module (``main.tf``), is written only when asked
for (``--formats terraform``): app N then holds the same content as app N of the
default corpus, written the Terraform way, and the default corpus is unchanged.

    python benchmarks/gen_corpus.py OUT_DIR [--apps 500] [--seed 20240601]
    python benchmarks/gen_corpus.py OUT_DIR --apps 200 --formats terraform
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FORMATS = ("serverless", "sam", "cfn-yaml", "cfn-json")
"""The default corpus: app N is in FORMATS[N % 4]."""
ALL_FORMATS = (*FORMATS, "terraform")

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


# --- Terraform ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expr:
    """A Terraform expression written as it is: a reference, a template, a type."""

    text: str


@dataclass(frozen=True, slots=True)
class Call:
    """A function call with one argument, e.g. ``jsonencode({...})``."""

    name: str
    arg: Any


@dataclass(frozen=True, slots=True)
class Block:
    """An HCL block: ``kind "label" ... { key = value ... nested blocks }``."""

    kind: str
    labels: tuple[str, ...] = ()
    body: Sequence[Any] = ()
    """Items: ``(key, value)`` attributes and nested ``Block``s, in order."""


BASIC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _hcl_string(text: str) -> str:
    # "${" and "%{" open template sequences in HCL; doubling the sigil writes them literally.
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("${", "$${").replace("%{", "%%{"))
    return f'"{escaped}"'


def _hcl(value: Any, indent: int) -> str:
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, Call):
        return f"{value.name}({_hcl(value.arg, indent)})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _hcl_string(value)
    if isinstance(value, list | tuple):
        items = [_hcl(item, indent + 1) for item in value]
        if all(isinstance(item, str | Expr) for item in value) and len(items) <= 3:
            return "[" + ", ".join(items) + "]"
        return "[\n" + "".join(f"{inner}{item},\n" for item in items) + f"{pad}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = [f"{inner}{key if _IDENT.fullmatch(key) else _hcl_string(key)} = "
                 f"{_hcl(item, indent + 1)}\n" for key, item in value.items()]
        return "{\n" + "".join(lines) + f"{pad}}}"
    raise TypeError(f"no HCL form for {type(value).__name__}")


def _render_block(block: Block, indent: int = 0) -> list[str]:
    pad = "  " * indent
    head = " ".join([block.kind, *(_hcl_string(label) for label in block.labels)])
    if not block.body:
        return [f"{pad}{head} {{}}"]
    lines = [f"{pad}{head} {{"]
    for item in block.body:
        if isinstance(item, Block):
            lines += _render_block(item, indent + 1)
        else:
            key, value = item
            lines.append(f"{pad}  {key} = {_hcl(value, indent + 1)}")
    lines.append(f"{pad}}}")
    return lines


def render_hcl(blocks: list[Block]) -> str:
    return "\n".join("\n".join(_render_block(block)) + "\n" for block in blocks)


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _resource(kind: str, name: str, *body: Any) -> Block:
    """A resource block; ``None`` items (settings left out) are dropped."""
    return Block("resource", (kind, name), tuple(item for item in body if item is not None))


def _ref(text: str) -> Expr:
    return Expr(text)


def _tf_env_value(value: Any) -> Any:
    # The other formats point a password at SSM or Secrets Manager; a Terraform module
    # takes it from a sensitive variable, which a scanner cannot (and must not) read.
    if isinstance(value, str) and value.startswith("{{resolve:"):
        return _ref("var.db_password")
    return value


def _statement_block(statement: dict[str, Any]) -> Block:
    action = statement["Action"]
    return Block("statement", (), [
        ("effect", statement["Effect"]),
        ("actions", [action] if isinstance(action, str) else list(action)),
        ("resources", [statement["Resource"]]),
    ])


def _tf_role(name: str, role_name: str, statements: tuple[dict[str, Any], ...],
             style: str) -> list[Block]:
    """An execution role with its policy written one of three common ways: an
    ``aws_iam_policy_document`` data source, a managed ``aws_iam_policy`` in
    ``jsonencode``, or an inline ``aws_iam_role_policy`` in ``jsonencode``."""
    role = _ref(f"aws_iam_role.{name}")
    blocks = [
        _resource("aws_iam_role", name, ("name", role_name),
                  ("assume_role_policy", _ref("data.aws_iam_policy_document.assume.json"))),
        _resource("aws_iam_role_policy_attachment", f"{name}_basic",
                  ("role", _ref(f"{role.text}.name")), ("policy_arn", BASIC_POLICY)),
    ]
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    if style == "document":
        blocks.append(Block("data", ("aws_iam_policy_document", name),
                            [_statement_block(s) for s in statements]))
        blocks.append(_resource("aws_iam_role_policy", name, ("name", "app"),
                                ("role", _ref(f"{role.text}.id")),
                                ("policy", _ref(f"data.aws_iam_policy_document.{name}.json"))))
    elif style == "managed":
        blocks.append(_resource("aws_iam_policy", name, ("name", f"{role_name}-app"),
                                ("policy", Call("jsonencode", document))))
        blocks.append(_resource("aws_iam_role_policy_attachment", name,
                                ("role", _ref(f"{role.text}.name")),
                                ("policy_arn", _ref(f"aws_iam_policy.{name}.arn"))))
    else:
        blocks.append(_resource("aws_iam_role_policy", name, ("name", "app"),
                                ("role", _ref(f"{role.text}.id")),
                                ("policy", Call("jsonencode", document))))
    return blocks


def _tf_data_resources(spec: AppSpec) -> list[Block]:
    bucket = _ref("aws_s3_bucket.data")
    blocks = [_resource("aws_s3_bucket", "data", ("bucket", f"{spec.name}-data"))]
    if spec.bucket_encrypted:
        blocks.append(_resource(
            "aws_s3_bucket_server_side_encryption_configuration", "data",
            ("bucket", _ref(f"{bucket.text}.id")),
            Block("rule", (), [Block("apply_server_side_encryption_by_default", (),
                                     [("sse_algorithm", "aws:kms")])])))
    if spec.bucket_public_block:
        blocks.append(_resource(
            "aws_s3_bucket_public_access_block", "data", ("bucket", _ref(f"{bucket.text}.id")),
            ("block_public_acls", True), ("block_public_policy", True),
            ("ignore_public_acls", True), ("restrict_public_buckets", True)))
    return [
        *blocks,
        _resource("aws_dynamodb_table", "data", ("name", f"{spec.name}-data"),
                  ("billing_mode", "PAY_PER_REQUEST"), ("hash_key", "pk"),
                  Block("attribute", (), (("name", "pk"), ("type", "S"))),
                  Block("point_in_time_recovery", (), (("enabled", True),))
                  if spec.table_pitr else None),
        _resource("aws_sqs_queue", "work", ("name", f"{spec.name}-work"),
                  ("visibility_timeout_seconds", 60),
                  ("kms_master_key_id", "alias/aws/sqs") if spec.queue_encrypted
                  else ("sqs_managed_sse_enabled", False)),
        _resource("aws_sns_topic", "events", ("name", f"{spec.name}-events"),
                  ("kms_master_key_id", "alias/aws/sns") if spec.topic_encrypted else None),
        _resource("aws_cloudwatch_log_group", "app", ("name", f"/aws/app/{spec.name}"),
                  ("retention_in_days", 30) if spec.log_retention else None),
    ]


def _permission(name: str, function: str, principal: str, source_arn: Expr | None) -> Block:
    return _resource("aws_lambda_permission", name, ("action", "lambda:InvokeFunction"),
                     ("function_name", _ref(f"aws_lambda_function.{function}.function_name")),
                     ("principal", principal),
                     None if source_arn is None else ("source_arn", source_arn))


class _RestTree:
    """The ``aws_api_gateway_resource`` tree of one REST API, one resource per path
    prefix however many methods share it."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._names: dict[str, str] = {}

    def resource_id(self, path: str) -> Expr:
        parent = _ref("aws_api_gateway_rest_api.api.root_resource_id")
        prefix = ""
        for part in path.strip("/").split("/"):
            prefix += "/" + part
            name = self._names.get(prefix)
            if name is None:
                name = re.sub(r"[^a-z0-9]+", "_", prefix.lower()).strip("_")
                self._names[prefix] = name
                self.blocks.append(_resource(
                    "aws_api_gateway_resource", name,
                    ("rest_api_id", _ref("aws_api_gateway_rest_api.api.id")),
                    ("parent_id", parent), ("path_part", part)))
            parent = _ref(f"aws_api_gateway_resource.{name}.id")
        return parent


def _tf_events(spec: AppSpec, fn: Fn, name: str, rest: _RestTree) -> list[Block]:
    function = f"aws_lambda_function.{name}"
    blocks: list[Block] = []
    for number, ev in enumerate(fn.events):
        tag = f"{name}_{number}"
        if ev.kind == "http":
            method = _resource(
                "aws_api_gateway_method", tag,
                ("rest_api_id", _ref("aws_api_gateway_rest_api.api.id")),
                ("resource_id", rest.resource_id(ev.path)), ("http_method", ev.method.upper()),
                ("authorization", "AWS_IAM" if ev.authorized else "NONE"))
            blocks += [method, _resource(
                "aws_api_gateway_integration", tag,
                ("rest_api_id", _ref("aws_api_gateway_rest_api.api.id")),
                ("resource_id", _ref(f"aws_api_gateway_method.{tag}.resource_id")),
                ("http_method", _ref(f"aws_api_gateway_method.{tag}.http_method")),
                ("integration_http_method", "POST"), ("type", "AWS_PROXY"),
                ("uri", _ref(f"{function}.invoke_arn"))),
                _permission(f"{tag}_api", name, "apigateway.amazonaws.com",
                            Expr('"${aws_api_gateway_rest_api.api.execution_arn}/*"'))]
        elif ev.kind == "httpApi":
            route = _resource("aws_apigatewayv2_route", tag,
                              ("api_id", _ref("aws_apigatewayv2_api.http.id")),
                              ("route_key", f"{ev.method.upper()} {ev.path}"),
                              ("target", Expr(f'"integrations/${{aws_apigatewayv2_integration.'
                                              f'{tag}.id}}"')),
                              ("authorization_type", "JWT" if ev.authorized else "NONE"),
                              ("authorizer_id", _ref("aws_apigatewayv2_authorizer.jwt.id"))
                              if ev.authorized else None)
            blocks += [_resource("aws_apigatewayv2_integration", tag,
                                 ("api_id", _ref("aws_apigatewayv2_api.http.id")),
                                 ("integration_type", "AWS_PROXY"),
                                 ("integration_uri", _ref(f"{function}.invoke_arn")),
                                 ("payload_format_version", "2.0")),
                       route,
                       _permission(f"{tag}_api", name, "apigateway.amazonaws.com",
                                   Expr('"${aws_apigatewayv2_api.http.execution_arn}/*"'))]
        elif ev.kind == "sqs":
            blocks.append(_resource("aws_lambda_event_source_mapping", tag,
                                    ("event_source_arn", _ref("aws_sqs_queue.work.arn")),
                                    ("function_name", _ref(f"{function}.arn")),
                                    ("batch_size", 10)))
        elif ev.kind == "s3":
            # The notification itself is one resource per bucket: see terraform_blocks.
            blocks.append(_permission(f"{tag}_s3", name, "s3.amazonaws.com",
                                      _ref("aws_s3_bucket.data.arn")))
        elif ev.kind == "schedule":
            blocks += [_resource("aws_cloudwatch_event_rule", tag,
                                 ("name", f"{spec.name}-{fn.key}-{number}"),
                                 ("schedule_expression", "rate(1 hour)")),
                       _resource("aws_cloudwatch_event_target", tag,
                                 ("rule", _ref(f"aws_cloudwatch_event_rule.{tag}.name")),
                                 ("arn", _ref(f"{function}.arn"))),
                       _permission(f"{tag}_events", name, "events.amazonaws.com",
                                   _ref(f"aws_cloudwatch_event_rule.{tag}.arn"))]
        else:
            blocks += [_resource("aws_sns_topic_subscription", tag,
                                 ("topic_arn", _ref("aws_sns_topic.events.arn")),
                                 ("protocol", "lambda"), ("endpoint", _ref(f"{function}.arn"))),
                       _permission(f"{tag}_sns", name, "sns.amazonaws.com",
                                   _ref("aws_sns_topic.events.arn"))]
    return blocks


def _tf_function(spec: AppSpec, fn: Fn, name: str) -> list[Block]:
    body: list[Any] = [
        ("function_name", f"{spec.name}-{fn.key}"),
        ("role", _ref(f"aws_iam_role.{name if fn.own_role else 'shared'}.arn")),
        ("handler", _handler(fn)), ("runtime", fn.runtime),
        ("filename", _ref("data.archive_file.src.output_path")),
        ("source_code_hash", _ref("data.archive_file.src.output_base64sha256")),
        ("timeout", fn.timeout), ("memory_size", fn.memory),
    ]
    if fn.reserved is not None:
        body.append(("reserved_concurrent_executions", fn.reserved))
    body.append(Block("environment", (), [
        ("variables", {e.name: _tf_env_value(e.value) for e in fn.env})]))
    if fn.tracing:
        body.append(Block("tracing_config", (), [("mode", "Active")]))
    blocks = [_resource("aws_lambda_function", name, *body)]
    if fn.url_auth:
        blocks.append(_resource("aws_lambda_function_url", name,
                                ("function_name", _ref(f"aws_lambda_function.{name}.function_name")),
                                ("authorization_type", fn.url_auth)))
    return blocks


def terraform_blocks(spec: AppSpec) -> list[Block]:
    """The app as one Terraform root module, ``main.tf``."""
    names = {fn.key: _snake(fn.key) for fn in spec.functions}
    kinds = {ev.kind for fn in spec.functions for ev in fn.events}
    blocks = [
        Block("terraform", (), [Block("required_providers", (), [
            ("aws", {"source": "hashicorp/aws", "version": "~> 5.0"})])]),
        Block("provider", ("aws",), [("region", "eu-west-1")]),
    ]
    if any(_tf_env_value(e.value) != e.value for fn in spec.functions for e in fn.env):
        blocks.append(Block("variable", ("db_password",), [("type", Expr("string")),
                                                           ("sensitive", True)]))
    blocks += [
        Block("data", ("archive_file", "src"), [
            ("type", "zip"), ("source_dir", Expr('"${path.module}/src"')),
            ("output_path", Expr('"${path.module}/build/src.zip"'))]),
        Block("data", ("aws_iam_policy_document", "assume"), [Block("statement", (), [
            ("actions", ["sts:AssumeRole"]),
            Block("principals", (), [("type", "Service"),
                                     ("identifiers", ["lambda.amazonaws.com"])])])]),
        *_tf_role("shared", f"{spec.name}-shared", spec.shared_statements, "inline"),
    ]
    rest = _RestTree()
    events: list[Block] = []
    for position, fn in enumerate(spec.functions):
        name = names[fn.key]
        if fn.own_role:
            blocks += _tf_role(name, f"{spec.name}-{fn.key}", fn.statements,
                               "document" if position % 2 == 0 else "managed")
        blocks += _tf_function(spec, fn, name)
        events += _tf_events(spec, fn, name, rest)
    if "http" in kinds:
        blocks.append(_resource("aws_api_gateway_rest_api", "api", ("name", spec.name)))
        blocks += rest.blocks
        blocks += [_resource("aws_api_gateway_deployment", "api",
                             ("rest_api_id", _ref("aws_api_gateway_rest_api.api.id"))),
                   _resource("aws_api_gateway_stage", "api", ("stage_name", "v1"),
                             ("rest_api_id", _ref("aws_api_gateway_rest_api.api.id")),
                             ("deployment_id", _ref("aws_api_gateway_deployment.api.id")),
                             ("xray_tracing_enabled", spec.functions[0].tracing))]
    if "httpApi" in kinds:
        blocks += [
            _resource("aws_apigatewayv2_api", "http", ("name", spec.name),
                      ("protocol_type", "HTTP")),
            _resource("aws_apigatewayv2_authorizer", "jwt",
                      ("api_id", _ref("aws_apigatewayv2_api.http.id")),
                      ("authorizer_type", "JWT"), ("name", "jwt"),
                      ("identity_sources", ["$request.header.Authorization"]),
                      Block("jwt_configuration", (), [
                          ("audience", ["example-client"]),
                          ("issuer", "https://cognito-idp.eu-west-1.amazonaws.com/"
                                     "eu-west-1_Example")])),
            _resource("aws_apigatewayv2_stage", "http",
                      ("api_id", _ref("aws_apigatewayv2_api.http.id")),
                      ("name", "$default"), ("auto_deploy", True)),
        ]
    blocks += events
    s3_targets = [names[fn.key] for fn in spec.functions for ev in fn.events if ev.kind == "s3"]
    if s3_targets:
        blocks.append(_resource(
            "aws_s3_bucket_notification", "data", ("bucket", _ref("aws_s3_bucket.data.id")),
            *(Block("lambda_function", (), [
                ("lambda_function_arn", _ref(f"aws_lambda_function.{name}.arn")),
                ("events", ["s3:ObjectCreated:*"])]) for name in s3_targets)))
    blocks += _tf_data_resources(spec)
    if spec.public_permission:
        blocks.append(_permission("public_invoke", names[spec.functions[0].key], "*", None))
    return blocks


# --- writing -----------------------------------------------------------------------------------


def _yaml(doc: dict[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, default_flow_style=False, width=100)


WRITERS: dict[str, tuple[str, Callable[[AppSpec], Any], Callable[[Any], str]]] = {
    "serverless": ("serverless.yml", serverless_doc, _yaml),
    "sam": ("template.yaml", sam_doc, _yaml),
    "cfn-yaml": ("template.yaml", cfn_doc, _yaml),
    "cfn-json": ("template.json", cfn_doc, lambda doc: json.dumps(doc, indent=2) + "\n"),
    "terraform": ("main.tf", terraform_blocks, render_hcl),
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


def generate(out: Path, apps: int = 500, seed: int = 20240601,
             formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``apps`` apps under ``out``, app N in ``formats[N % len(formats)]``;
    return the definition files, in order."""
    unknown = sorted(set(formats) - set(ALL_FORMATS))
    if unknown or not formats:
        raise ValueError(f"unknown formats {unknown}; choose from {', '.join(ALL_FORMATS)}")
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(apps):
        fmt = formats[index % len(formats)]
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
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help="comma-separated, used in turn (default: the four mixed formats; "
                             f"choices: {', '.join(ALL_FORMATS)})")
    args = parser.parse_args()
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if unknown := sorted(set(formats) - set(ALL_FORMATS)):
        parser.error(f"unknown format(s) {', '.join(unknown)}")
    files = generate(args.out, args.apps, args.seed, formats)
    print(f"wrote {len(files)} apps under {args.out}")


if __name__ == "__main__":
    main()
