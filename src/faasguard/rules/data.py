"""Data protection: encryption at rest (B1), in transit (B2), storage exposure (B4).

Severities follow what the platform does by default today. S3 has encrypted every new
object with SSE-S3 since January 2023, DynamoDB and CloudWatch Logs always encrypt with
service keys, and SQS applies SSE-SQS to queues created since late 2022: leaving those
settings out is hygiene (low). Data that is really stored in clear (an SNS topic without a
key, a queue with SSE turned off) is medium; data anyone on the internet can read or write
is high or critical.

Resources a framework creates and configures itself (``Resource.generated``, e.g. the
serverless.yml deployment bucket) are left alone: the model does not say which of their
settings the framework fills in, and a finding we cannot back up is worse than none.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from faasguard.findings import Subject
from faasguard.model import (
    App,
    Bucket,
    Key,
    Location,
    LogGroup,
    Node,
    Queue,
    Ref,
    Resource,
    Secret,
    Statement,
    Table,
    Topic,
    Unresolved,
)
from faasguard.model.values import Interpolated, as_bool
from faasguard.rules.registry import Context, Hit, on_node, on_resource, rule
from faasguard.rules.spelling import spell, through_extensions

R = TypeVar("R", bound=Resource)


def _own(app: App, kind: type[R]) -> Iterator[R]:
    """Resources of one kind that the app defines itself (not framework-generated)."""
    for res in app.resources_of(kind):
        if not res.generated:
            yield res


def _known(value: Any) -> bool:
    return not isinstance(value, Unresolved)


def _unset(node: Node, field: str) -> bool:
    """The source does not write ``field``. A None that has a line was written in a form
    the loader could not read (e.g. an unresolved block): not known to be unset. Use it
    only for fields whose line is their own property or a block that requires them
    (a ``kms_key`` line may be the line of the whole encryption block)."""
    return getattr(node, field) is None and field not in node.lines


def _undecided(node: Node, field: str) -> bool:
    """Written, but its value cannot be told."""
    value = getattr(node, field)
    return not _known(value) or (value is None and field in node.lines)


# --- KMS keys ------------------------------------------------------------------------

_AWS_MANAGED_ALIAS = re.compile(r"(^|[:/])alias/aws/", re.I)


def _key_owner(value: Any) -> str | None:
    """Who controls a configured KMS key: "customer" or "aws"; None when no key is set.

    An AWS managed key is named by its ``alias/aws/<service>`` alias. Anything else (a key
    id or ARN, a custom alias, a ``Ref`` to a key of the app, an unresolved value) is a
    key the customer chose, so it counts as customer-managed.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and _AWS_MANAGED_ALIAS.search(value):
        return "aws"
    return "customer"


# --- B1: encryption at rest ------------------------------------------------------------


@rule(id="FG-ENC-002", title="S3 bucket without default encryption configured",
      severity="low", category="encryption", controls=("B1",), cwe=(311,))
def bucket_encryption_unset(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports S3 buckets whose template sets no default encryption (`BucketEncryption`).

    ## Why is this bad?
    Since January 2023 S3 encrypts every new object with SSE-S3 (S3-managed keys) even
    when nothing is configured, so the data is not stored in clear. What is missing is an
    explicit, reviewable choice: SSE-S3 keys cannot be governed by a key policy, their use
    is not logged per request in CloudTrail, and access cannot be revoked by disabling a
    key. Buckets that hold personal or business data usually want SSE-KMS with a
    customer-managed key.

    ## Example
    ```yaml
    Uploads:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: acme-uploads
    ```

    ## Fix
    ```yaml
    Uploads:
      Type: AWS::S3::Bucket
      Properties:
        BucketEncryption:
          ServerSideEncryptionConfiguration:
            - ServerSideEncryptionByDefault:
                SSEAlgorithm: aws:kms
                KMSMasterKeyID: !Ref DataKey
              BucketKeyEnabled: true
    ```
    Declare the encryption you want; use a customer key for sensitive data.

    ## References
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html
    """
    for bucket in _own(app, Bucket):
        if _unset(bucket, "encryption") and bucket.kms_key is None:
            yield on_resource(
                bucket,
                f"Bucket {bucket.id} configures no default encryption; S3 still encrypts new "
                "objects with SSE-S3 (the default since January 2023), but declare "
                f"{spell(app, 'bucket_encryption', node=bucket)}, with SSE-KMS and a customer "
                "key for sensitive data.",
                detail="encryption")


_KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})


@rule(id="FG-ENC-003", title="S3 bucket not under KMS where the project requires it",
      severity="medium", category="encryption", controls=("B1",), cwe=(311,))
def bucket_not_kms(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    When the project policy asks for KMS (`[encryption] require_kms = true` in
    `.faasguard.toml`), reports S3 buckets whose default encryption is SSE-S3 (`AES256`),
    whether written out or left to the S3 default. Without that setting the rule is off:
    SSE-S3 is a sound default for data without extra requirements.

    ## Why is this bad?
    The project has decided its data must be encrypted under KMS keys, so that a key
    policy limits who can decrypt, every use of the key is logged in CloudTrail, and
    access can be cut by disabling the key. SSE-S3 offers none of these controls.

    ## Example
    ```yaml
    Reports:
      Type: AWS::S3::Bucket
      Properties:
        BucketEncryption:
          ServerSideEncryptionConfiguration:
            - ServerSideEncryptionByDefault:
                SSEAlgorithm: AES256
    ```

    ## Fix
    ```yaml
    Reports:
      Type: AWS::S3::Bucket
      Properties:
        BucketEncryption:
          ServerSideEncryptionConfiguration:
            - ServerSideEncryptionByDefault:
                SSEAlgorithm: aws:kms
                KMSMasterKeyID: !GetAtt DataKey.Arn
              BucketKeyEnabled: true
    ```
    Turn on `BucketKeyEnabled` to keep KMS request costs low.
    """
    if not ctx.config.require_kms:
        return
    for bucket in _own(app, Bucket):
        algorithm = bucket.encryption
        if _unset(bucket, "encryption") and bucket.kms_key is None:
            yield on_resource(
                bucket,
                f"Bucket {bucket.id} relies on the SSE-S3 default, but the project requires "
                f"KMS: declare {spell(app, 'bucket_encryption', node=bucket)} with "
                f"{spell(app, 'sse_algorithm', node=bucket)} aws:kms and a KMS key.",
                detail="encryption")
        elif isinstance(algorithm, str) and algorithm.lower() not in _KMS_ALGORITHMS:
            yield on_resource(
                bucket,
                f"Bucket {bucket.id} uses {algorithm} (SSE-S3), but the project requires KMS: "
                f"set {spell(app, 'sse_algorithm', node=bucket)} aws:kms with a KMS key.",
                "encryption", detail="encryption")


@rule(id="FG-ENC-004", title="DynamoDB table without a customer-managed KMS key",
      severity="low", category="encryption", controls=("B1",), cwe=(311,))
def table_without_customer_key(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports DynamoDB tables (`AWS::DynamoDB::Table`, SAM `SimpleTable`) that are not
    encrypted with a customer-managed KMS key.

    ## Why is this bad?
    DynamoDB always encrypts at rest, by default with an AWS owned key that is not in
    your account, or with the AWS managed key `aws/dynamodb` when `SSEEnabled` is true
    without a key. With either, you cannot restrict decryption with a key policy or
    revoke access to the data by disabling the key, and the owned key leaves no
    CloudTrail record. Tables holding personal or regulated data should use a customer
    key.

    ## Example
    ```yaml
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
    ```

    ## Fix
    ```yaml
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        SSESpecification:
          SSEEnabled: true
          SSEType: KMS
          KMSMasterKeyId: !Ref DataKey
    ```
    Grant the functions that use the table `kms:Decrypt` on that key.
    """
    for table in _own(app, Table):
        enabled = table.sse_enabled
        if _undecided(table, "sse_enabled"):
            continue
        owner = _key_owner(table.kms_key)
        if enabled is True and owner == "customer":
            continue
        if enabled is True:
            key = "the AWS managed key aws/dynamodb"
        else:
            key = "an AWS owned key (the default)"
        yield on_resource(
            table,
            f"Table {table.id} is encrypted with {key}, not a customer-managed KMS key; set "
            f"{spell(app, 'table_customer_key', node=table)} to control and audit who can "
            "decrypt its data.",
            "kms_key", "sse_enabled", detail="sse")


@rule(id="FG-ENC-005", title="SQS queue with server-side encryption turned off",
      severity="medium", category="encryption", controls=("B1",), cwe=(311,))
def queue_encryption_off(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports SQS queues that set `SqsManagedSseEnabled: false` and no `KmsMasterKeyId`.

    ## Why is this bad?
    Turning SSE-SQS off explicitly overrides the default and stores message bodies
    unencrypted at rest. Queues between functions often carry whole events: orders,
    tokens, personal data.

    ## Example
    ```yaml
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        SqsManagedSseEnabled: false
    ```

    ## Fix
    ```yaml
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        SqsManagedSseEnabled: true
    ```
    Or use `KmsMasterKeyId` with a customer key to control who can read the messages.
    """
    for queue in _own(app, Queue):
        if queue.sqs_managed_sse is False and _key_owner(queue.kms_key) is None:
            yield on_resource(
                queue,
                f"Queue {queue.id} turns SSE-SQS off and sets no "
                f"{spell(app, 'queue_kms_key', node=queue)}, so its messages are stored "
                f"unencrypted; set {spell(app, 'sqs_managed_sse', node=queue)} or a KMS key.",
                "sqs_managed_sse", detail="SqsManagedSseEnabled")


@rule(id="FG-ENC-006", title="SQS queue without explicit encryption",
      severity="low", category="encryption", controls=("B1",), cwe=(311,))
def queue_encryption_unset(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports SQS queues that set neither `KmsMasterKeyId` nor `SqsManagedSseEnabled`.

    ## Why is this bad?
    SQS has encrypted queues created since late 2022 with SSE-SQS by default, so a new
    queue is encrypted. The default is not applied to queues created before, and a
    template deployed over such a queue leaves it unencrypted. Stating the encryption
    makes every deployment the same and the intent reviewable.

    ## Example
    ```yaml
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 60
    ```

    ## Fix
    ```yaml
    Jobs:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 60
        SqsManagedSseEnabled: true
    ```
    Use `KmsMasterKeyId` with a customer key when messages carry sensitive data.

    ## References
    - https://aws.amazon.com/blogs/compute/announcing-server-side-encryption-with-amazon-simple-queue-service-managed-encryption-keys-sse-sqs-by-default/
    """
    for queue in _own(app, Queue):
        if _unset(queue, "sqs_managed_sse") and _unset(queue, "kms_key"):
            yield on_resource(
                queue,
                f"Queue {queue.id} declares no encryption; SQS applies SSE-SQS by default only "
                f"to queues created since late 2022, so set "
                f"{spell(app, 'sqs_managed_sse', node=queue)} or "
                f"{spell(app, 'queue_kms_key', node=queue)} explicitly.",
                detail="encryption")


@rule(id="FG-ENC-007", title="SNS topic not encrypted at rest",
      severity="medium", category="encryption", controls=("B1",), cwe=(311,))
def topic_unencrypted(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports SNS topics without a `KmsMasterKeyId`.

    ## Why is this bad?
    SNS has no default server-side encryption: without a key, the messages a topic holds
    until they are delivered are not encrypted at rest. Topics in serverless apps fan out
    application events that often carry personal data.

    ## Example
    ```yaml
    OrderEvents:
      Type: AWS::SNS::Topic
    ```

    ## Fix
    ```yaml
    OrderEvents:
      Type: AWS::SNS::Topic
      Properties:
        KmsMasterKeyId: !Ref DataKey
    ```
    Publishers then need `kms:GenerateDataKey*` and `kms:Decrypt` on the key.
    """
    for topic in _own(app, Topic):
        if _unset(topic, "kms_key"):
            key = spell(app, "topic_kms_key", node=topic)
            yield on_resource(
                topic,
                f"Topic {topic.id} has no {key}, so its messages are not encrypted at rest "
                f"(SNS has no default encryption); set {key} to a KMS key.",
                detail="KmsMasterKeyId")


@rule(id="FG-ENC-008", title="Log group without a customer-managed KMS key",
      severity="low", category="encryption", controls=("B1",), cwe=(311,))
def log_group_without_key(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports CloudWatch log groups the app defines without a `KmsKeyId`, including the
    function log groups the Serverless Framework creates for each function.

    ## Why is this bad?
    CloudWatch Logs always encrypts log data with a service key, but anyone allowed to
    read the log group reads it in clear. Function logs often capture request payloads,
    tokens and personal data; a customer key adds a second, auditable gate (the key
    policy) and lets you cut access to old logs by disabling the key.

    ## Example
    ```yaml
    ApiLogs:
      Type: AWS::Logs::LogGroup
      Properties:
        RetentionInDays: 30
    ```

    ## Fix
    ```yaml
    ApiLogs:
      Type: AWS::Logs::LogGroup
      Properties:
        RetentionInDays: 30
        KmsKeyId: !GetAtt LogKey.Arn
    ```
    The key policy must allow the `logs.<region>.amazonaws.com` service principal.
    """
    # Framework-made log groups count: the Framework never sets a key on them, and
    # `resources.extensions` is where a user adds one (the loader applies it).
    for group in app.resources_of(LogGroup):
        if _unset(group, "kms_key"):
            key = spell(app, "log_group_kms_key", node=group)
            yield on_resource(
                group,
                f"Log group {group.id} has no {key}, so only the CloudWatch service key "
                f"protects its data; set {key}{through_extensions(app, group)} to a customer "
                "key when logs may hold request data or personal data.",
                detail="KmsKeyId")


@rule(id="FG-ENC-009", title="Secrets Manager secret without a customer-managed KMS key",
      severity="low", category="encryption", controls=("B1", "B3"), cwe=(311,))
def secret_without_customer_key(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Secrets Manager secrets encrypted with the AWS managed key
    `aws/secretsmanager`, by default or by naming its alias.

    ## Why is this bad?
    The AWS managed key's policy lets every principal in the account that may call
    Secrets Manager decrypt with it, so access to the secret is governed by IAM alone.
    A customer key adds a key policy you control and is required to share the secret
    with another account.

    ## Example
    ```yaml
    DbPassword:
      Type: AWS::SecretsManager::Secret
      Properties:
        GenerateSecretString:
          PasswordLength: 32
    ```

    ## Fix
    ```yaml
    DbPassword:
      Type: AWS::SecretsManager::Secret
      Properties:
        KmsKeyId: !Ref SecretsKey
        GenerateSecretString:
          PasswordLength: 32
    ```
    Grant `kms:Decrypt` on the key only to the functions that read the secret.
    """
    for secret in _own(app, Secret):
        owner = _key_owner(secret.kms_key)
        if owner == "customer" or _undecided(secret, "kms_key"):
            continue
        how = "names the AWS managed key" if owner == "aws" else "uses the default AWS managed key"
        yield on_resource(
            secret,
            f"Secret {secret.id} {how} aws/secretsmanager; set "
            f"{spell(app, 'secret_kms_key', node=secret)} to a customer key so a key policy you "
            "control limits who can decrypt it.",
            "kms_key", detail="KmsKeyId")


def _symmetric(key: Key) -> bool | None:
    """True for a symmetric encryption key (the only kind KMS rotates automatically)."""
    spec = key.key_spec
    if spec is None:
        return True
    if isinstance(spec, str):
        return spec.upper() == "SYMMETRIC_DEFAULT"
    return None


@rule(id="FG-ENC-010", title="KMS key rotation off",
      severity="low", category="encryption", controls=("B1", "B3"), cwe=(324,))
def key_rotation_off(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports symmetric KMS keys whose key material KMS generates (`Origin` AWS_KMS) and
    that do not set `EnableKeyRotation: true`. Asymmetric and HMAC keys and keys with
    imported material cannot be rotated automatically and are not reported.

    ## Why is this bad?
    Without rotation one key material protects every data key the key has ever
    issued, for as long as the key lives. Yearly automatic rotation bounds how much data
    one material protects and is required by most compliance baselines; old material is
    kept, so nothing needs re-encrypting.

    ## Example
    ```yaml
    DataKey:
      Type: AWS::KMS::Key
      Properties:
        KeyPolicy: {...}
    ```

    ## Fix
    ```yaml
    DataKey:
      Type: AWS::KMS::Key
      Properties:
        EnableKeyRotation: true
        KeyPolicy: {...}
    ```
    `RotationPeriodInDays` can shorten the period from the default 365 days.

    ## References
    - https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
    """
    for key in _own(app, Key):
        if key.rotation is True or _undecided(key, "rotation") or _symmetric(key) is not True:
            continue
        origin = key.origin
        if origin is not None and not (isinstance(origin, str) and origin.upper() == "AWS_KMS"):
            continue
        state = "turns rotation off" if key.rotation is False else "does not enable rotation"
        yield on_resource(
            key,
            f"KMS key {key.id} {state}; set {spell(app, 'key_rotation', node=key)} so KMS "
            "rotates its key material every year.",
            "rotation", detail="EnableKeyRotation")


# --- S3 bucket policies ----------------------------------------------------------------


def _lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


def _everyone(principals: Mapping[str, tuple[Any, ...]] | None) -> bool | None:
    """True when a statement's principal is anyone (``*`` or ``{"AWS": "*"}``)."""
    if not principals:
        return False
    verdict: bool | None = False
    for kind, values in principals.items():
        if kind == "*":
            return True
        for value in values:
            if value == "*":
                return True
            if kind == "?" or not _known(value):
                verdict = None
    return verdict


def _matches(action: str, patterns: tuple[Any, ...]) -> bool | None:
    """Whether an IAM action list covers ``action`` (None when part of it is unresolved)."""
    unknown = False
    for pattern in patterns:
        if isinstance(pattern, str):
            if fnmatch.fnmatchcase(action.lower(), pattern.lower()):
                return True
        else:
            unknown = True
    return None if unknown else False


def _grants(stmt: Statement, action: str) -> bool | None:
    if stmt.not_actions:
        hit = _matches(action, stmt.not_actions)
        return None if hit is None else not hit
    return _matches(action, stmt.actions)


def _any_grant(stmt: Statement, actions: tuple[str, ...]) -> bool | None:
    results = [_grants(stmt, a) for a in actions]
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


# Keys whose fixed values narrow a principal of "*" to known callers or networks: the
# set S3 Block Public Access itself treats as making a policy non-public.
_NARROWING_KEYS = frozenset({
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:sourcearn", "aws:sourceaccount",
    "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths", "aws:principalorgid",
    "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn", "aws:userid",
    "aws:username", "aws:principalservicename", "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
})
_NARROWING_OPERATORS = frozenset({
    "stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike",
    "ipaddress",
})
_OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0"})


def _fixed_value(value: Any) -> bool | None:
    """Whether a condition value names fixed callers (no wildcard, not the whole internet)."""
    if not _known(value):
        return None
    if isinstance(value, Ref):
        return True  # a specific resource of the app
    if isinstance(value, str):
        return "*" not in value and "?" not in value and value not in _OPEN_NETWORKS
    return None


def _allow_is_narrowed(stmt: Statement) -> bool | None:
    """Whether a condition limits an Allow-to-everyone to fixed callers (None: cannot tell)."""
    if stmt.condition_unknown:
        return None
    verdict: bool | None = False
    for operator, block in stmt.conditions.items():
        op = (_lower(operator) or "").removeprefix("forallvalues:").removeprefix("foranyvalue:")
        if op not in _NARROWING_OPERATORS or not isinstance(block, Mapping):
            continue  # negated and ...IfExists operators let other callers through
        for key, values in block.items():
            if _lower(key) not in _NARROWING_KEYS:
                continue
            checks = [_fixed_value(v)
                      for v in (values if isinstance(values, list | tuple) else [values])]
            if checks and all(c is True for c in checks):
                return True
            if any(c is None for c in checks):
                verdict = None
    return verdict


def _deny_fences(deny: Statement, action: str) -> bool:
    """A Deny for everyone on ``action``, unconditional or keyed to callers or networks,
    confines an Allow-to-everyone (the "deny unless from my VPC" pattern)."""
    if deny.allows or _everyone(deny.principals) is not True or _grants(deny, action) is not True:
        return False
    if not deny.conditions:
        return True
    return any(_lower(key) in _NARROWING_KEYS
               for block in deny.conditions.values() if isinstance(block, Mapping)
               for key in block)


_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket",
                 "s3:ListBucketVersions")
_WRITE_ACTIONS = ("s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject",
                  "s3:DeleteObjectVersion", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
                  "s3:PutBucketAcl", "s3:DeleteBucket", "s3:PutLifecycleConfiguration")


def _public_statements(bucket: Bucket, actions: tuple[str, ...]) -> Iterator[Statement]:
    """Allow statements of the bucket policy that give anyone one of ``actions``."""
    if bucket.policy is None:
        return
    statements = bucket.policy.statements
    denies = [s for s in statements if not s.allows]
    for stmt in statements:
        if not stmt.allows or _everyone(stmt.principals) is not True:
            continue
        if _allow_is_narrowed(stmt) is not False:
            continue
        granted = [a for a in actions if _grants(stmt, a) is True]
        if granted and not all(any(_deny_fences(d, a) for d in denies) for a in granted):
            yield stmt


_PAB_NAMES = ("blockpublicacls", "ignorepublicacls", "blockpublicpolicy",
              "restrictpublicbuckets")
_PAB_SETTINGS = {"blockpublicacls": "block_public_acls", "ignorepublicacls": "ignore_public_acls",
                 "blockpublicpolicy": "block_public_policy",
                 "restrictpublicbuckets": "restrict_public_buckets"}


def _pab_flags(bucket: Bucket) -> dict[str, bool | None] | None:
    """The four public-access-block flags by lower-case name, or None without a block.

    CloudFormation reads a flag left out of ``PublicAccessBlockConfiguration`` as false.
    """
    block = bucket.public_access_block
    if block is None:
        return None
    given = {str(k).replace("_", "").lower(): v for k, v in block.items()}
    return {name: as_bool(given[name]) if name in given else False for name in _PAB_NAMES}


def _blocked(bucket: Bucket, *flags: str) -> bool:
    found = _pab_flags(bucket)
    return found is not None and any(found.get(flag) is True for flag in flags)


def _acl(bucket: Bucket) -> str | None:
    acl = bucket.acl
    return acl.replace("-", "").replace("_", "").lower() if isinstance(acl, str) else None


def _public_hits(app: App, bucket: Bucket, acls: Mapping[str, str], actions: tuple[str, ...],
                 what: str, skip: tuple[str, ...] = ()) -> Iterator[Hit]:
    """Hits for a canned ACL in ``acls`` and for policy statements granting ``actions`` to
    anyone; statements also public for the ``skip`` actions are left to the stronger rule."""
    acl = _acl(bucket)
    if acl is not None and acl in acls and not _blocked(bucket, "blockpublicacls",
                                                       "ignorepublicacls"):
        yield on_resource(
            bucket,
            f"Bucket {bucket.id} has the canned ACL {bucket.acl}, which lets {acls[acl]} "
            f"{what}; remove {spell(app, 'bucket_acl', node=bucket)} and keep ACLs disabled "
            f"({spell(app, 'acls_disabled', node=bucket)}).",
            "acl", detail="AccessControl")
    if _blocked(bucket, "blockpublicpolicy", "restrictpublicbuckets"):
        return
    stronger = list(_public_statements(bucket, skip)) if skip else []
    for stmt in _public_statements(bucket, actions):
        if any(other is stmt for other in stronger):
            continue
        granted = _written_actions(stmt)
        yield Hit(
            f"Bucket {bucket.id}'s policy allows anyone {granted} with no condition that "
            f"limits the caller, so anyone on the internet can {what}; name the principals "
            "or serve the objects through CloudFront with origin access control.",
            stmt.loc, Subject("resource", bucket.id, _name(bucket)),
            detail=stmt.sid or granted)


def _written_actions(stmt: Statement) -> str:
    if stmt.not_actions:
        return "every action but " + ", ".join(str(a) for a in stmt.not_actions)
    return ", ".join(str(a) for a in stmt.actions)


def _name(res: Resource) -> str | None:
    return res.name if isinstance(res.name, str) else None


# --- B4: storage exposure --------------------------------------------------------------


@rule(id="FG-STO-001", title="S3 bucket readable by anyone",
      severity="high", category="storage", controls=("B4",), cwe=(732, 200))
def bucket_public_read(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports S3 buckets that anyone may read or list: a `PublicRead` or
    `AuthenticatedRead` canned ACL, or a bucket policy statement that allows principal
    `*` to `s3:GetObject`/`s3:ListBucket` without a condition that fixes the caller
    (source IP, VPC endpoint, organization, account, ARN). Settings the bucket's own
    public access block neutralises are not reported.

    ## Why is this bad?
    Public buckets are the most common cause of cloud data leaks. `AuthenticatedRead`
    is public too: it admits any AWS account in the world. New buckets block public
    access by default since April 2023, so such a template either fails on a new bucket
    or has the block switched off, and older buckets apply it as written.

    ## Example
    ```yaml
    Assets:
      Type: AWS::S3::Bucket
    AssetsPolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Ref Assets
        PolicyDocument:
          Statement:
            - Effect: Allow
              Principal: "*"
              Action: s3:GetObject
              Resource: !Sub "${Assets.Arn}/*"
    ```

    ## Fix
    ```yaml
    AssetsPolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Ref Assets
        PolicyDocument:
          Statement:
            - Effect: Allow
              Principal:
                Service: cloudfront.amazonaws.com
              Action: s3:GetObject
              Resource: !Sub "${Assets.Arn}/*"
              Condition:
                StringEquals:
                  AWS:SourceArn: !Sub "arn:aws:cloudfront::${AWS::AccountId}:distribution/${Cdn}"
    ```
    Serve public content through CloudFront with origin access control, never from the
    bucket directly.
    """
    for bucket in _own(app, Bucket):
        yield from _public_hits(
            app, bucket, {"publicread": "anyone", "authenticatedread": "any AWS account"},
            _READ_ACTIONS, "read its objects", skip=_WRITE_ACTIONS)


@rule(id="FG-STO-002", title="S3 bucket writable by anyone",
      severity="critical", category="storage", controls=("B4",), cwe=(732,))
def bucket_public_write(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports S3 buckets that anyone may write to: the `PublicReadWrite` canned ACL, or a
    bucket policy statement that allows principal `*` to put or delete objects, change
    ACLs or the policy (`s3:*` and `*` included) without a condition that fixes the
    caller.

    ## Why is this bad?
    Anyone can overwrite or delete the data, host malware on your domain, fill the
    bucket at your expense, or plant files that your functions then process: an S3
    trigger turns a public write into attacker-controlled input to your code.

    ## Example
    ```yaml
    Inbox:
      Type: AWS::S3::Bucket
      Properties:
        AccessControl: PublicReadWrite
    ```

    ## Fix
    ```yaml
    Inbox:
      Type: AWS::S3::Bucket
      Properties:
        OwnershipControls:
          Rules:
            - ObjectOwnership: BucketOwnerEnforced
        PublicAccessBlockConfiguration:
          BlockPublicAcls: true
          BlockPublicPolicy: true
          IgnorePublicAcls: true
          RestrictPublicBuckets: true
    ```
    Let clients upload with presigned URLs issued by an authenticated function.
    """
    for bucket in _own(app, Bucket):
        yield from _public_hits(app, bucket, {"publicreadwrite": "anyone"}, _WRITE_ACTIONS,
                                "write, overwrite or delete its objects")


@rule(id="FG-STO-003", title="S3 public access block turned off",
      severity="medium", category="storage", controls=("B4",), cwe=(732,))
def bucket_block_weakened(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports S3 buckets whose `PublicAccessBlockConfiguration` sets any of its four flags
    to false or leaves one out (CloudFormation reads a missing flag as false).

    ## Why is this bad?
    New buckets get all four flags on by default since April 2023. Writing a block with
    a flag off removes that safety net on purpose: a later ACL or policy change, by a
    person or a compromised function allowed `s3:PutBucketPolicy`, then makes the data
    public at once. That is worse than writing no block at all.

    ## Example
    ```yaml
    Uploads:
      Type: AWS::S3::Bucket
      Properties:
        PublicAccessBlockConfiguration:
          BlockPublicAcls: true
          BlockPublicPolicy: false
    ```

    ## Fix
    ```yaml
    Uploads:
      Type: AWS::S3::Bucket
      Properties:
        PublicAccessBlockConfiguration:
          BlockPublicAcls: true
          BlockPublicPolicy: true
          IgnorePublicAcls: true
          RestrictPublicBuckets: true
    ```
    If the bucket must be public, suppress this finding with the reason.
    """
    for bucket in _own(app, Bucket):
        flags = _pab_flags(bucket)
        if flags is None:
            continue
        off = [spell(app, _PAB_SETTINGS[name], node=bucket) for name in _PAB_NAMES
               if flags[name] is False]
        if off:
            yield on_resource(
                bucket,
                f"Bucket {bucket.id}'s public access block leaves {', '.join(off)} off, "
                "removing the default protection of new buckets; set all four flags to true.",
                "public_access_block", detail="PublicAccessBlockConfiguration")


@rule(id="FG-STO-004", title="S3 bucket without an explicit public access block",
      severity="low", category="storage", controls=("B4",), cwe=(732,))
def bucket_block_missing(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports S3 buckets that do not declare a `PublicAccessBlockConfiguration`.

    ## Why is this bad?
    Buckets created since April 2023 block public access by default, so a new bucket is
    protected. A bucket created earlier has no block unless the account sets one, and
    the template does not say which case applies. Declaring the four flags makes the
    protection part of the reviewed code and keeps it if the bucket is ever recreated
    elsewhere.

    ## Example
    ```yaml
    Uploads:
      Type: AWS::S3::Bucket
    ```

    ## Fix
    ```yaml
    Uploads:
      Type: AWS::S3::Bucket
      Properties:
        PublicAccessBlockConfiguration:
          BlockPublicAcls: true
          BlockPublicPolicy: true
          IgnorePublicAcls: true
          RestrictPublicBuckets: true
    ```
    Also turn on the account-level block unless the account hosts public buckets.
    """
    for bucket in _own(app, Bucket):
        if _unset(bucket, "public_access_block"):
            yield on_resource(
                bucket,
                f"Bucket {bucket.id} declares no "
                f"{spell(app, 'public_access_block', node=bucket)}; buckets created since "
                "April 2023 block public access by default, older ones do not, so set all "
                "four flags explicitly.",
                detail="PublicAccessBlockConfiguration")


@rule(id="FG-STO-005", title="S3 bucket versioning off",
      severity="low", category="storage", controls=("B4",), cwe=(693,))
def bucket_versioning_off(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports S3 buckets without versioning, or with versioning suspended.

    ## Why is this bad?
    Without versions, an object overwritten or deleted, by a bug, a replayed event or
    an attacker with write access (ransomware), is gone. Versioning keeps the previous
    copies so they can be restored.

    ## Example
    ```yaml
    Documents:
      Type: AWS::S3::Bucket
    ```

    ## Fix
    ```yaml
    Documents:
      Type: AWS::S3::Bucket
      Properties:
        VersioningConfiguration:
          Status: Enabled
        LifecycleConfiguration:
          Rules:
            - Status: Enabled
              NoncurrentVersionExpiration:
                NoncurrentDays: 30
    ```
    Expire old versions with a lifecycle rule to bound storage costs.
    """
    for bucket in _own(app, Bucket):
        fix = spell(app, "versioning", node=bucket)
        if _unset(bucket, "versioning"):
            yield on_resource(
                bucket,
                f"Bucket {bucket.id} has no versioning, so overwritten or deleted objects "
                f"cannot be recovered; set {fix}.",
                detail="VersioningConfiguration")
        elif bucket.versioning is False:
            yield on_resource(
                bucket,
                f"Bucket {bucket.id} suspends versioning, so overwritten or deleted objects "
                f"cannot be recovered; set {fix}.",
                "versioning", detail="VersioningConfiguration")


@rule(id="FG-STO-006", title="DynamoDB table without point-in-time recovery",
      severity="medium", category="storage", controls=("B4",), cwe=(693,))
def table_without_pitr(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports DynamoDB tables without point-in-time recovery. SAM `SimpleTable` cannot
    enable it at all and is reported too.

    ## Why is this bad?
    Tables are usually the primary data store of a serverless app. Without PITR, a bad
    deployment, a faulty batch job or an attacker with write access that corrupts or
    deletes items leaves no way back to the state of a minute before.

    ## Example
    ```yaml
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
    ```

    ## Fix
    ```yaml
    Orders:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        PointInTimeRecoverySpecification:
          PointInTimeRecoveryEnabled: true
    ```
    Replace a SAM `SimpleTable` by `AWS::DynamoDB::Table` to get PITR.
    """
    for table in _own(app, Table):
        if table.pitr is True or _undecided(table, "pitr"):
            continue
        if table.type == "AWS::Serverless::SimpleTable":
            message = (f"Table {table.id} is a SAM SimpleTable, which cannot enable "
                       "point-in-time recovery; define it as AWS::DynamoDB::Table with "
                       f"{spell(app, 'pitr', node=table)}.")
        else:
            message = (f"Table {table.id} has no point-in-time recovery, so corrupted or "
                       f"deleted items cannot be restored; set {spell(app, 'pitr', node=table)}.")
        yield on_resource(table, message, "pitr", detail="PointInTimeRecovery")


# --- B2: encryption in transit ---------------------------------------------------------


def _arn_pattern(value: Any, bucket: Bucket) -> str | None:
    """A policy ``Resource`` as a plain ARN pattern with this bucket's references filled in;
    None when it cannot be read without guessing."""
    name = bucket.name if isinstance(bucket.name, str) else f"\0{bucket.id}"
    arn = f"arn:aws:s3:::{name}"
    if isinstance(value, Ref):
        if value.target != bucket.id:
            return ""  # another resource: matches no ARN of this bucket
        return arn if value.attribute == "Arn" else name if value.attribute is None else None
    if not isinstance(value, str):
        return None
    text = str(value)
    if isinstance(value, Interpolated):
        text = (text.replace(f"${{{bucket.id}.Arn}}", arn)
                .replace(f"${{{bucket.id}}}", name)
                .replace("${AWS::Partition}", "aws"))
    return re.sub(r"^arn:aws[a-z-]*:s3:", "arn:aws:s3:", text)


def _covers(patterns: list[str], arn: str) -> bool:
    return any(fnmatch.fnmatchcase(arn, p) for p in patterns)


def _tls_only(bucket: Bucket) -> bool | None:
    """Whether the bucket policy denies every non-TLS request to the bucket and its
    objects; None when a candidate statement cannot be read."""
    if bucket.policy is None:
        return False
    if not bucket.policy.statements:
        return None  # an unresolved document, not an empty one
    name = bucket.name if isinstance(bucket.name, str) else f"\0{bucket.id}"
    targets = (f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/object")
    covered: set[str] = set()
    unknown = False
    for stmt in bucket.policy.statements:
        if stmt.allows or not _denies_plain_http(stmt):
            continue
        everyone, every_action = _everyone(stmt.principals), _all_s3(stmt)
        if everyone is None or every_action is None:
            unknown = True
            continue
        if not (everyone and every_action):
            continue
        patterns = [_arn_pattern(r, bucket) for r in stmt.resources]
        readable = [p for p in patterns if p is not None]
        unknown = unknown or len(readable) < len(patterns)
        covered.update(t for t in targets if _covers(readable, t))
    if len(covered) == len(targets):
        return True
    return None if unknown else False


def _all_s3(stmt: Statement) -> bool | None:
    """Whether the statement names every S3 action (``s3:*`` or ``*``)."""
    if stmt.not_actions:
        return False
    if any(_lower(a) in ("*", "s3:*") for a in stmt.actions):
        return True
    return None if any(not isinstance(a, str) for a in stmt.actions) else False


def _denies_plain_http(stmt: Statement) -> bool:
    for operator, block in stmt.conditions.items():
        if _lower(operator) not in ("bool", "boolifexists") or not isinstance(block, Mapping):
            continue
        for key, value in block.items():
            values = value if isinstance(value, list | tuple) else [value]
            if _lower(key) == "aws:securetransport" and any(
                    as_bool(v) is False for v in values):
                return True
    return False


@rule(id="FG-ENC-011", title="S3 bucket without a TLS-only policy",
      severity="medium", category="encryption", controls=("B2",), cwe=(319,))
def bucket_not_tls_only(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports S3 buckets whose bucket policy does not deny requests made without TLS: a
    `Deny` for principal `*` on `s3:*` with `Bool: {aws:SecureTransport: false}`,
    covering both the bucket and its objects.

    ## Why is this bad?
    S3 still serves plain HTTP. One client, SDK setting or presigned URL that uses
    `http://` sends objects and request signatures in clear, readable and alterable on
    the network. Only a bucket policy makes TLS mandatory.

    ## Example
    ```yaml
    Uploads:
      Type: AWS::S3::Bucket
    ```

    ## Fix
    ```yaml
    UploadsPolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Ref Uploads
        PolicyDocument:
          Statement:
            - Sid: TlsOnly
              Effect: Deny
              Principal: "*"
              Action: s3:*
              Resource:
                - !GetAtt Uploads.Arn
                - !Sub "${Uploads.Arn}/*"
              Condition:
                Bool:
                  aws:SecureTransport: false
    ```
    Add a `NumericLessThan: {s3:TlsVersion: 1.2}` deny as well to refuse old TLS.

    ## References
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
    """
    for bucket in _own(app, Bucket):
        if _tls_only(bucket) is not False:
            continue
        if bucket.policy is None:
            found = f"Bucket {bucket.id} has no bucket policy denying requests without TLS"
        else:
            found = (f"Bucket {bucket.id}'s policy does not deny every request without TLS "
                     "to the bucket and its objects")
        yield on_resource(
            bucket,
            f"{found}; add a Deny for s3:* on the bucket and its objects when "
            "aws:SecureTransport is false.",
            detail="aws:SecureTransport")


_LEGACY_POLICY = re.compile(r"^tls[_-]?1[_.-](\d)$", re.I)
_ENHANCED_POLICY = re.compile(r"^securitypolicy_tls1\d_1_(\d)(?:_|$)", re.I)


def _min_tls_minor(policy: str) -> int | None:
    """The minimum TLS 1.x minor version a security policy accepts, when its name says."""
    match = _LEGACY_POLICY.match(policy) or _ENHANCED_POLICY.match(policy)
    return int(match.group(1)) if match else None


@rule(id="FG-ENC-012", title="API custom domain accepts TLS below 1.2",
      severity="medium", category="encryption", controls=("B2",), cwe=(327,))
def api_domain_old_tls(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports APIs whose custom domain uses the `TLS_1_0` security policy (or any policy
    whose minimum is below TLS 1.2).

    ## Why is this bad?
    `TLS_1_0` accepts TLS 1.0 and 1.1, deprecated by RFC 8996 and exposed to downgrade
    and CBC attacks (BEAST, POODLE-style). PCI DSS forbids them. Custom domains default
    to `TLS_1_2`, so this is an explicit choice to keep.

    ## Example
    ```yaml
    ApiDomain:
      Type: AWS::ApiGateway::DomainName
      Properties:
        DomainName: api.example.com
        SecurityPolicy: TLS_1_0
    ```

    ## Fix
    ```yaml
    ApiDomain:
      Type: AWS::ApiGateway::DomainName
      Properties:
        DomainName: api.example.com
        SecurityPolicy: TLS_1_2
    ```
    Enhanced `SecurityPolicy_TLS13_*` policies also drop CBC ciphers.

    ## References
    - https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html
    """
    for api in app.apis.values():
        policy = api.min_tls
        if not isinstance(policy, str):
            continue
        minor = _min_tls_minor(policy)
        if minor is not None and minor < 2:
            yield on_node(
                api, "api",
                f"API {api.id}'s custom domain uses security policy {policy}, which still "
                f"accepts TLS 1.0 and 1.1; set {spell(app, 'tls_policy')}.",
                "min_tls", detail="SecurityPolicy")


_HTTP_URL = re.compile(r"\bhttp://([^/\s\"'?#]*)", re.I)
# Identifiers that look like URLs but are never fetched (XML namespaces, JSON schemas).
_IDENTIFIER_HOSTS = frozenset({
    "www.w3.org", "w3.org", "json-schema.org", "schemas.xmlsoap.org",
    "schemas.microsoft.com", "schemas.openxmlformats.org", "purl.org", "xmlns.com",
    "ns.adobe.com", "docs.oasis-open.org", "www.opengis.net",
})
# Names under which an http:// proxy is normal: HTTPS is tunnelled through it with CONNECT.
_PROXY_VARS = re.compile(r"(^|_)(https?|all|no)_proxy$", re.I)


def _host(authority: str) -> str:
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        return host[1:].partition("]")[0].lower()
    return host.partition(":")[0].lower()


def _stays_on_host(host: str) -> bool:
    """Loopback and link-local targets (the Lambda runtime and extensions API, instance
    and container metadata) never leave the machine, so plain HTTP is not exposed."""
    if host in ("localhost", "host.docker.internal") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local or address.is_unspecified


def _plain_http_host(value: str) -> str | None:
    """The first host reached over plain http:// in a configuration value."""
    for match in _HTTP_URL.finditer(value):
        host = _host(match.group(1))
        if host and not _stays_on_host(host) and host not in _IDENTIFIER_HOSTS:
            return host
    return None


@rule(id="FG-ENC-013", title="Plain http:// endpoint in function configuration",
      severity="medium", category="encryption", controls=("B2",), cwe=(319,))
def env_plain_http(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports function environment variables whose value points at an `http://` URL.
    Loopback and link-local addresses (`localhost`, `127.0.0.1`, `169.254.x.x`: the
    runtime and extension APIs, metadata endpoints), XML/JSON-schema namespace URIs and
    `*_PROXY` variables are not reported: that traffic never leaves the host, is never
    fetched, or carries HTTPS tunnelled through the proxy.

    ## Why is this bad?
    The function sends requests, and often API keys or tokens, in clear text, and trusts
    responses anyone on the path can alter. Inside a VPC this still crosses networks you
    do not fully control.

    ## Example
    ```yaml
    Environment:
      Variables:
        PAYMENTS_URL: http://payments.example.com/v1
    ```

    ## Fix
    ```yaml
    Environment:
      Variables:
        PAYMENTS_URL: https://payments.example.com/v1
    ```
    Give internal services TLS too (an ALB or API Gateway with a certificate).
    """
    for fn in app.functions:
        for name, value in fn.environment.items():
            if not isinstance(value, str) or _PROXY_VARS.search(name):
                continue
            host = _plain_http_host(value)
            if host is None:
                continue
            line = fn.env_lines.get(name)
            yield Hit(
                f"Function {fn.display_name} reaches http://{host} (environment variable "
                f"{name}) without TLS, so data and credentials travel in clear; use https://.",
                Location(fn.loc.file, line) if line else fn.at("environment"),
                Subject("function", fn.id, fn.display_name, fn.id),
                detail=name)


__all__ = [
    "api_domain_old_tls",
    "bucket_block_missing",
    "bucket_block_weakened",
    "bucket_encryption_unset",
    "bucket_not_kms",
    "bucket_not_tls_only",
    "bucket_public_read",
    "bucket_public_write",
    "bucket_versioning_off",
    "env_plain_http",
    "key_rotation_off",
    "log_group_without_key",
    "queue_encryption_off",
    "queue_encryption_unset",
    "secret_without_customer_key",
    "table_without_customer_key",
    "table_without_pitr",
    "topic_unencrypted",
]
