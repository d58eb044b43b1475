"""The typed model every loader produces and every rule reads.

All nodes are frozen. Each carries ``loc`` (where it is defined) and ``lines``, the
line of each field that was written in the source, so a finding can point at the
exact line of ``Timeout`` rather than at the function as a whole. Loaders fill only
the fields the source states; a field left as None means "not set" (the platform
default applies), and an ``Unresolved`` value means "set, but we cannot tell to what".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from faasguard.model.values import Ref, Unresolved

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see records.py)
    from faasguard.model.records import dataclass

EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place in a source file. ``file`` is relative to the scan root, POSIX style."""

    file: str
    line: int | None = None
    """1-based; None when the format gives no lines (e.g. a live account)."""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every model node: an id unique within its kind, and where it comes from."""

    id: str
    """Logical id (CloudFormation), function key (serverless.yml) or address (Terraform)."""
    loc: Location
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Line of each field that the source wrote explicitly, by model field name."""

    def at(self, *fields: str) -> Location:
        """The location of the first named field that the source wrote, else of the node."""
        for name in fields:
            line = self.lines.get(name)
            if line:
                return Location(self.loc.file, line)
        return self.loc


# --- IAM -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Statement:
    """One IAM policy statement, normalised: every list field is a tuple."""

    effect: str
    """"Allow" or "Deny" (as written; an unresolved effect is kept as its text)."""
    loc: Location
    actions: tuple[Any, ...] = ()
    not_actions: tuple[Any, ...] = ()
    resources: tuple[Any, ...] = ()
    not_resources: tuple[Any, ...] = ()
    principals: Mapping[str, tuple[Any, ...]] | None = None
    """For resource policies: {"AWS": (...), "Service": (...)}; ``"*"`` becomes {"*": ("*",)}."""
    not_principals: Mapping[str, tuple[Any, ...]] | None = None
    conditions: Mapping[str, Any] = field(default_factory=dict)
    sid: str | None = None
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Line of each field the source wrote (``actions``, ``resources``, ...)."""
    item_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict, compare=False,
                                                      repr=False)
    """Line of each item of a list field, e.g. one line per action of ``actions``."""

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def condition_unknown(self) -> bool:
        """A condition is present but could not be read: rules must not judge it."""
        return any(isinstance(block, Unresolved) for block in self.conditions.values())

    def at(self, name: str, index: int | None = None) -> Location:
        """The line of item ``index`` of field ``name``, else of the field, else of the
        statement."""
        if index is not None:
            items = self.item_lines.get(name, ())
            if 0 <= index < len(items) and items[index]:
                return Location(self.loc.file, items[index])
        line = self.lines.get(name)
        return Location(self.loc.file, line) if line else self.loc


@dataclass(frozen=True, slots=True)
class Policy:
    """An IAM policy document: inline, a managed policy resource, or an AWS managed policy."""

    name: str
    loc: Location
    statements: tuple[Statement, ...] = ()
    arn: Any = None
    """Set for policies referenced by ARN (``arn:aws:iam::aws:policy/...``); their
    statements are empty unless the loader knows them."""
    origin: str = "inline"
    """"inline", "managed" (a managed policy resource in the app), "aws-managed",
    "sam-template" (expanded SAM policy template), "external", "framework" (statements
    the framework adds by itself, e.g. the Serverless Framework's log permissions: the
    IAM rules do not judge them)."""


@dataclass(frozen=True, slots=True)
class Role(Node):
    """An execution role. ``external_arn`` is set when the app names a role it does not define."""

    name: Any = None
    policies: tuple[Policy, ...] = ()
    assume_role_policy: Policy | None = None
    permissions_boundary: Any = None
    external_arn: Any = None
    generated: bool = False
    """True for a role the framework creates implicitly (serverless.yml provider role,
    SAM's per-function role)."""

    def statements(self) -> Iterator[tuple[Policy, Statement]]:
        for policy in self.policies:
            for statement in policy.statements:
                yield policy, statement


# --- Triggers and APIs ------------------------------------------------------------


class TriggerKind(StrEnum):
    REST_API = "rest_api"
    HTTP_API = "http_api"
    WEBSOCKET = "websocket"
    FUNCTION_URL = "function_url"
    ALB = "alb"
    S3 = "s3"
    SQS = "sqs"
    SNS = "sns"
    DYNAMODB_STREAM = "dynamodb_stream"
    KINESIS = "kinesis"
    KAFKA = "kafka"
    SCHEDULE = "schedule"
    EVENTBRIDGE = "eventbridge"
    COGNITO = "cognito"
    IOT = "iot"
    CLOUDWATCH_LOGS = "cloudwatch_logs"
    OTHER = "other"

    @property
    def is_http(self) -> bool:
        return self in (TriggerKind.REST_API, TriggerKind.HTTP_API, TriggerKind.WEBSOCKET,
                        TriggerKind.FUNCTION_URL, TriggerKind.ALB)

    @property
    def is_async(self) -> bool:
        """Invoked asynchronously by the platform, so failures need a destination or DLQ."""
        return self in (TriggerKind.S3, TriggerKind.SNS, TriggerKind.SCHEDULE,
                        TriggerKind.EVENTBRIDGE, TriggerKind.IOT, TriggerKind.CLOUDWATCH_LOGS)


class AuthKind(StrEnum):
    NONE = "none"
    IAM = "iam"
    JWT = "jwt"
    COGNITO = "cognito"
    LAMBDA = "lambda"
    API_KEY = "api_key"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class Authorizer:
    kind: AuthKind
    name: str | None = None
    loc: Location | None = None

    @property
    def is_none(self) -> bool:
        return self.kind is AuthKind.NONE


NO_AUTH = Authorizer(AuthKind.NONE)


@dataclass(frozen=True, slots=True)
class Cors:
    allow_origins: tuple[Any, ...] = ()
    allow_credentials: bool | None = None
    loc: Location | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """One method and path of an API, with the auth that guards it."""

    api: str
    method: str
    path: str
    loc: Location
    authorizer: Authorizer = NO_AUTH
    api_key_required: bool = False
    function: str | None = None
    """The id of the function it invokes, when it invokes one."""

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True, slots=True)
class Api(Node):
    """An API Gateway REST (v1), HTTP (v2) or WebSocket API, with its default stage settings."""

    kind: str = "rest"
    """"rest", "http" or "websocket"."""
    name: Any = None
    routes: tuple[Route, ...] = ()
    throttling_rate: Any = None
    throttling_burst: Any = None
    waf: bool | None = None
    """True when a WAF web ACL is associated in the app; None when we cannot tell."""
    access_logging: bool | None = None
    tracing: bool | None = None
    cors: Cors | None = None
    min_tls: str | None = None
    """The custom domain's security policy, e.g. "TLS_1_0"/"TLS_1_2", if there is one."""
    endpoint_type: str | None = None
    """"EDGE", "REGIONAL", "PRIVATE"."""
    resource_policy: Policy | None = None
    timeout_seconds: float = 29.0
    """How long the front waits for the integration (29 s for API Gateway)."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """An event source of a function."""

    kind: TriggerKind
    loc: Location
    source: Any = None
    """The bucket, queue, stream, topic, schedule expression, ... it listens to."""
    api: str | None = None
    route: Route | None = None
    batch_size: Any = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FunctionUrl:
    auth_type: Any
    """"NONE" or "AWS_IAM" (or unresolved)."""
    loc: Location
    cors: Cors | None = None
    invoke_mode: str | None = None


@dataclass(frozen=True, slots=True)
class Permission(Node):
    """A resource-based policy statement on a function (``AWS::Lambda::Permission``)."""

    function: Any = None
    """The function id it grants on (or the raw value when it is not in the app)."""
    action: Any = None
    principal: Any = None
    source_arn: Any = None
    source_account: Any = None
    function_url_auth_type: Any = None
    principal_org_id: Any = None


# --- Functions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Function(Node):
    name: Any = None
    runtime: Any = None
    handler: Any = None
    code_path: str | None = None
    """Directory or file of the function's code, relative to the scan root."""
    package_type: str = "Zip"
    image_uri: Any = None
    timeout: Any = None
    memory: Any = None
    architectures: tuple[str, ...] = ()
    environment: Mapping[str, Any] = field(default_factory=dict)
    env_lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)
    role: str | None = None
    """Id of the execution role in ``App.roles``."""
    layers: tuple[Any, ...] = ()
    vpc: bool | None = None
    tracing: Any = None
    """"Active" / "PassThrough" / None (off)."""
    reserved_concurrency: Any = None
    provisioned_concurrency: Any = None
    url: FunctionUrl | None = None
    triggers: tuple[Trigger, ...] = ()
    dead_letter: Any = None
    on_failure: Any = None
    """Async invoke failure destination."""
    kms_key: Any = None
    code_signing: Any = None
    log_group: str | None = None
    """Id of its log group resource, if the app defines one."""
    log_format: Any = None
    ephemeral_storage: Any = None
    tags: Mapping[str, Any] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        return self.name if isinstance(self.name, str) else self.id


# --- Other resources ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resource(Node):
    """Any other cloud resource. Typed subclasses below add what rules need;
    ``properties`` keeps the raw (resolved) properties for everything else."""

    type: str = ""
    """Provider type, e.g. ``AWS::S3::Bucket`` or ``aws_s3_bucket``."""
    name: Any = None
    properties: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    region: Any = None
    policy: Policy | None = None
    """Its resource policy, when the app attaches one (bucket, queue, topic, key, secret)."""
    generated: bool = False
    """True for a resource the framework creates implicitly and configures itself (the
    serverless.yml deployment bucket, ...): rules stay silent on what they cannot see."""


@dataclass(frozen=True, slots=True)
class Bucket(Resource):
    encryption: Any = None
    """"AES256" / "aws:kms" / "aws:kms:dsse" / None (not configured)."""
    kms_key: Any = None
    versioning: bool | None = None
    public_access_block: Mapping[str, Any] | None = None
    """The four flags, when a block is configured."""
    acl: Any = None
    logging: bool | None = None


@dataclass(frozen=True, slots=True)
class Table(Resource):
    sse_enabled: bool | None = None
    kms_key: Any = None
    pitr: bool | None = None
    billing_mode: Any = None
    stream: Any = None


@dataclass(frozen=True, slots=True)
class Queue(Resource):
    kms_key: Any = None
    sqs_managed_sse: bool | None = None
    dead_letter: Any = None
    fifo: bool = False


@dataclass(frozen=True, slots=True)
class Topic(Resource):
    kms_key: Any = None


@dataclass(frozen=True, slots=True)
class Key(Resource):
    rotation: bool | None = None
    key_spec: Any = None
    origin: Any = None
    """Where the key material comes from: "AWS_KMS" (default), "EXTERNAL" (imported)."""


@dataclass(frozen=True, slots=True)
class Secret(Resource):
    kms_key: Any = None
    rotation: bool | None = None


@dataclass(frozen=True, slots=True)
class LogGroup(Resource):
    retention_days: Any = None
    kms_key: Any = None


@dataclass(frozen=True, slots=True)
class UserPool(Resource):
    min_password_length: Any = None
    require: Mapping[str, Any] = field(default_factory=dict)
    """RequireUppercase / RequireLowercase / RequireNumbers / RequireSymbols."""
    mfa: Any = None
    """"OFF" / "ON" / "OPTIONAL"."""
    client_writable_attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """App client id -> custom attributes it may write (``custom:*``)."""
    advanced_security: Any = None


@dataclass(frozen=True, slots=True)
class Layer(Resource):
    compatible_runtimes: tuple[Any, ...] = ()
    content_path: str | None = None
    """The layer's local content folder relative to the scan root (SAM ``ContentUri``,
    serverless ``layers.<name>.path``); None for S3 content or outside the tree."""


@dataclass(frozen=True, slots=True)
class Parameter(Node):
    """A parameter the template declares (CloudFormation/SAM ``Parameters``).

    ``lines`` holds "default", "no_echo" and "type" where the source wrote them.
    ``App.parameters`` keeps the resolved values; this keeps the declaration, which
    rules need to tell a secret typed into a ``Default`` or a missing ``NoEcho``.
    """

    type: Any = None
    default: Any = None
    """The ``Default`` as written; None when there is none."""
    no_echo: bool | None = None
    """``NoEcho`` (a template may write it as the string "true"); None when absent."""
    description: Any = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """Something the loader wants the user to know that is not a finding:
    an unreadable file, an unresolved variable, a skipped construct."""

    level: str
    """"error" (file could not be read), "warning" or "info"."""
    message: str
    loc: Location


# --- The app -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class App:
    """One deployable unit: a serverless service, a SAM/CloudFormation stack, a CDK stack."""

    name: str
    source: Location
    """The template file the app was loaded from."""
    format: str
    """"serverless", "sam", "cloudformation", "cdk", "terraform"."""
    provider: str = "aws"
    region: Any = None
    region_explicit: bool | None = None
    """True when the source states the region, False when it leaves it to a default
    (the Framework's us-east-1 or the deploying profile); None when the loader cannot
    tell or the format is region-neutral (CloudFormation)."""
    root: str = "."
    """Directory of the app, relative to the scan root: code paths resolve from here."""
    functions: tuple[Function, ...] = ()
    roles: Mapping[str, Role] = field(default_factory=dict)
    apis: Mapping[str, Api] = field(default_factory=dict)
    permissions: tuple[Permission, ...] = ()
    resources: Mapping[str, Resource] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    parameter_specs: Mapping[str, Parameter] = field(default_factory=dict)
    """The declared parameters by name (``parameters`` holds their resolved values)."""

    def function(self, fid: str) -> Function | None:
        for fn in self.functions:
            if fn.id == fid:
                return fn
        return None

    def role_of(self, fn: Function) -> Role | None:
        return self.roles.get(fn.role) if fn.role else None

    def functions_with_role(self, role_id: str) -> list[Function]:
        return [fn for fn in self.functions if fn.role == role_id]

    def resources_of(self, kind: type[Resource]) -> Iterator[Any]:
        for res in self.resources.values():
            if isinstance(res, kind):
                yield res

    def routes(self) -> Iterator[tuple[Api, Route]]:
        for api in self.apis.values():
            for route in api.routes:
                yield api, route

    def resolve_ref(self, value: Any) -> Node | None:
        """The model node a ``Ref`` points at, if the app has it."""
        if not isinstance(value, Ref):
            return None
        target = value.target
        return (self.resources.get(target) or self.roles.get(target)
                or self.apis.get(target) or self.function(target))


__all__ = [
    "EMPTY",
    "Api",
    "App",
    "AuthKind",
    "Authorizer",
    "Bucket",
    "Cors",
    "Diagnostic",
    "Function",
    "FunctionUrl",
    "Key",
    "Layer",
    "Location",
    "LogGroup",
    "Node",
    "Parameter",
    "Permission",
    "Policy",
    "Queue",
    "Ref",
    "Resource",
    "Role",
    "Route",
    "Secret",
    "Statement",
    "Table",
    "Topic",
    "Trigger",
    "TriggerKind",
    "Unresolved",
    "UserPool",
]
