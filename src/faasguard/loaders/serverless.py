"""serverless.yml (Serverless Framework v3 and v4) into the model.

The loader mirrors what ``serverless package`` would compile, without running it:

- variables are resolved first (:mod:`faasguard.loaders.slsvars`);
- functions inherit provider settings only where the Framework does (runtime, timeout,
  memory, environment and tags merged, layers replaced, VPC ids key by key, tracing,
  KMS key, architecture, log retention);
- IAM follows the Framework's choice of execution role: the shared generated role
  ``IamRoleLambdaExecution`` (with the log statements it adds implicitly), an external
  role (``provider.iam.role``/``provider.role`` as ARN or logical id, function ``role:``),
  or a per-function role (serverless-iam-roles-per-function, or Framework v4's own);
- events become triggers, and ``http``/``httpApi``/``websocket`` events the routes of the
  Framework's ``ApiGatewayRestApi`` / ``HttpApi`` / ``WebsocketsApi``;
- the ``resources:`` block is read as CloudFormation by the CloudFormation loader, with
  the Framework's generated logical ids (``HelloLambdaFunction``, ...) as aliases of
  our nodes, and merged in.

Node ids are the function keys and the Framework's logical ids, so a finding on
``IamRoleLambdaExecution`` means the same thing here as in the compiled template.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import field, fields, is_dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from faasguard.loaders.base import (
    LoadError,
    LoadOptions,
    inside,
    parse_documents,
    read_text,
    relpath,
)
from faasguard.loaders.cfn_iam import managed_policy
from faasguard.loaders.intrinsics import IntrinsicContext, is_intrinsic, resolve
from faasguard.loaders.policy import parse_statement
from faasguard.loaders.slsvars import origin, resolve_service
from faasguard.loaders.yamlsafe import LineDict, LineList, line_of
from faasguard.model import (
    Api,
    App,
    AuthKind,
    Authorizer,
    Bucket,
    Cors,
    Diagnostic,
    Function,
    FunctionUrl,
    Layer,
    Location,
    LogGroup,
    Permission,
    Policy,
    Resource,
    Role,
    Route,
    Statement,
    Trigger,
    TriggerKind,
)
from faasguard.model.nodes import NO_AUTH
from faasguard.model.values import Interpolated, Ref, Unresolved, as_bool, as_list, text

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

SHARED_ROLE = "IamRoleLambdaExecution"
REST_API = "ApiGatewayRestApi"
HTTP_API = "HttpApi"
WEBSOCKET_API = "WebsocketsApi"
DEPLOYMENT_BUCKET = "ServerlessDeploymentBucket"
PER_FUNCTION_PLUGIN = "serverless-iam-roles-per-function"

DEFAULT_TIMEOUT = 6
DEFAULT_MEMORY = 1024
DEFAULT_REGION = "us-east-1"

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]},
    "Action": ["sts:AssumeRole"]}]}
VPC_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
LOG_GROUP_ARN = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"

# What the Framework grants the shared role for a function's stream and queue events.
STREAM_ACTIONS = {
    "dynamodb": ("dynamodb:GetRecords", "dynamodb:GetShardIterator",
                 "dynamodb:DescribeStream", "dynamodb:ListStreams"),
    "kinesis": ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                "kinesis:ListStreams"),
}
SQS_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")

RUNTIME_SUFFIXES = {
    "python": (".py",),
    "nodejs": (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"),
    "ruby": (".rb",),
}
_ALL_SUFFIXES = tuple(s for group in RUNTIME_SUFFIXES.values() for s in group)

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_ROLE_ARN = re.compile(r"^arn:[\w-]+:iam::[^:]*:role/(?:.*/)?([^/]+)$")


# --- the Framework's naming ------------------------------------------------------------


def normalize(name: str) -> str:
    return name[:1].upper() + name[1:]


def normalized_function_name(key: str) -> str:
    """The Framework's ``getNormalizedFunctionName``: ``my-fn_x`` -> ``MyDashfnUnderscorex``."""
    return normalize(key.replace("-", "Dash").replace("_", "Underscore"))


def alnum_name(name: str) -> str:
    """``normalizeNameToAlphaNumericOnly``, used for buckets, topics and user pools."""
    return normalize(_NOT_ALNUM.sub("", name))


def function_logical_id(key: str) -> str:
    return normalized_function_name(key) + "LambdaFunction"


def log_group_logical_id(key: str) -> str:
    return normalized_function_name(key) + "LogGroup"


def function_role_logical_id(key: str) -> str:
    return normalized_function_name(key) + SHARED_ROLE


# --- small helpers over resolved config -------------------------------------------------


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _field(spec: Any, key: str) -> Any:
    """``spec[key]`` for an event written as a mapping; the spec itself when the event is
    written as one value (``sqs: arn:...``, ``sqs: !GetAtt Queue.Arn``)."""
    if isinstance(spec, Mapping) and not is_intrinsic(spec):
        return spec.get(key)
    return spec


def _line(container: Any, key: Any = None) -> int | None:
    """The line of ``container[key]`` (or of the container) when the reader recorded it."""
    if key is None:
        return line_of(container)
    if isinstance(container, LineDict):
        return container.line_of(key) or None if key in container else None
    if isinstance(container, LineList):
        valid = isinstance(key, int) and 0 <= key < len(container)
        return container.line_of(key) or None if valid else None
    return None


def _is_text(value: Any) -> TypeGuard[str]:
    """Plain text (not a Sub/Join with unknown parts)."""
    return isinstance(value, str) and not isinstance(value, Interpolated)


def _join_name(*parts: Any) -> Any:
    """``service-stage-fn`` style names; unresolved when a part is."""
    for part in parts:
        if isinstance(part, Unresolved):
            shown = "-".join(p.expr if isinstance(p, Unresolved) else str(p) for p in parts)
            return Unresolved(shown, f"depends on {part.expr} ({part.reason})")
    return "-".join(str(p) for p in parts)


# --- drafts ------------------------------------------------------------------------------


@dataclass
class _RoleDraft:
    """A role the Framework generates, filled while functions are read."""

    id: str
    loc: Location
    name: Any
    policy_name: Any
    statements: list[Statement] = field(default_factory=list)
    managed: list[Policy] = field(default_factory=list)
    extra: list[Policy] = field(default_factory=list)
    boundary: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    used: bool = False

    def build(self, trust_file: str) -> Role:
        policies: list[Policy] = []
        if self.statements:
            policies.append(Policy(name=str(self.policy_name), loc=self.loc,
                                   statements=tuple(self.statements)))
        policies.extend(self.managed)
        policies.extend(self.extra)
        trust = Policy(name=f"{self.id} trust policy", loc=self.loc, statements=tuple(
            s for raw in LAMBDA_TRUST["Statement"]
            if (s := parse_statement(raw, trust_file, self.loc.line)) is not None))
        return Role(id=self.id, loc=self.loc, lines=dict(self.lines), name=self.name,
                    policies=tuple(policies), assume_role_policy=trust,
                    permissions_boundary=self.boundary, generated=True)


@dataclass
class _ApiDraft:
    id: str
    kind: str
    routes: list[Route] = field(default_factory=list)
    cors: list[Cors] = field(default_factory=list)
    loc: Location | None = None


@dataclass
class _Implied:
    """A statement the Framework adds to a generated role because of a function setting."""

    actions: tuple[str, ...]
    resources: tuple[Any, ...]
    loc: Location
    shared_only: bool = False
    """Added to the shared role only (the per-function role plugin does not copy it)."""


# --- the loader --------------------------------------------------------------------------


def load(path: Path, opts: LoadOptions) -> list[App]:
    """The app a serverless.yml/.yaml/.json defines (one per file)."""
    rel = relpath(path, opts.root)
    text_ = read_text(path, opts)
    docs = parse_documents(text_, rel, opts)
    doc = docs[0] if docs else None
    if not isinstance(doc, Mapping):
        raise LoadError(rel, "expected a mapping with service, provider and functions",
                        line_of(doc) or 1)
    base_dir = path.parent.absolute()
    resolved = resolve_service(doc, rel, base_dir, opts)
    app_root = relpath(base_dir, opts.root.absolute()) or "."
    return [_Service(resolved.config, rel, opts, app_root, base_dir, resolved.stage,
                     resolved.region, list(resolved.diagnostics)).build()]


class _Service:
    """Builds one App from a resolved service config."""

    def __init__(self, cfg: Mapping[str, Any], rel: str, opts: LoadOptions, app_root: str,
                 base_dir: Path, stage: Any, region: Any, diagnostics: list[Diagnostic]) -> None:
        self.cfg = cfg
        self.rel = rel
        self.opts = opts
        self.app_root = app_root
        self.base_dir = base_dir
        self.stage = stage
        self.region = region
        self.diagnostics = diagnostics
        self.provider = _map(cfg.get("provider"))
        self.service = self._service_name()
        self.functions: dict[str, Mapping[str, Any]] = {}
        self.function_locs: dict[str, Location] = {}
        """Where each function key is written."""
        self.roles: dict[str, Role] = {}
        self.role_drafts: dict[str, _RoleDraft] = {}
        self.apis: dict[str, _ApiDraft] = {}
        self.resources: dict[str, Resource] = {}
        self.permissions: list[Permission] = []
        self.generated: dict[str, Any] = {}
        """Resources the Framework creates for events (buckets, topics, user pools):
        logical id -> raw CloudFormation resource, read by the CloudFormation loader."""
        self.user_resources: LineDict = LineDict()
        self.resource_files: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.extensions: Any = None
        self.sections: dict[str, LineDict] = {}
        """Outputs, Conditions and Mappings of the resources block, fragments merged."""
        self.ctx = IntrinsicContext(resources={}, parameters={})

    # --- plumbing --------------------------------------------------------------------

    def loc(self, container: Any, key: Any = None) -> Location:
        return Location(origin(container, self.rel), _line(container, key))

    def diag(self, level: str, message: str, container: Any = None, key: Any = None,
             at: Location | None = None) -> None:
        if at is None:
            at = self.loc(container, key) if container is not None else Location(self.rel)
        self.diagnostics.append(Diagnostic(level, message, at))

    def intrinsic(self, value: Any) -> Any:
        """A config value with CloudFormation intrinsics (``!GetAtt Queue.Arn``) evaluated."""
        if isinstance(value, Mapping | list):
            return resolve(value, self.ctx)
        return value

    def _service_name(self) -> str:
        raw = self.cfg.get("service")
        if isinstance(raw, Mapping):
            raw = raw.get("name")
        if isinstance(raw, str) and raw:
            return raw
        if isinstance(raw, Unresolved):
            self.diag("info", f"service name unresolved ({raw.reason})", self.cfg, "service")
            return raw.expr
        self.diag("warning", "no service name", self.cfg, "service" if "service" in self.cfg
                  else None)
        return Path(self.rel).parent.name or "service"

    @property
    def name_prefix(self) -> Any:
        return _join_name(self.service, self.stage)

    # --- the whole -------------------------------------------------------------------

    def build(self) -> App:
        provider_name = self.provider.get("name", "aws")
        source = Location(self.rel, 1)
        if "provider" not in self.cfg:
            self.diag("warning", "no provider section; read as AWS")
        elif provider_name != "aws":
            shown = provider_name.expr if isinstance(provider_name, Unresolved) \
                else str(provider_name)
            self.diag("warning", f"provider {shown!r} is not supported yet; only AWS "
                      "services are analysed", self.provider, "name")
            return App(name=self.service, source=source, format="serverless",
                       provider=shown, root=self.app_root, diagnostics=tuple(self.diagnostics))
        self._collect_functions()
        self._collect_resources()
        self._set_aliases()
        self.ctx = IntrinsicContext(
            resources=self.user_resources, parameters={},
            mappings=self.sections.get("Mappings", {}),
            conditions=self.sections.get("Conditions", {}),
            region=self.region, stack_name=self.name_prefix, aliases=self.aliases)
        shared = self._plan_shared_role()
        functions = [self._function(key, fdef, shared) for key, fdef in self.functions.items()]
        if shared is not None and shared.used:
            self.roles[shared.id] = shared.build(self.rel)
        for draft in self.role_drafts.values():
            self.roles[draft.id] = draft.build(self.rel)
        apis = self._build_apis()
        self._deployment_bucket()
        self._layers()
        functions = self._merge_resources(functions, apis)
        return App(
            name=self.service, source=source, format="serverless", provider="aws",
            region=self.region, region_explicit="region" in self.provider,
            root=self.app_root, functions=tuple(functions),
            roles=dict(self.roles), apis=apis, permissions=tuple(self.permissions),
            resources=dict(self.resources), diagnostics=tuple(self.diagnostics),
            parameters={"stage": self.stage})

    def _deployment_bucket(self) -> None:
        """The bucket the Framework deploys artifacts to, unless the service names one.
        It is configured by the Framework (SSE-S3), not by the service: ``generated``."""
        configured = self.provider.get("deploymentBucket")
        if _is_text(configured) or _map(configured).get("name") is not None:
            return
        anchor = configured if isinstance(configured, Mapping) else self.cfg
        key = None if isinstance(configured, Mapping) else "provider"
        self.resources[DEPLOYMENT_BUCKET] = Bucket(
            id=DEPLOYMENT_BUCKET, loc=self.loc(anchor, key), type="AWS::S3::Bucket",
            encryption="AES256", generated=True)

    def _layers(self) -> None:
        """Layers the service publishes (``layers:``), as ``<Name>LambdaLayer``."""
        layers = self.cfg.get("layers")
        if not isinstance(layers, Mapping):
            return
        for name, spec in layers.items():
            if not isinstance(name, str) or not isinstance(spec, Mapping):
                continue
            lid = normalized_function_name(name) + "LambdaLayer"
            runtimes = spec.get("compatibleRuntimes")
            path = spec.get("path")
            self.resources[lid] = Layer(
                id=lid, loc=self.loc(layers, name), type="AWS::Lambda::LayerVersion",
                name=spec.get("name", name), compatible_runtimes=tuple(as_list(runtimes)),
                content_path=self._local_path(path) if _is_text(path) else None)

    def _collect_functions(self) -> None:
        raw = self.cfg.get("functions")
        if raw is None:
            return
        # `functions:` may be a list of mappings (one per included file): merged in order
        groups = raw if isinstance(raw, list) else [raw]
        for group in groups:
            if isinstance(group, Unresolved):
                self.diag("warning", f"functions unresolved ({group.reason}); not analysed",
                          self.cfg, "functions")
                continue
            if not isinstance(group, Mapping):
                self.diag("warning", "functions must be a mapping of function definitions",
                          self.cfg, "functions")
                continue
            for key, fdef in group.items():
                if not isinstance(key, str):
                    continue
                if isinstance(fdef, Unresolved):
                    self.diag("warning", f"function {key}: definition unresolved "
                              f"({fdef.reason}); not analysed", group, key)
                elif not isinstance(fdef, Mapping):
                    self.diag("warning", f"function {key}: definition is not a mapping",
                              group, key)
                else:
                    self.functions[key] = fdef
                    self.function_locs[key] = self.loc(group, key)

    # --- resources: block (raw side) ---------------------------------------------------

    def _collect_resources(self) -> None:
        """``resources:`` (one mapping, or a list of fragments the Framework merges)."""
        raw = self.cfg.get("resources")
        fragments = raw if isinstance(raw, list) else [raw] if raw is not None else []
        merged = LineDict(_line(raw) or 0)
        for fragment in fragments:
            if isinstance(fragment, Unresolved):
                self.diag("warning", f"resources unresolved ({fragment.reason}); not analysed",
                          self.cfg, "resources")
                continue
            if not isinstance(fragment, Mapping):
                continue
            block = fragment.get("Resources")
            if isinstance(block, Mapping):
                for lid, res in block.items():
                    merged[lid] = res
                    merged.key_lines[lid] = _line(block, lid) or 0
                    self.resource_files[lid] = origin(block, self.rel)
            if isinstance(fragment.get("extensions"), Mapping):
                self.extensions = fragment["extensions"]
            for section in ("Outputs", "Conditions", "Mappings"):
                if isinstance(fragment.get(section), Mapping):
                    self.sections.setdefault(section, LineDict()).update(fragment[section])
            for key in fragment:
                if key not in ("Resources", "Outputs", "Conditions", "Mappings", "extensions",
                               "Description", "AWSTemplateFormatVersion"):
                    self.diag("info", f"resources.{key} is not read", fragment, key)
        self.user_resources = merged

    def _set_aliases(self) -> None:
        """The Framework's generated logical ids -> our node ids, for intrinsics."""
        for key, fdef in self.functions.items():
            self.aliases[function_logical_id(key)] = key
            if not fdef.get("disableLogs"):
                lid = log_group_logical_id(key)
                self.aliases[lid] = lid
            self.aliases[function_role_logical_id(key)] = function_role_logical_id(key)
        for lid in (SHARED_ROLE, REST_API, HTTP_API, WEBSOCKET_API, DEPLOYMENT_BUCKET):
            self.aliases[lid] = lid
        for name in _map(self.cfg.get("layers")):
            if isinstance(name, str):
                lid = normalized_function_name(name) + "LambdaLayer"
                self.aliases[lid] = lid
        for lid in self._event_resources():
            self.aliases.setdefault(lid, lid)

    def _event_resources(self) -> list[str]:
        """Logical ids of the buckets, topics and pools events make the Framework create."""
        found = []
        for fdef in self.functions.values():
            for event in as_list(fdef.get("events")):
                if not isinstance(event, Mapping) or len(event) != 1:
                    continue
                kind, spec = next(iter(event.items()))
                created = self._created_by(kind, spec)
                if created:
                    found.append(created[0])
        return found

    def _created_by(self, kind: str, spec: Any) -> tuple[str, str, str] | None:
        """(logical id, CloudFormation type, name) of what an event makes the Framework
        create, or None (existing resources, ARNs)."""
        if kind == "s3":
            bucket = _field(spec, "bucket")
            if not _is_text(bucket) or as_bool(_dig(spec, "existing")):
                return None
            configured = _map(_dig(self.provider, "s3", bucket))
            name = configured.get("name", bucket) if configured else bucket
            return "S3Bucket" + alnum_name(bucket), "AWS::S3::Bucket", str(name)
        if kind == "sns":
            if isinstance(spec, Mapping) and not is_intrinsic(spec) and \
                    spec.get("arn") is not None:
                return None
            topic = _field(spec, "topicName")
            if not _is_text(topic) or topic.startswith("arn:"):
                return None
            return "SNSTopic" + alnum_name(topic), "AWS::SNS::Topic", topic
        if kind == "cognitoUserPool" and isinstance(spec, Mapping):
            pool = spec.get("pool")
            if not _is_text(pool) or as_bool(spec.get("existing")):
                return None
            return "CognitoUserPool" + alnum_name(pool), "AWS::Cognito::UserPool", pool
        return None

    # --- IAM -------------------------------------------------------------------------

    def _provider_role_value(self) -> tuple[Any, Any, Any] | None:
        """(value, container, key) of an existing role set for all functions, if any:
        ``provider.iam.role`` as a string or intrinsic, or the older ``provider.role``."""
        iam = _map(self.provider.get("iam"))
        role = iam.get("role")
        if isinstance(role, str | Unresolved) or (
                isinstance(role, Mapping) and any("::" in str(k) for k in role)):
            return role, iam, "role"
        if "role" in self.provider:
            return self.provider.get("role"), self.provider, "role"
        return None

    def _provider_statements(self) -> tuple[Any, Any, Any]:
        """(statements, container, key): ``provider.iam.role.statements`` wins over the
        older ``provider.iamRoleStatements``, as in the Framework."""
        role = _dig(self.provider, "iam", "role")
        if isinstance(role, Mapping) and role.get("statements") is not None:
            return role.get("statements"), role, "statements"
        if self.provider.get("iamRoleStatements") is not None:
            return self.provider.get("iamRoleStatements"), self.provider, "iamRoleStatements"
        return None, None, None

    def _plan_shared_role(self) -> _RoleDraft | None:
        """The shared role, unless an existing role replaces it for every function."""
        if self._provider_role_value() is not None:
            return None
        if self.functions and all("role" in f for f in self.functions.values()):
            return None
        iam_role = _map(_dig(self.provider, "iam", "role"))
        anchor, anchor_key = self._role_anchor()
        draft = _RoleDraft(
            id=SHARED_ROLE, loc=self.loc(anchor, anchor_key),
            name=iam_role.get("name") or _join_name(self.service, self.stage, self.region,
                                                    "lambdaRole"),
            policy_name=_join_name(self.stage, self.service, "lambda"))
        if "name" in iam_role:
            draft.lines["name"] = _line(iam_role, "name") or 0
        self._base_log_statements(draft)
        statements, container, key = self._provider_statements()
        if statements is not None:
            draft.lines["policies"] = _line(container, key) or 0
            draft.statements.extend(self._statements(statements, container, key))
        draft.managed.extend(self._managed_policies())
        vpc = next((f for f in self.functions.values() if "vpc" in f), None)
        if vpc is not None or self.provider.get("vpc"):
            # ENI management, added when any function (or the provider) sets a VPC
            at = self.loc(vpc, "vpc") if vpc is not None else self.loc(self.provider, "vpc")
            draft.managed.append(managed_policy(VPC_POLICY, at))
        boundary = self._boundary(iam_role)
        if boundary is not None:
            draft.boundary, line = boundary
            if line:
                draft.lines["permissions_boundary"] = line
        return draft

    def _role_anchor(self) -> tuple[Any, Any]:
        """Where the shared role is "written": its config, else the provider."""
        iam = _map(self.provider.get("iam"))
        if "role" in iam:
            return iam, "role"
        if "iamRoleStatements" in self.provider:
            return self.provider, "iamRoleStatements"
        if "provider" in self.cfg:
            return self.cfg, "provider"
        return self.cfg, None

    def _boundary(self, iam_role: Mapping[str, Any]) -> tuple[Any, int | None] | None:
        for container, key in ((iam_role, "permissionsBoundary"),
                               (iam_role, "permissionBoundary"),
                               (self.provider, "rolePermissionsBoundary")):
            if container.get(key) is not None:
                return self.intrinsic(container[key]), _line(container, key)
        return None

    def _managed_policies(self) -> list[Policy]:
        iam_role = _dig(self.provider, "iam", "role")
        if isinstance(iam_role, Mapping) and iam_role.get("managedPolicies") is not None:
            container, key = iam_role, "managedPolicies"
        elif self.provider.get("iamManagedPolicies") is not None:
            container, key = self.provider, "iamManagedPolicies"
        else:
            return []
        return self._policy_arns(container[key], container, key)

    def _policy_arns(self, raw: Any, container: Any, key: str) -> list[Policy]:
        out = []
        items = raw if isinstance(raw, list) else [raw]
        for index, item in enumerate(items):
            loc = self.loc(items, index) if isinstance(items, LineList) else \
                self.loc(container, key)
            value = self.intrinsic(item)
            local = self._local_managed_policy(value, loc)
            out.append(local or managed_policy(value, loc))
        return out

    def _local_managed_policy(self, value: Any, loc: Location) -> Policy | None:
        """A ``Ref`` to an ``AWS::IAM::ManagedPolicy`` of the resources block."""
        if not isinstance(value, Ref) or value.attribute:
            return None
        raw = self.user_resources.get(value.target)
        if not isinstance(raw, Mapping) or raw.get("Type") != "AWS::IAM::ManagedPolicy":
            return None
        from faasguard.loaders.policy import parse_document

        props = _map(self.intrinsic(raw.get("Properties")))
        document = props.get("PolicyDocument")
        return parse_document(document, origin(raw, self.rel), value.target, origin="managed",
                              fallback_line=_line(raw) or loc.line)

    def _statements(self, raw: Any, container: Any, key: str) -> list[Statement]:
        """IAM statements written in the config, intrinsics evaluated."""
        if isinstance(raw, Unresolved):
            self.diag("warning", f"IAM statements unresolved ({raw.reason}); the role's "
                      "permissions are unknown", container, key)
            return []
        if not isinstance(raw, list):
            self.diag("warning", "IAM statements must be a list", container, key)
            return []
        file = origin(raw, self.rel)
        resolved = self.intrinsic(raw)
        out = []
        for index, item in enumerate(resolved):
            line = raw.line_of(index) if isinstance(raw, LineList) else _line(container, key)
            stmt = parse_statement(item, file, line)
            if stmt is None:
                self.diag("warning", "IAM statement is not a mapping", raw, index)
                continue
            out.append(stmt)
        return out

    def _log_arn(self, group: Any, suffix: str) -> Any:
        if isinstance(group, Unresolved):
            return Unresolved(f"{LOG_GROUP_ARN}{group.expr}{suffix}", group.reason)
        return resolve({"Fn::Sub": f"{LOG_GROUP_ARN}{group}{suffix}"}, self.ctx)

    def _base_log_statements(self, draft: _RoleDraft) -> None:
        """The log statements the Framework puts first in the shared role's policy."""
        prefix = self.name_prefix
        groups: list[Any] = []
        canonical = False
        for fdef in self.functions.values():
            if fdef.get("disableLogs"):
                continue
            name = fdef.get("name")
            if name is None or (isinstance(name, str) and isinstance(prefix, str)
                                and name.startswith(prefix)):
                canonical = True
            else:
                groups.append(_log_group_name(name))
        if canonical:
            groups.insert(0, _log_group_name(prefix, wildcard=True))
        if not groups:
            return
        write = ("logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource")
        draft.statements.append(Statement(
            effect="Allow", loc=draft.loc, actions=write,
            resources=tuple(self._log_arn(g, ":*") for g in groups)))
        draft.statements.append(Statement(
            effect="Allow", loc=draft.loc, actions=("logs:PutLogEvents",),
            resources=tuple(self._log_arn(g, ":*:*") for g in groups)))

    def _function_role(self, key: str, fdef: Mapping[str, Any], shared: _RoleDraft | None,
                       fn_name: Any, implied: list[_Implied]) -> tuple[str | None, Location | None]:
        """The role id a function runs with, and where the config chose it."""
        own = self._per_function_config(fdef)
        if "role" in fdef:
            if own:
                self.diag("warning", f"function {key}: 'role' cannot be combined with "
                          "function-level IAM statements; the statements are ignored",
                          fdef, "role")
            return self._named_role(fdef.get("role"), fdef, "role", key), self.loc(fdef, "role")
        existing = self._provider_role_value()
        if existing is not None:
            if own:
                self.diag("warning", f"function {key}: function-level IAM statements are "
                          "ignored when the provider names an existing role", fdef,
                          own[1])
            value, container, ckey = existing
            return self._named_role(value, container, ckey, key), self.loc(container, ckey)
        if own or self._per_function_mode():
            rid = self._own_role(key, fdef, shared, fn_name, implied)
            return rid, self.loc(fdef, own[1]) if own else None
        if shared is None:
            return None, None
        shared.used = True
        for item in implied:
            # the Framework merges with a union: an identical grant is added once
            if not any(s.actions == item.actions and s.resources == item.resources
                       for s in shared.statements):
                shared.statements.append(Statement(effect="Allow", loc=item.loc,
                                                   actions=item.actions,
                                                   resources=item.resources))
        return shared.id, None

    def _per_function_config(self, fdef: Mapping[str, Any]) -> tuple[Any, str] | None:
        """(statements, key) when the function asks for its own role and the Framework
        version in use gives it one."""
        statements = _dig(fdef, "iam", "role", "statements")
        key = "iam"
        if statements is None and "iamRoleStatements" in fdef:
            statements, key = fdef.get("iamRoleStatements"), "iamRoleStatements"
        managed = _dig(fdef, "iam", "role", "managedPolicies")
        if statements is None and not managed:
            return None
        if not self._per_function_supported():
            self.diag("warning", f"function-level {key} needs the {PER_FUNCTION_PLUGIN} plugin "
                      "(Framework v3); it is ignored and the shared role applies", fdef, key)
            return None
        return statements if statements is not None else [], key

    def _per_function_supported(self) -> bool:
        plugins = self.cfg.get("plugins")
        if isinstance(plugins, Mapping):
            plugins = plugins.get("modules")
        if any(isinstance(p, str) and p.endswith(PER_FUNCTION_PLUGIN) for p in as_list(plugins)):
            return True
        version = text(self.cfg.get("frameworkVersion")) or ""
        # v4 has per-function roles built in; v1-v3 need the plugin
        return not version.lstrip("^~>=< ").startswith(("1", "2", "3"))

    def _per_function_mode(self) -> bool:
        """Framework v4 ``provider.iam.role.mode: perFunction``: every function its own role."""
        return _dig(self.provider, "iam", "role", "mode") == "perFunction"

    def _own_role(self, key: str, fdef: Mapping[str, Any], shared: _RoleDraft | None,
                  fn_name: Any, implied: list[_Implied]) -> str:
        rid = function_role_logical_id(key)
        fiam_role = _map(_dig(fdef, "iam", "role"))
        name = fiam_role.get("name") or fdef.get("iamRoleStatementsName") or _join_name(
            self.service, self.stage, key, self.region, "lambdaRole")
        anchor = "iam" if "iam" in fdef else "iamRoleStatements" \
            if "iamRoleStatements" in fdef else None
        draft = _RoleDraft(id=rid, loc=self.loc(fdef, anchor), name=name,
                           policy_name=_join_name(self.stage, self.service, "lambda"), used=True)
        if not fdef.get("disableLogs"):
            group = _log_group_name(fn_name)
            draft.statements.append(Statement(
                effect="Allow", loc=draft.loc,
                actions=("logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents"),
                resources=(self._log_arn(group, ":*:*"),)))
        for item in implied:
            if not item.shared_only:
                draft.statements.append(Statement(effect="Allow", loc=item.loc,
                                                  actions=item.actions,
                                                  resources=item.resources))
        if self._inherits(fdef):
            statements, container, ckey = self._provider_statements()
            if statements is not None:
                draft.statements.extend(self._statements(statements, container, ckey))
        own = self._per_function_config(fdef)
        if own is not None:
            statements, skey = own
            container = fiam_role if skey == "iam" else fdef
            ckey = "statements" if skey == "iam" else skey
            if statements:
                draft.statements.extend(self._statements(statements, container, ckey))
            draft.lines["policies"] = _line(container, ckey) or _line(fdef, skey) or 0
        if self._per_function_mode():
            draft.managed.extend(self._managed_policies())
        if fiam_role.get("managedPolicies"):
            draft.managed.extend(self._policy_arns(fiam_role["managedPolicies"], fiam_role,
                                                   "managedPolicies"))
        if "vpc" in fdef or self.provider.get("vpc"):
            draft.managed.append(managed_policy(VPC_POLICY, draft.loc))
        boundary = self._function_boundary(fdef, fiam_role)
        if boundary is not None:
            draft.boundary, line = boundary
            if line:
                draft.lines["permissions_boundary"] = line
        self.role_drafts[rid] = draft
        return rid

    def _inherits(self, fdef: Mapping[str, Any]) -> bool:
        """Whether a function's own role also gets the provider's statements.

        The plugin's rule, also kept by v4: ``iam.inheritStatements`` (v4), else
        ``iamRoleStatementsInherit``, else ``custom.<plugin>.defaultInherit`` (false
        by default; true by default in v4's ``perFunction`` mode)."""
        for value in (_dig(fdef, "iam", "inheritStatements"), fdef.get("iamRoleStatementsInherit")):
            flag = as_bool(value)
            if flag is not None:
                return flag
        default = as_bool(_dig(self.cfg, "custom", PER_FUNCTION_PLUGIN, "defaultInherit"))
        if default is not None:
            return default
        return self._per_function_mode()

    def _function_boundary(self, fdef: Mapping[str, Any],
                           fiam_role: Mapping[str, Any]) -> tuple[Any, int | None] | None:
        plugin = _map(_dig(self.cfg, "custom", PER_FUNCTION_PLUGIN))
        for container, key in ((fiam_role, "permissionsBoundary"),
                               (fdef, "iamPermissionsBoundary"),
                               (plugin, "iamGlobalPermissionsBoundary")):
            if container.get(key) is not None:
                return self.intrinsic(container[key]), _line(container, key)
        return None

    def _named_role(self, raw: Any, container: Any, key: str, owner: str) -> str | None:
        """A role named by ARN, logical id, ``Fn::GetAtt`` or import: its node id."""
        value = self.intrinsic(raw)
        if isinstance(value, Ref):
            return value.target
        if _is_text(value) and not value.startswith("arn:"):
            if value not in self.user_resources:
                self.diag("warning", f"{owner}: role {value!r} is not defined in resources",
                          container, key)
            return value
        return self._external_role(value, container, key)

    def _external_role(self, value: Any, container: Any, key: str) -> str:
        rid = value.expr if isinstance(value, Unresolved) else str(value)
        if rid not in self.roles:
            match = _ROLE_ARN.match(rid)
            line = _line(container, key)
            self.roles[rid] = Role(
                id=rid, loc=self.loc(container, key),
                lines={"external_arn": line} if line else {},
                name=match.group(1) if match else None, external_arn=value)
        return rid

    # --- functions -------------------------------------------------------------------

    def _inherited(self, fdef: Mapping[str, Any], key: str,
                   provider_key: str | None = None) -> tuple[Any, Any, str] | None:
        """(value, container, key) from the function, else from the provider."""
        if fdef.get(key) is not None:
            return fdef[key], fdef, key
        pkey = provider_key or key
        if self.provider.get(pkey) is not None:
            return self.provider[pkey], self.provider, pkey
        return None

    def _function(self, key: str, fdef: Mapping[str, Any], shared: _RoleDraft | None) -> Function:
        file = origin(fdef, self.rel)
        lines: dict[str, int] = {}
        values: dict[str, Any] = {}
        where: dict[str, Location] = {}

        def put(field_name: str, value: Any, container: Any, ckey: str) -> None:
            values[field_name] = value
            where[field_name] = self.loc(container, ckey)
            line = _line(container, ckey)
            if line and origin(container, self.rel) == file:
                lines[field_name] = line

        name = fdef.get("name")
        if name is not None:
            put("name", name, fdef, "name")
        else:
            values["name"] = _join_name(self.service, self.stage, key)
        for field_name, ckey in (("handler", "handler"), ("reserved_concurrency",
                                                          "reservedConcurrency"),
                                 ("provisioned_concurrency", "provisionedConcurrency"),
                                 ("ephemeral_storage", "ephemeralStorageSize")):
            if fdef.get(ckey) is not None:
                put(field_name, fdef[ckey], fdef, ckey)
        self._image(fdef, put, values)
        if values.get("package_type") != "Image":
            found = self._inherited(fdef, "runtime")
            if found:
                put("runtime", *found)
        for field_name, ckey, default in (("timeout", "timeout", DEFAULT_TIMEOUT),
                                          ("memory", "memorySize", DEFAULT_MEMORY)):
            found = self._inherited(fdef, ckey)
            if found:
                put(field_name, *found)
            else:
                values[field_name] = default
        found = self._inherited(fdef, "architecture")
        if found:
            put("architectures", (found[0],), found[1], found[2])
        self._environment(fdef, file, put, values)
        self._tags(fdef, put)
        layers = fdef.get("layers") if "layers" in fdef else self.provider.get("layers")
        if layers is not None:
            container = fdef if "layers" in fdef else self.provider
            put("layers", tuple(as_list(self.intrinsic(layers))), container, "layers")
        self._vpc(fdef, put)
        self._tracing(fdef, put)
        for ckey in ("kmsKeyArn", "awsKmsKeyArn"):
            found = self._inherited(fdef, ckey)
            if found:
                put("kms_key", self.intrinsic(found[0]), found[1], found[2])
                break
        if fdef.get("onError") is not None:
            put("dead_letter", self.intrinsic(fdef["onError"]), fdef, "onError")
        failure = _dig(fdef, "destinations", "onFailure")
        if failure is not None:
            target = failure.get("arn") if isinstance(failure, Mapping) else failure
            put("on_failure", self.intrinsic(target), fdef["destinations"], "onFailure")
        log_format = _dig(fdef, "logs", "logFormat")
        if log_format is not None:
            put("log_format", log_format, fdef["logs"], "logFormat")
        elif _dig(self.provider, "logs", "lambda", "logFormat") is not None:
            container = self.provider["logs"]["lambda"]
            put("log_format", container["logFormat"], container, "logFormat")
        url = self._url(fdef, file)
        if url is not None:
            put("url", url, fdef, "url")
        values["code_path"] = self._code_path(fdef, values)
        triggers, implied = self._events(key, fdef)
        if url is not None:
            triggers.insert(0, Trigger(TriggerKind.FUNCTION_URL, url.loc,
                                       properties={"auth_type": url.auth_type}))
        implied.extend(self._function_implied(fdef, values, where))
        role, role_at = self._function_role(key, fdef, shared, values["name"], implied)
        values["role"] = role
        if role_at is not None and role_at.line and role_at.file == file:
            lines["role"] = role_at.line
        if not fdef.get("disableLogs"):
            values["log_group"] = self._log_group(key, fdef, values["name"], file)
        return Function(id=key, loc=self.function_locs[key], lines=lines,
                        env_lines=values.pop("env_lines", {}), triggers=tuple(triggers),
                        **values)

    def _image(self, fdef: Mapping[str, Any], put: Any, values: dict[str, Any]) -> None:
        image = fdef.get("image")
        if image is None:
            return
        values["package_type"] = "Image"
        if isinstance(image, Mapping):
            uri = image.get("uri")
            configured = _map(_dig(self.provider, "ecr", "images", str(image.get("name"))))
        else:
            uri = image if isinstance(image, str) and "/" in image else None
            configured = _map(_dig(self.provider, "ecr", "images", str(image)))
        uri = uri or configured.get("uri")
        if uri is not None:
            put("image_uri", uri, fdef, "image")
        path = configured.get("path")
        if _is_text(path):
            values["image_path"] = path  # removed below: only used for the code path

    def _environment(self, fdef: Mapping[str, Any], file: str, put: Any,
                     values: dict[str, Any]) -> None:
        """Provider variables, then the function's (which win), each with its own line."""
        env: dict[str, Any] = {}
        env_lines: dict[str, int] = {}
        written = False
        for container in (self.provider, fdef):
            raw = container.get("environment")
            if raw is None:
                continue
            written = True
            if isinstance(raw, Unresolved):
                self.diag("warning", f"environment unresolved ({raw.reason})", container,
                          "environment")
                continue
            if not isinstance(raw, Mapping):
                continue
            same_file = origin(raw, self.rel) == file
            for name, value in raw.items():
                env[str(name)] = self.intrinsic(value)
                line = _line(raw, name)
                if line and same_file:
                    env_lines[str(name)] = line
                else:
                    env_lines.pop(str(name), None)
        if written:
            source = fdef if fdef.get("environment") is not None else self.provider
            put("environment", env, source, "environment")
            values["env_lines"] = env_lines

    def _tags(self, fdef: Mapping[str, Any], put: Any) -> None:
        tags: dict[str, Any] = {}
        source = None
        for container in (self.provider, fdef):
            raw = container.get("tags")
            if isinstance(raw, Mapping):
                tags.update({str(k): v for k, v in raw.items()})
                source = container
        if source is not None:
            put("tags", tags, source, "tags")

    def _vpc(self, fdef: Mapping[str, Any], put: Any) -> None:
        """The Framework takes security groups and subnets each from the function, else
        the provider, and attaches the function only when both are set."""
        fvpc, pvpc = fdef.get("vpc"), self.provider.get("vpc")
        if fvpc is None and pvpc is None:
            return
        container = fdef if fvpc is not None else self.provider
        if isinstance(fvpc, Unresolved) or (fvpc is None and isinstance(pvpc, Unresolved)):
            put("vpc", None, container, "vpc")
            return
        groups = _map(fvpc).get("securityGroupIds") or _map(pvpc).get("securityGroupIds")
        subnets = _map(fvpc).get("subnetIds") or _map(pvpc).get("subnetIds")
        if groups and subnets:
            put("vpc", True, container, "vpc")

    def _tracing(self, fdef: Mapping[str, Any], put: Any) -> None:
        value: Any = fdef.get("tracing")
        container: Any = fdef
        key = "tracing"
        if not value:
            container, key = self.provider.get("tracing"), "lambda"
            value = _dig(container, "lambda")
        if not value:
            return
        if isinstance(value, bool) or value == "true":
            value = "Active"
        put("tracing", value, container, key)

    def _url(self, fdef: Mapping[str, Any], file: str) -> FunctionUrl | None:
        raw = fdef.get("url")
        if raw is None or raw is False:
            return None
        loc = self.loc(fdef, "url")
        if isinstance(raw, Unresolved):
            return FunctionUrl(auth_type=raw, loc=loc)
        if not isinstance(raw, Mapping):
            return FunctionUrl(auth_type="NONE", loc=loc) if as_bool(raw) else None
        authorizer = raw.get("authorizer")
        if isinstance(authorizer, Unresolved):
            auth: Any = authorizer
        else:
            auth = "AWS_IAM" if str(authorizer).lower() == "aws_iam" else "NONE"
        cors = None
        if raw.get("cors") not in (None, False):
            spec = raw.get("cors")
            origins = _map(spec).get("allowedOrigins", ["*"]) if isinstance(spec, Mapping) \
                else ["*"]
            cors = Cors(allow_origins=tuple(as_list(origins)),
                        allow_credentials=as_bool(_map(spec).get("allowCredentials")),
                        loc=self.loc(raw, "cors"))
        mode = raw.get("invokeMode")
        return FunctionUrl(auth_type=auth, loc=self.loc(raw, "authorizer")
                           if "authorizer" in raw else loc, cors=cors,
                           invoke_mode=mode if isinstance(mode, str) else None)

    def _function_implied(self, fdef: Mapping[str, Any], values: Mapping[str, Any],
                          where: Mapping[str, Location]) -> list[_Implied]:
        """Statements the Framework adds for onError, KMS, tracing and destinations."""
        out: list[_Implied] = []
        dead_letter = values.get("dead_letter")
        if isinstance(dead_letter, str) and dead_letter:
            out.append(_Implied(("sns:Publish",), (dead_letter,), where["dead_letter"]))
        kms = values.get("kms_key")
        if _is_text(kms) and kms:
            out.append(_Implied(("kms:Decrypt",), (kms,), where["kms_key"], shared_only=True))
        if values.get("tracing"):
            out.append(_Implied(("xray:PutTraceSegments", "xray:PutTelemetryRecords"), ("*",),
                                where["tracing"], shared_only=True))
        failure = values.get("on_failure")
        if _is_text(failure) and failure and "role" not in fdef:
            out.append(self._destination_statement(failure, where["on_failure"]))
        return out

    def _destination_statement(self, target: str, loc: Location) -> _Implied:
        if not target.startswith("arn:") or ":function:" in target:
            if target.startswith("arn:"):
                resource: Any = target
            else:
                other = self.functions.get(target)
                name = _map(other).get("name") or _join_name(self.service, self.stage, target)
                resource = resolve({"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:"
                                    f"${{AWS::AccountId}}:function:{name}"}, self.ctx)
            return _Implied(("lambda:InvokeFunction",), (resource,), loc, shared_only=True)
        action = "sqs:SendMessage" if ":sqs:" in target else "sns:Publish" if ":sns:" in target \
            else "events:PutEvents"
        return _Implied((action,), (target,), loc, shared_only=True)

    def _log_group(self, key: str, fdef: Mapping[str, Any], fn_name: Any, file: str) -> str:
        """The log group the Framework creates for each function, with its retention."""
        lid = log_group_logical_id(key)
        lines: dict[str, int] = {}
        retention = None
        for container in (fdef, self.provider):
            if container.get("logRetentionInDays") is not None:
                retention = container["logRetentionInDays"]
                line = _line(container, "logRetentionInDays")
                if line and origin(container, self.rel) == file:
                    lines["retention_days"] = line
                break
        name = _log_group_name(fn_name)
        self.resources[lid] = LogGroup(
            id=lid, loc=self.function_locs[key], lines=lines, type="AWS::Logs::LogGroup",
            name=name, retention_days=retention, generated=True)
        return lid

    def _code_path(self, fdef: Mapping[str, Any], values: dict[str, Any]) -> str | None:
        """The handler's source file when it can be found, else the service directory."""
        image_path = values.pop("image_path", None)
        if image_path is not None:
            return self._local_path(image_path) or self.app_root
        if values.get("package_type") == "Image":
            return None
        artifact = _dig(fdef, "package", "artifact") or _dig(self.cfg, "package", "artifact")
        if _is_text(artifact) and "://" not in artifact:
            return self._local_path(artifact) or self.app_root
        handler = values.get("handler")
        if not _is_text(handler) or "." not in handler:
            return self.app_root
        module = handler.rsplit(".", 1)[0]
        runtime = values.get("runtime")
        suffixes = _ALL_SUFFIXES
        if _is_text(runtime):
            family = next((f for f in RUNTIME_SUFFIXES if runtime.startswith(f)), None)
            if family is None:
                return self.app_root  # compiled runtimes (java, go, dotnet, provided)
            suffixes = RUNTIME_SUFFIXES[family]
        candidates = [module]
        if "/" not in module and "." in module:
            candidates.append(module.replace(".", "/"))  # python packages: pkg.mod.func
        for candidate in candidates:
            for suffix in suffixes:
                found = self._local_path(candidate + suffix, must_exist=True)
                if found:
                    return found
        return self.app_root

    def _local_path(self, written: str, must_exist: bool = False) -> str | None:
        """A path written in the config, relative to the scan root, if inside it."""
        target = self.base_dir / written
        if not inside(target, self.opts.root) or (must_exist and not target.is_file()):
            return None
        return posixpath.normpath(posixpath.join(self.app_root, written.replace("\\", "/")))

    # --- events ----------------------------------------------------------------------

    def _events(self, key: str, fdef: Mapping[str, Any]) -> tuple[list[Trigger], list[_Implied]]:
        events = fdef.get("events")
        triggers: list[Trigger] = []
        implied: list[_Implied] = []
        if events is None:
            return triggers, implied
        if not isinstance(events, list):
            self.diag("warning", f"function {key}: events must be a list", fdef, "events")
            return triggers, implied
        for index, event in enumerate(events):
            loc = self.loc(events, index)
            if not isinstance(event, Mapping) or len(event) != 1:
                self.diag("warning", f"function {key}: event {index + 1} must be a mapping with "
                          "one event type", events, index)
                continue
            kind, spec = next(iter(event.items()))
            builder = _EVENT_BUILDERS.get(str(kind))
            if builder is None:
                source = _dig(spec, "arn") if isinstance(spec, Mapping) else None
                triggers.append(Trigger(TriggerKind.OTHER, loc, source=self.intrinsic(source),
                                        properties={"event": str(kind)}))
                continue
            trigger = builder(self, key, spec, loc, implied)
            if trigger is not None:
                triggers.append(trigger)
        return triggers, implied

    def _props(self, spec: Any) -> dict[str, Any]:
        """The settings of an event written as a mapping, intrinsics evaluated."""
        if not isinstance(spec, Mapping) or is_intrinsic(spec):
            return {}
        return dict(_map(self.intrinsic(spec)))

    def _api(self, aid: str, kind: str, loc: Location) -> _ApiDraft:
        if aid not in self.apis:
            self.apis[aid] = _ApiDraft(aid, kind, loc=loc)
        return self.apis[aid]

    def _http(self, key: str, spec: Any, loc: Location, implied: list[_Implied]) -> Trigger | None:
        """``http``: a REST API (v1) route."""
        method, path = _method_path(spec)
        if method is None:
            self.diag("warning", f"function {key}: http event needs a method and a path",
                      at=loc)
            return None
        authorizer = self._rest_authorizer(_dig(spec, "authorizer"), spec)
        private = as_bool(_dig(spec, "private")) is True
        route = Route(api=REST_API, method=method, path=path, loc=loc, authorizer=authorizer,
                      api_key_required=private, function=key)
        draft = self._api(REST_API, "rest", loc)
        draft.routes.append(route)
        cors = self._event_cors(_dig(spec, "cors"), spec)
        if cors is not None:
            draft.cors.append(cors)
        return Trigger(TriggerKind.REST_API, loc, api=REST_API, route=route,
                       properties=self._props(spec))

    def _rest_authorizer(self, raw: Any, spec: Any) -> Authorizer:
        if raw is None:
            return NO_AUTH
        loc = self.loc(spec, "authorizer")
        if isinstance(raw, Unresolved):
            return Authorizer(AuthKind.UNRESOLVED, raw.expr, loc)
        if isinstance(raw, str):
            return Authorizer(_authorizer_kind_of_arn(raw), raw, loc)
        if not isinstance(raw, Mapping):
            return Authorizer(AuthKind.UNRESOLVED, str(raw), loc)
        kind = str(raw.get("type", "")).lower()
        name = raw.get("name") or raw.get("arn")
        if kind == "aws_iam":
            return Authorizer(AuthKind.IAM, "aws_iam", loc)
        if kind == "cognito_user_pools":
            return Authorizer(AuthKind.COGNITO, _shown(name), loc)
        if kind in ("token", "request", "custom"):
            return Authorizer(AuthKind.LAMBDA, _shown(name), loc)
        if raw.get("authorizerId") is not None:
            return Authorizer(self._existing_authorizer_kind(raw["authorizerId"]),
                              _shown(raw["authorizerId"]), loc)
        arn = self.intrinsic(raw.get("arn"))
        if _is_text(arn):
            return Authorizer(_authorizer_kind_of_arn(arn), arn, loc)
        if name is not None:
            return Authorizer(AuthKind.LAMBDA, _shown(name), loc)
        return Authorizer(AuthKind.UNRESOLVED, None, loc)

    def _existing_authorizer_kind(self, raw: Any) -> AuthKind:
        """``authorizerId: !Ref MyAuthorizer``: the kind its resource declares."""
        value = self.intrinsic(raw)
        if isinstance(value, Ref):
            props = _map(_map(self.user_resources.get(value.target)).get("Properties"))
            declared = str(props.get("Type", "")).upper()
            if declared == "COGNITO_USER_POOLS":
                return AuthKind.COGNITO
            if declared in ("TOKEN", "REQUEST"):
                return AuthKind.LAMBDA
        return AuthKind.UNRESOLVED

    def _event_cors(self, raw: Any, spec: Any) -> Cors | None:
        if raw is None or raw is False:
            return None
        loc = self.loc(spec, "cors")
        if not isinstance(raw, Mapping):
            return Cors(allow_origins=("*",), loc=loc) if as_bool(raw) else None
        origins = raw.get("origins") if raw.get("origins") is not None else raw.get("origin", "*")
        return Cors(allow_origins=tuple(as_list(origins)),
                    allow_credentials=as_bool(raw.get("allowCredentials")), loc=loc)

    def _http_api(self, key: str, spec: Any, loc: Location,
                  implied: list[_Implied]) -> Trigger | None:
        """``httpApi``: an HTTP API (v2) route."""
        method: str | None = "ANY"
        path = "$default"
        if spec != "*" and not (isinstance(spec, Mapping) and spec.get("path") == "*"):
            method, path = _method_path(spec)
        if method is None:
            self.diag("warning", f"function {key}: httpApi event needs a method and a path",
                      at=loc)
            return None
        method = "ANY" if method == "*" else method
        route = Route(api=HTTP_API, method=method, path=path, loc=loc,
                      authorizer=self._http_authorizer(_dig(spec, "authorizer"), spec),
                      function=key)
        self._api(HTTP_API, "http", loc).routes.append(route)
        return Trigger(TriggerKind.HTTP_API, loc, api=HTTP_API, route=route,
                       properties=self._props(spec))

    def _http_authorizer(self, raw: Any, spec: Any) -> Authorizer:
        if raw is None:
            return NO_AUTH
        loc = self.loc(spec, "authorizer")
        if isinstance(raw, Unresolved):
            return Authorizer(AuthKind.UNRESOLVED, raw.expr, loc)
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, Mapping):
            return Authorizer(AuthKind.UNRESOLVED, str(raw), loc)
        if str(raw.get("type", "")).lower() == "aws_iam":
            return Authorizer(AuthKind.IAM, "aws_iam", loc)
        if raw.get("id") is not None:
            return Authorizer(AuthKind.UNRESOLVED, _shown(raw["id"]), loc)
        name = raw.get("name")
        configured = _dig(self.provider, "httpApi", "authorizers", str(name))
        if not isinstance(configured, Mapping):
            self.diag("warning", f"httpApi authorizer {name!r} is not defined in "
                      "provider.httpApi.authorizers", spec, "authorizer")
            return Authorizer(AuthKind.UNRESOLVED, _shown(name), loc)
        kind = AuthKind.LAMBDA if str(configured.get("type", "jwt")).lower() == "request" \
            else AuthKind.JWT
        return Authorizer(kind, str(name), loc)

    def _websocket(self, key: str, spec: Any, loc: Location,
                   implied: list[_Implied]) -> Trigger | None:
        route_key = _field(spec, "route")
        if not _is_text(route_key):
            self.diag("warning", f"function {key}: websocket event needs a route", at=loc)
            return None
        raw = _dig(spec, "authorizer")
        authorizer = NO_AUTH
        if raw is not None:
            shown = raw.get("name") or raw.get("arn") if isinstance(raw, Mapping) else raw
            authorizer = Authorizer(AuthKind.LAMBDA if not isinstance(raw, Unresolved)
                                    else AuthKind.UNRESOLVED, _shown(shown),
                                    self.loc(spec, "authorizer"))
        route = Route(api=WEBSOCKET_API, method="WS", path=route_key, loc=loc,
                      authorizer=authorizer, function=key)
        self._api(WEBSOCKET_API, "websocket", loc).routes.append(route)
        return Trigger(TriggerKind.WEBSOCKET, loc, api=WEBSOCKET_API, route=route,
                       properties=self._props(spec))

    def _s3(self, key: str, spec: Any, loc: Location, implied: list[_Implied]) -> Trigger | None:
        bucket = _field(spec, "bucket")
        created = self._created_by("s3", spec)
        source: Any = self.intrinsic(bucket)
        if created is not None:
            lid, rtype, name = created
            props = {"BucketName": name}
            for pkey, pvalue in _map(_dig(self.provider, "s3", str(bucket))).items():
                if pkey != "name":
                    props[normalize(str(pkey))] = pvalue
            self._generate(lid, rtype, props, loc)
            source = Ref(lid)
        elif _is_text(bucket):
            source = self._resource_named("AWS::S3::Bucket", "BucketName", bucket) or bucket
        return Trigger(TriggerKind.S3, loc, source=source, properties=self._props(spec))

    def _sqs(self, key: str, spec: Any, loc: Location, implied: list[_Implied]) -> Trigger | None:
        arn = self.intrinsic(_field(spec, "arn"))
        if arn is not None:
            implied.append(_Implied(SQS_ACTIONS, (arn,), loc))
        return Trigger(TriggerKind.SQS, loc, source=arn, batch_size=_dig(spec, "batchSize"),
                       properties=self._props(spec))

    def _sns(self, key: str, spec: Any, loc: Location, implied: list[_Implied]) -> Trigger | None:
        created = self._created_by("sns", spec)
        if created is not None:
            lid, rtype, name = created
            self._generate(lid, rtype, {"TopicName": name}, loc)
            source: Any = Ref(lid)
        else:
            source = self.intrinsic(_field(spec, "arn"))
        return Trigger(TriggerKind.SNS, loc, source=source, properties=self._props(spec))

    def _stream(self, key: str, spec: Any, loc: Location,
                implied: list[_Implied]) -> Trigger | None:
        arn = self.intrinsic(_field(spec, "arn"))
        declared = str(_dig(spec, "type") or "").lower()
        if declared not in STREAM_ACTIONS:
            declared = self._stream_type(arn)
        kind = {"dynamodb": TriggerKind.DYNAMODB_STREAM, "kinesis": TriggerKind.KINESIS}.get(
            declared, TriggerKind.OTHER)
        if declared in STREAM_ACTIONS and arn is not None:
            implied.append(_Implied(STREAM_ACTIONS[declared], (arn,), loc))
        return Trigger(kind, loc, source=arn, batch_size=_dig(spec, "batchSize"),
                       properties=self._props(spec))

    def _stream_type(self, arn: Any) -> str:
        if isinstance(arn, str):
            for service in STREAM_ACTIONS:
                if f":{service}:" in arn:
                    return service
        targets = [arn.target] if isinstance(arn, Ref) else \
            [r.target for r in arn.refs] if isinstance(arn, Interpolated) else []
        for target in targets:
            rtype = str(_map(self.user_resources.get(target)).get("Type", ""))
            if rtype.startswith("AWS::DynamoDB::"):
                return "dynamodb"
            if rtype.startswith("AWS::Kinesis::"):
                return "kinesis"
        return ""

    def _schedule(self, key: str, spec: Any, loc: Location,
                  implied: list[_Implied]) -> Trigger | None:
        rate = self.intrinsic(_field(spec, "rate"))
        source = tuple(rate) if isinstance(rate, list) else rate
        return Trigger(TriggerKind.SCHEDULE, loc, source=source, properties=self._props(spec))

    def _event_bridge(self, key: str, spec: Any, loc: Location,
                      implied: list[_Implied]) -> Trigger | None:
        props = self._props(spec)
        if props.get("schedule") is not None:
            return Trigger(TriggerKind.SCHEDULE, loc, source=props["schedule"], properties=props)
        return Trigger(TriggerKind.EVENTBRIDGE, loc,
                       source=props.get("pattern") or props.get("event"), properties=props)

    def _cloudwatch_log(self, key: str, spec: Any, loc: Location,
                        implied: list[_Implied]) -> Trigger | None:
        group = self.intrinsic(_field(spec, "logGroup"))
        return Trigger(TriggerKind.CLOUDWATCH_LOGS, loc, source=group,
                       properties=self._props(spec))

    def _cognito(self, key: str, spec: Any, loc: Location,
                 implied: list[_Implied]) -> Trigger | None:
        created = self._created_by("cognitoUserPool", spec)
        source: Any = _dig(spec, "pool")
        if created is not None:
            lid, rtype, name = created
            self._generate(lid, rtype, {"UserPoolName": name}, loc)
            source = Ref(lid)
        return Trigger(TriggerKind.COGNITO, loc, source=source, properties=self._props(spec))

    def _alb(self, key: str, spec: Any, loc: Location, implied: list[_Implied]) -> Trigger | None:
        props = self._props(spec)
        conditions = _map(props.get("conditions"))
        methods = as_list(conditions.get("method"))
        paths = as_list(conditions.get("path"))
        authorizer = NO_AUTH
        names = as_list(props.get("authorizer"))
        if names:
            configured = _map(_dig(self.provider, "alb", "authorizers", str(names[0])))
            kind = {"cognito": AuthKind.COGNITO, "oidc": AuthKind.JWT}.get(
                str(configured.get("type", "")).lower(), AuthKind.UNRESOLVED)
            authorizer = Authorizer(kind, str(names[0]), self.loc(spec, "authorizer"))
        route = Route(api="alb", method=str(methods[0]).upper() if methods else "ANY",
                      path=str(paths[0]) if paths else "/", loc=loc, authorizer=authorizer,
                      function=key)
        return Trigger(TriggerKind.ALB, loc, source=props.get("listenerArn"), route=route,
                       properties=props)

    def _iot(self, key: str, spec: Any, loc: Location, implied: list[_Implied]) -> Trigger | None:
        return Trigger(TriggerKind.IOT, loc, source=_dig(spec, "sql"),
                       properties=self._props(spec))

    def _kafka(self, key: str, spec: Any, loc: Location,
               implied: list[_Implied]) -> Trigger | None:
        props = self._props(spec)
        source = props.get("arn") or props.get("bootstrapServers")
        return Trigger(TriggerKind.KAFKA, loc, source=source, batch_size=props.get("batchSize"),
                       properties=props)

    def _generate(self, lid: str, rtype: str, props: dict[str, Any], loc: Location) -> None:
        """A resource the Framework creates for an event; the resources block may already
        define it (to configure it), in which case its definition is the one read."""
        if lid in self.user_resources or lid in self.generated:
            return
        properties = LineDict(loc.line or 0)
        for pkey, value in props.items():
            properties[pkey] = value
            properties.key_lines[pkey] = loc.line or 0
        resource = LineDict(loc.line or 0)
        resource["Type"] = rtype
        resource["Properties"] = properties
        self.generated[lid] = (resource, loc)

    def _resource_named(self, rtype: str, name_key: str, name: str) -> Ref | None:
        for lid, res in self.user_resources.items():
            if isinstance(res, Mapping) and res.get("Type") == rtype and \
                    _map(res.get("Properties")).get(name_key) == name:
                return Ref(lid)
        return None

    # --- APIs ------------------------------------------------------------------------

    def _build_apis(self) -> dict[str, Api]:
        apis: dict[str, Api] = {}
        builders = {"rest": self._rest_api, "http": self._http_api_node,
                    "websocket": self._websocket_api}
        self._share_connect_authorizer()
        for aid, draft in self.apis.items():
            apis[aid] = builders[draft.kind](draft)
        return apis

    def _share_connect_authorizer(self) -> None:
        """A WebSocket message can only arrive on a connection that passed ``$connect``,
        so the ``$connect`` authorizer guards every route of the API."""
        draft = self.apis.get(WEBSOCKET_API)
        if draft is None:
            return
        connect = next((r.authorizer for r in draft.routes if r.path == "$connect"), NO_AUTH)
        if connect.is_none:
            return
        draft.routes = [r if not r.authorizer.is_none else replace(r, authorizer=connect)
                        for r in draft.routes]

    def _api_name(self, configured: Any, default_parts: Iterable[Any]) -> Any:
        return configured if configured is not None else _join_name(*default_parts)

    def _rest_api(self, draft: _ApiDraft) -> Api:
        gateway = _map(self.provider.get("apiGateway"))
        lines: dict[str, int] = {}
        loc = draft.loc or Location(self.rel)

        def note(field_name: str, container: Any, key: str) -> None:
            line = _line(container, key)
            if line and origin(container, self.rel) == loc.file:
                lines[field_name] = line

        external = gateway.get("restApiId") is not None
        if gateway.get("shouldStartNameWithService"):
            default_name: tuple[Any, ...] = (self.service, self.stage)
        else:
            default_name = (self.stage, self.service)
        name = self._api_name(self.provider.get("apiName") or gateway.get("restApiId"),
                              default_name)
        cors = _merge_cors(draft.cors)
        if external:
            self.diag("info", "REST API is shared (provider.apiGateway.restApiId); its stage "
                      "settings are managed elsewhere", gateway, "restApiId")
            return Api(id=REST_API, loc=loc, lines=lines, kind="rest", name=name,
                       routes=tuple(draft.routes), cors=cors)
        rate, burst = self._rest_throttle(draft, note)
        logs = _dig(self.provider, "logs", "restApi")
        access = bool(logs) and as_bool(_map(logs).get("accessLogging")) is not False
        if logs is not None:
            note("access_logging", self.provider["logs"], "restApi")
        tracing = as_bool(_dig(self.provider, "tracing", "apiGateway")) is True
        if tracing:
            note("tracing", self.provider["tracing"], "apiGateway")
        endpoint = self.provider.get("endpointType") or gateway.get("endpointType") or "EDGE"
        if self.provider.get("endpointType") is not None:
            note("endpoint_type", self.provider, "endpointType")
        policy = self._resource_policy(gateway)
        return Api(id=REST_API, loc=loc, lines=lines, kind="rest", name=name,
                   routes=tuple(draft.routes), throttling_rate=rate, throttling_burst=burst,
                   waf=self._rest_waf(note), access_logging=access, tracing=tracing, cors=cors,
                   min_tls=self._min_tls("rest", REST_API, note),
                   endpoint_type=str(endpoint).upper() if _is_text(endpoint) else None,
                   resource_policy=policy, timeout_seconds=29.0)

    def _rest_throttle(self, draft: _ApiDraft, note: Any) -> tuple[Any, Any]:
        """Throttling that applies to the API's callers: the serverless-api-gateway-throttling
        plugin's stage settings, else a usage plan's (which binds callers only when the
        routes require API keys)."""
        plugin = _dig(self.cfg, "custom", "apiGatewayThrottling")
        if isinstance(plugin, Mapping):
            note("throttling_rate", self.cfg["custom"], "apiGatewayThrottling")
            return plugin.get("maxRequestsPerSecond"), plugin.get("maxConcurrentRequests")
        gateway = _map(self.provider.get("apiGateway"))
        plan = gateway.get("usagePlan", self.provider.get("usagePlan"))
        if not any(r.api_key_required for r in draft.routes):
            return None, None
        for item in as_list(plan):
            throttle = _map(item).get("throttle")
            if throttle is None and isinstance(item, Mapping) and len(item) == 1:
                throttle = _map(next(iter(item.values()))).get("throttle")
            if isinstance(throttle, Mapping):
                note("throttling_rate", item, "throttle")
                return throttle.get("rateLimit"), throttle.get("burstLimit")
        return None, None

    def _resource_policy(self, gateway: Mapping[str, Any]) -> Policy | None:
        for container, key in ((gateway, "resourcePolicy"), (self.provider, "resourcePolicy")):
            raw = container.get(key)
            if raw is not None:
                statements = self._statements(raw, container, key)
                return Policy(name=f"{REST_API} resource policy", loc=self.loc(container, key),
                              statements=tuple(statements))
        return None

    def _rest_waf(self, note: Any) -> bool:
        """True when a web ACL is associated: serverless-associate-waf's config, or a
        WebACLAssociation in the resources block that targets the REST API."""
        custom = _map(self.cfg.get("custom"))
        if custom.get("associateWaf") is not None:
            note("waf", custom, "associateWaf")
            return True
        for lid, res in self.user_resources.items():
            if not isinstance(res, Mapping) or res.get("Type") not in (
                    "AWS::WAFv2::WebACLAssociation", "AWS::WAFRegional::WebACLAssociation"):
                continue
            target = _map(res.get("Properties")).get("ResourceArn")
            if REST_API in json.dumps(target, default=str):
                note("waf", self.user_resources, lid)
                return True
        return False

    def _min_tls(self, api_type: str, api_id: str, note: Any) -> str | None:
        """The TLS policy of the API's custom domain: a domain in the resources block mapped
        to it, else serverless-domain-manager's (TLS 1.2 unless set)."""
        found = self._mapped_domain_policy(api_id)
        if found is not None:
            policy, container, key = found
            note("min_tls", container, key)
            return policy
        custom = _map(self.cfg.get("custom"))
        domains: list[tuple[Any, Any, str]] = []
        if isinstance(custom.get("customDomain"), Mapping):
            domains.append((custom["customDomain"], custom, "customDomain"))
        for item in as_list(custom.get("customDomains")):
            domains.extend((v, item, k) for k, v in _map(item).items() if isinstance(v, Mapping))
        for domain, container, key in domains:
            if str(domain.get("apiType", "rest")).lower() != api_type:
                continue
            if "securityPolicy" in domain:
                note("min_tls", domain, "securityPolicy")
            else:
                note("min_tls", container, key)
            policy = domain.get("securityPolicy", "tls_1_2")
            return str(policy).upper() if _is_text(policy) else None
        return None

    def _mapped_domain_policy(self, api_id: str) -> tuple[str, Any, str] | None:
        """(policy, container, key) of an ``AWS::ApiGateway::DomainName`` (or V2) that a
        base path / API mapping in the resources block points at this API."""
        mappings = ("AWS::ApiGateway::BasePathMapping", "AWS::ApiGateway::BasePathMappingV2",
                    "AWS::ApiGatewayV2::ApiMapping")
        for res in self.user_resources.values():
            if not isinstance(res, Mapping) or res.get("Type") not in mappings:
                continue
            props = _map(self.intrinsic(res.get("Properties")))
            target = props.get("RestApiId", props.get("ApiId"))
            if target != Ref(api_id):
                continue
            domain = props.get("DomainName")
            if isinstance(domain, Ref):
                raw = _map(self.user_resources.get(domain.target))
            else:
                raw = next((_map(r) for r in self.user_resources.values()
                            if _dig(r, "Properties", "DomainName") == domain), {})
            domain_props = _map(raw.get("Properties"))
            configs = domain_props.get("DomainNameConfigurations")
            holder = _map(configs[0]) if isinstance(configs, list) and configs else domain_props
            policy = self.intrinsic(holder.get("SecurityPolicy"))
            if _is_text(policy):
                return policy.upper(), holder, "SecurityPolicy"
        return None

    def _http_api_node(self, draft: _ApiDraft) -> Api:
        config = _map(self.provider.get("httpApi"))
        loc = draft.loc or Location(self.rel)
        name = self._api_name(config.get("name") or config.get("id"), (self.stage, self.service))
        cors_raw = config.get("cors")
        cors = None
        if cors_raw not in (None, False):
            origins = _map(cors_raw).get("allowedOrigins", ["*"])
            cors = Cors(allow_origins=tuple(as_list(origins)),
                        allow_credentials=as_bool(_map(cors_raw).get("allowCredentials")),
                        loc=self.loc(config, "cors"))
        if config.get("id") is not None:
            return Api(id=HTTP_API, loc=loc, kind="http", name=name,
                       routes=tuple(draft.routes), cors=cors, timeout_seconds=30.0)
        lines: dict[str, int] = {}

        def note(field_name: str, container: Any, key: str) -> None:
            line = _line(container, key)
            if line and origin(container, self.rel) == loc.file:
                lines[field_name] = line

        logs = _dig(self.provider, "logs", "httpApi")
        if logs is not None:
            note("access_logging", self.provider["logs"], "httpApi")
        return Api(id=HTTP_API, loc=loc, lines=lines, kind="http", name=name,
                   routes=tuple(draft.routes), waf=False, access_logging=bool(logs),
                   cors=cors, min_tls=self._min_tls("http", HTTP_API, note),
                   endpoint_type="REGIONAL",
                   timeout_seconds=30.0)

    def _websocket_api(self, draft: _ApiDraft) -> Api:
        logs = _dig(self.provider, "logs", "websocket")
        access = bool(logs) and as_bool(_map(logs).get("accessLogging")) is not False
        name = self._api_name(self.provider.get("websocketsApiName"),
                              (self.stage, self.service, "websockets"))
        return Api(id=WEBSOCKET_API, loc=draft.loc or Location(self.rel), kind="websocket",
                   name=name, routes=tuple(draft.routes), waf=False, access_logging=access,
                   timeout_seconds=29.0)

    # --- the resources: block (model side) --------------------------------------------

    def _merge_resources(self, functions: list[Function], apis: dict[str, Api]) -> \
            list[Function]:
        """Read ``resources:`` (and the resources events create) as CloudFormation and
        merge the nodes in; attachments to our functions and roles come back keyed by
        our ids through the aliases."""
        from faasguard.loaders.cloudformation import build_app

        template_resources = LineDict(self.user_resources.line)
        overrides: dict[str, Any] = dict(_map(self.extensions))
        for lid, res in self.user_resources.items():
            if lid in self.aliases and not (isinstance(res, Mapping) and res.get("Type")):
                # the Framework deep-merges a partial definition into what it generates
                overrides[lid] = res
                continue
            template_resources[lid] = res
            template_resources.key_lines[lid] = self.user_resources.line_of(lid)
        for lid, (res, loc) in self.generated.items():
            template_resources[lid] = res
            template_resources.key_lines[lid] = loc.line or 0
        self._apply_overrides(functions, overrides)
        if not template_resources:
            return functions
        template: dict[str, Any] = {"Resources": template_resources, **self.sections}
        aliases = {k: v for k, v in self.aliases.items() if k not in template_resources}
        opts = self.opts
        if _is_text(self.region) and "region" not in opts.options:
            opts = replace(opts, options={**opts.options, "region": self.region})
        parts = build_app(template, self.rel, opts, name=self.service, fmt="serverless",
                          root=self.app_root, aliases=aliases)
        moved = {lid: f for lid, f in self.resource_files.items() if f != self.rel}

        def place(node: Any) -> Any:
            target = moved.get(getattr(node, "id", ""))
            return _relocate(node, self.rel, target) if target else node

        for rid, role in parts.roles.items():
            if rid in self.roles:
                self.diag("info", f"{rid} is both generated and defined in resources; the "
                          "policies of both are kept", self.user_resources, rid)
                role = replace(self.roles[rid], policies=self.roles[rid].policies + role.policies)
            self.roles[rid] = place(role)
        for rid, extra in parts.external_policies.items():
            if rid in self.roles:
                self.roles[rid] = replace(self.roles[rid],
                                          policies=self.roles[rid].policies + tuple(extra))
        for aid, api in parts.apis.items():
            apis[aid] = _merge_api(apis[aid], api) if aid in apis else place(api)
        for lid, res in parts.resources.items():
            mine = self.resources.get(lid)
            if isinstance(mine, LogGroup) and isinstance(res, LogGroup) and \
                    res.retention_days is None:
                res = replace(res, retention_days=mine.retention_days)
            self.resources[lid] = place(res)
        self.permissions.extend(place(p) for p in parts.permissions)
        self.diagnostics.extend(parts.diagnostics)
        known = {fn.id for fn in functions}
        merged = [replace(fn, triggers=fn.triggers + tuple(parts.external_triggers[fn.id]))
                  if fn.id in parts.external_triggers else fn for fn in functions]
        for fid, fn in parts.functions.items():
            if fid in known:
                self.diag("warning", f"resources define {fid}, which is also a function key",
                          self.user_resources, fid)
                continue
            merged.append(place(fn))
        return merged

    def _apply_overrides(self, functions: list[Function], overrides: Mapping[str, Any]) -> None:
        """``resources.extensions`` and partial definitions of generated resources: the
        properties the model reads, applied to our nodes."""
        by_logical = {function_logical_id(fn.id): i for i, fn in enumerate(functions)}
        for lid, override in overrides.items():
            raw = _map(override).get("Properties")
            props = _map(self.intrinsic(raw))
            if lid in by_logical:
                index = by_logical[lid]
                changes = {f: props[k] for f, k in _FUNCTION_OVERRIDES if k in props}
                lines = dict(functions[index].lines)
                lines.update({f: line for f, k in _FUNCTION_OVERRIDES
                              if (line := _line(raw, k)) and k in props})
                functions[index] = replace(functions[index], lines=lines, **changes)
            elif isinstance(self.resources.get(lid), LogGroup):
                group = self.resources[lid]
                changes = {f: props[k] for f, k in (("retention_days", "RetentionInDays"),
                                                    ("kms_key", "KmsKeyId")) if k in props}
                self.resources[lid] = replace(group, **changes)
            else:
                self.diag("info", f"changes to the generated resource {lid} are not applied "
                          "to the model", self.user_resources if lid in self.user_resources
                          else self.extensions, lid)


_FUNCTION_OVERRIDES = (("code_signing", "CodeSigningConfigArn"), ("kms_key", "KmsKeyArn"),
                       ("reserved_concurrency", "ReservedConcurrentExecutions"))


_EVENT_BUILDERS = {
    "http": _Service._http,
    "httpApi": _Service._http_api,
    "websocket": _Service._websocket,
    "s3": _Service._s3,
    "sqs": _Service._sqs,
    "sns": _Service._sns,
    "stream": _Service._stream,
    "schedule": _Service._schedule,
    "eventBridge": _Service._event_bridge,
    "cloudwatchEvent": _Service._event_bridge,
    "cloudwatchLog": _Service._cloudwatch_log,
    "cognitoUserPool": _Service._cognito,
    "alb": _Service._alb,
    "iot": _Service._iot,
    "kafka": _Service._kafka,
    "msk": _Service._kafka,
}


# --- module helpers ----------------------------------------------------------------------


def _log_group_name(fn_name: Any, wildcard: bool = False) -> Any:
    if isinstance(fn_name, Unresolved):
        return Unresolved(f"/aws/lambda/{fn_name.expr}", fn_name.reason)
    return f"/aws/lambda/{fn_name}" + ("*" if wildcard else "")


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Unresolved):
        return value.expr
    return text(value) or json.dumps(value, default=str)


def _authorizer_kind_of_arn(value: str) -> AuthKind:
    """A REST ``authorizer:`` string: ``aws_iam``, a Cognito pool ARN, a Lambda ARN or the
    name of a function of the service."""
    if value.lower() == "aws_iam":
        return AuthKind.IAM
    if ":cognito-idp:" in value:
        return AuthKind.COGNITO
    return AuthKind.LAMBDA


def _method_path(spec: Any) -> tuple[str | None, str]:
    method: Any
    path: Any
    if isinstance(spec, str):
        method, _, path = spec.strip().partition(" ")
    elif isinstance(spec, Mapping):
        method, path = spec.get("method"), spec.get("path")
    else:
        return None, ""
    if not _is_text(method) or not isinstance(path, str):
        return None, ""
    return method.upper(), "/" + path.strip().strip("/")


def _merge_cors(items: list[Cors]) -> Cors | None:
    """REST CORS is set per route; the API's is the union (what a browser may reach)."""
    if not items:
        return None
    origins = tuple(dict.fromkeys(o for c in items for o in c.allow_origins))
    credentials = True if any(c.allow_credentials for c in items) else \
        items[0].allow_credentials
    return Cors(allow_origins=origins, allow_credentials=credentials, loc=items[0].loc)


def _merge_api(mine: Api, theirs: Api) -> Api:
    """The generated API, with what the resources block sets on the same logical id."""
    changes: dict[str, Any] = {"routes": mine.routes + theirs.routes}
    for name in ("resource_policy", "endpoint_type", "min_tls"):
        if getattr(theirs, name) is not None:
            changes[name] = getattr(theirs, name)
    return replace(mine, **changes)


def _relocate(node: Any, old: str, new: str, depth: int = 0) -> Any:
    """``node`` with every ``Location`` in ``old`` moved to ``new`` (for resources that a
    ``${file()}`` brought in from another file)."""
    if depth > 12:
        return node
    if isinstance(node, Location):
        return Location(new, node.line) if node.file == old else node
    if isinstance(node, tuple):
        return tuple(_relocate(item, old, new, depth + 1) for item in node)
    if is_dataclass(node) and not isinstance(node, type):
        changes = {}
        for f in fields(node):
            value = getattr(node, f.name)
            if isinstance(value, Location | tuple) or (is_dataclass(value)
                                                       and not isinstance(value, type)):
                moved = _relocate(value, old, new, depth + 1)
                if moved is not value:
                    changes[f.name] = moved
        return replace(node, **changes) if changes else node
    return node


__all__ = ["alnum_name", "function_logical_id", "function_role_logical_id", "load",
           "log_group_logical_id", "normalized_function_name"]
