"""B3 secrets written into the app's definition, and B1 for the environments holding them.

Every rule here judges values with :mod:`faasguard.secrets` and reports detections of
MEDIUM confidence or more (a known format, or a secret name with a credential-like
value); a random-looking value under an ordinary name is not enough. Values are shown
only masked. ``Unresolved`` values and references (``Ref``, ARNs, ``{{resolve:...}}``,
``${ssm:...}``) are never secrets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import replace

from faasguard.loaders.yamlsafe import line_of
from faasguard.model import App, Function, Location, Parameter, Resource
from faasguard.rules.registry import Context, Hit, on_function, on_node, on_resource, rule
from faasguard.rules.spelling import spell
from faasguard.secrets import (
    Confidence,
    Detection,
    Leaf,
    detect,
    detect_pairs,
    iter_leaves,
    secret_name_kind,
    tables,
)

MIN_CONFIDENCE = Confidence.MEDIUM

# Function resources are judged through the model's ``Function.environment`` (FG-SEC-001).
_FUNCTION_TYPES = frozenset({"AWS::Lambda::Function", "AWS::Serverless::Function"})

_KIND_LABELS = {
    "password": "password",
    "default-password": "well-known default password",
    "default-secret": "well-known default secret",
    "token": "token",
    "secret": "secret",
    "secret-key": "secret key",
    "api-key": "API key",
    "private-key": "private key",
    "credentials": "credential",
    "aws-secret-access-key": "AWS secret access key",
    "high-entropy-string": "random-looking value",
}


def describe(detection: Detection) -> str:
    """"an AWS access key id", "a password", ... for messages."""
    label = _KIND_LABELS.get(detection.kind) or _format_label(detection.kind)
    article = "an" if label[0] in "aeioAEIO" else "a"  # "a URL", "an AWS ..."
    return f"{article} {label}"


def _format_label(kind: str) -> str:
    """The known format's own description ("Stripe live secret key"), else the kind."""
    for fmt in tables().formats:
        if fmt.kind == kind:
            return fmt.reason
    return kind.replace("-", " ")


def env_secrets(fn: Function) -> dict[str, Detection]:
    """The function's environment variables that hold a secret, by name."""
    return {name: found for name, found in detect_pairs(fn.environment.items()).items()
            if found.confidence >= MIN_CONFIDENCE}


def env_location(fn: Function, name: str) -> Location:
    line = fn.env_lines.get(name)
    return Location(fn.loc.file, line) if line else fn.at("environment")


def at(location: Location, hit: Hit) -> Hit:
    """``hit`` pointing at a more precise line than its helper chose."""
    return replace(hit, location=location)


def _evidence(detection: Detection, **extra: str) -> dict[str, str]:
    return {"kind": detection.kind, "confidence": str(detection.confidence),
            "masked": detection.masked, **extra}


@rule(id="FG-SEC-001", title="Plain-text secret in a function's environment variables",
      severity="high", category="secrets", controls=("B3",), cwe=(798, 526))
def env_secret(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports each environment variable of a function whose value is a credential: a
    known key format (AWS, GitHub, Slack, Stripe, Google, SendGrid, npm, OpenAI, PEM
    private keys, JWTs), a URL or connection string with a password, or a literal value
    under a secret name such as `DB_PASSWORD` or `STRIPE_API_KEY`. ARNs, UUIDs, hashes,
    `{{resolve:...}}` and `${ssm:...}` references are not reported.

    ## Why is this bad?
    Environment variables are part of the function's configuration: anyone allowed
    `lambda:GetFunctionConfiguration`, every deployment artifact and the template in
    source control see the secret in clear. It cannot be rotated without a redeploy.

    ## Example
    ```yaml
    functions:
      checkout:
        environment:
          STRIPE_SECRET_KEY: sk_live_...
    ```

    ## Fix
    ```yaml
    functions:
      checkout:
        environment:
          STRIPE_SECRET_KEY_PARAM: /shop/prod/stripe-secret-key
    ```
    Keep the secret in Secrets Manager or SSM Parameter Store (SecureString) and read it
    at run time, cached, with a role allowed to read only that secret.
    """
    for fn in app.functions:
        for name, found in sorted(env_secrets(fn).items()):
            yield at(env_location(fn, name), on_function(
                fn, f"Environment variable {name} of {fn.display_name} holds "
                    f"{describe(found)} in plain text, {found.masked}; keep it in Secrets "
                    "Manager or SSM SecureString and read it at run time.",
                detail=name, evidence=_evidence(found, variable=name)))


def _parameter_secrets(app: App) -> list[tuple[Parameter, Detection]]:
    found = []
    for name, param in sorted(app.parameter_specs.items()):
        detection = detect(name, param.default)
        if detection is not None and detection.confidence >= MIN_CONFIDENCE:
            found.append((param, detection))
    return found


# CodeBuild variables say how to read ``Value``: only PLAINTEXT holds the value itself.
_STORE_TYPES = frozenset({"PARAMETER_STORE", "SECRETS_MANAGER"})


def _names_a_store(leaf: Leaf) -> bool:
    container = leaf.container
    return leaf.key == "Value" and isinstance(container, Mapping) \
        and container.get("Type") in _STORE_TYPES


def _property_secrets(res: Resource) -> Iterator[tuple[str, Location, Detection]]:
    """Secrets among a resource's resolved properties: (path, line, detection).

    A top-level key that names nothing by itself is also judged with the resource
    type in front (``AWS::ApiGateway::ApiKey`` ``Value`` reads as ``ApiKeyValue``).
    """
    prefix = res.type.rsplit("::", 1)[-1]
    for leaf in iter_leaves(res.properties):
        if _names_a_store(leaf):
            continue
        found = detect(leaf.name, leaf.value)
        if (found is None or found.confidence < MIN_CONFIDENCE) and len(leaf.path) == 1 \
                and leaf.name:
            found = detect(prefix + leaf.name, leaf.value)
        if found is None or found.confidence < MIN_CONFIDENCE:
            continue
        line = line_of(leaf.container, leaf.key)
        yield _path_of(leaf), Location(res.loc.file, line) if line else res.loc, found


def _path_of(leaf: Leaf) -> str:
    """``Environment.EnvironmentVariables.NPM_TOKEN`` rather than ``...1.Value``: the
    name beside a ``Value`` is stable where the list index is not."""
    parts = list(leaf.path)
    if len(parts) >= 2 and parts[-1] in ("Value", "value") and isinstance(parts[-2], int) \
            and leaf.name and leaf.name != parts[-1]:
        parts = [*parts[:-2], leaf.name]
    return ".".join(str(part) for part in parts)


@rule(id="FG-SEC-002", title="Secret written into the template",
      severity="high", category="secrets", controls=("B3",), cwe=(798, 312))
def template_secret(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports credentials typed into the template outside function environments: a
    parameter's `Default` (NoEcho or not), and resource properties such as an RDS
    `MasterUserPassword`, an ElastiCache `AuthToken`, a Secrets Manager `SecretString`,
    an API key `Value` or a CodeBuild plain-text variable, whenever the value is a
    literal credential rather than a `{{resolve:...}}` reference or a parameter without
    a default.

    ## Why is this bad?
    The template lives in source control, in CI logs and in the deployment bucket, and
    CloudFormation shows resolved properties to anyone who can describe the stack.
    `NoEcho` hides a parameter's value in the console, not the `Default` in the file.

    ## Example
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          MasterUsername: app
          MasterUserPassword: Sup3rS3cret2024
    ```

    ## Fix
    ```yaml
    Resources:
      Database:
        Type: AWS::RDS::DBInstance
        Properties:
          MasterUsername: app
          ManageMasterUserPassword: true
    ```
    Let the service manage the secret, or use
    `{{resolve:secretsmanager:name:SecretString:password}}`.
    """
    reported_defaults: set[str] = set()
    for param, found in _parameter_secrets(app):
        reported_defaults.add(found.fingerprint)
        yield on_node(param, "parameter",
                      f"{spell(app, 'parameter')} {param.id} has {describe(found)} as its "
                      f"{spell(app, 'parameter_default')}, {found.masked}; remove the default "
                      "and pass the value at deploy time, or resolve it from Secrets Manager.",
                      "default", detail=f"Parameters.{param.id}.Default",
                      evidence=_evidence(found))
    for res in app.resources.values():
        if res.type in _FUNCTION_TYPES or app.function(res.id) is not None:
            continue
        for path, location, found in _property_secrets(res):
            if found.fingerprint in reported_defaults:
                continue  # a parameter default reported above flows in here
            yield at(location, on_resource(
                res, f"{res.type} {res.id} sets {path} to {describe(found)} in plain text, "
                     f"{found.masked}; use {spell(app, 'secret_reference', node=res)} "
                     "instead.",
                detail=path, evidence=_evidence(found, property=path)))


@rule(id="FG-SEC-003", title="Same secret used by several functions",
      severity="medium", category="secrets", controls=("A2", "B3"), cwe=(798, 653))
def reused_secret(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports environment variables that hold the same secret value in two or more
    functions, where the value is written in more than one place (copied, not set once
    for the whole service). Values are compared by a keyed hash and shown masked.

    ## Why is this bad?
    One compromised function then holds the credential of every other: the blast radius
    of a code-injection bug is the union of their access, and the secret cannot be
    rotated for one function without breaking the others.

    ## Example
    ```yaml
    functions:
      orders:
        environment:
          DB_PASSWORD: Tr1cky-Passw0rd
      reports:
        environment:
          REPORTS_DB_PASSWORD: Tr1cky-Passw0rd
    ```

    ## Fix
    ```yaml
    functions:
      orders:
        environment:
          DB_SECRET_ID: shop/orders-db
      reports:
        environment:
          DB_SECRET_ID: shop/reports-readonly-db
    ```
    Give each function its own credential with only the access it needs.
    """
    groups: dict[str, list[tuple[Function, str, Detection]]] = defaultdict(list)
    for fn in app.functions:
        for name, found in sorted(env_secrets(fn).items()):
            groups[found.fingerprint].append((fn, name, found))
    for entries in groups.values():
        functions = {fn.id for fn, _, _ in entries}
        places = {env_location(fn, name) for fn, name, _ in entries}
        if len(functions) < 2 or len(places) < 2:
            continue
        for fn, name, found in entries:
            others = sorted({other.display_name for other, _, _ in entries if other.id != fn.id})
            yield at(env_location(fn, name), on_function(
                fn, f"{name} of {fn.display_name} holds the same secret, {found.masked}, as "
                    f"{', '.join(others)}; give each function its own credential.",
                detail=name, evidence=_evidence(found, variable=name,
                                                shared_with=", ".join(others))))


def _holds_value(param: Parameter) -> bool:
    """False for parameter types whose value is a number or names an AWS resource
    (``AWS::SSM::Parameter::Value<String>``, ``AWS::EC2::KeyPair::KeyName``)."""
    ptype = param.type if isinstance(param.type, str) else "String"
    return not (ptype == "Number" or ptype.startswith(("AWS::", "List<AWS::")))


@rule(id="FG-SEC-004", title="Secret parameter without NoEcho",
      severity="medium", category="secrets", controls=("B3",), cwe=(522,))
def parameter_without_noecho(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports template parameters whose name says they carry a secret (`DbPassword`,
    `GithubToken`, `ApiKey`) and that do not set `NoEcho: true`, and Terraform variables
    of that kind without `sensitive = true`. Names that describe a secret rather than
    hold it (`DbSecretArn`, `PasswordLength`) and SSM-typed parameters are not reported.

    ## Why is this bad?
    Without `NoEcho`, CloudFormation shows the value in the console, in
    `describe-stacks` output and in stack events, to anyone who can read the stack.

    ## Example
    ```yaml
    Parameters:
      DbPassword:
        Type: String
    ```

    ## Fix
    ```yaml
    Parameters:
      DbPassword:
        Type: String
        NoEcho: true
    ```
    Better still, keep the secret in Secrets Manager and pass only its name.
    """
    for name, param in sorted(app.parameter_specs.items()):
        kind = secret_name_kind(name)
        if kind is None or param.no_echo is True or not _holds_value(param):
            continue
        yield on_node(param, "parameter",
                      f"{spell(app, 'parameter')} {name} looks like it carries a "
                      f"{kind.replace('-', ' ')} but does not set {spell(app, 'no_echo')}, so "
                      f"its value shows in {spell(app, 'parameter_shown')}.",
                      "no_echo", detail=f"Parameters.{name}.NoEcho")


@rule(id="FG-ENC-001", title="Secrets in environment variables without a customer KMS key",
      severity="medium", category="encryption", controls=("B1", "B3"), cwe=(311,))
def env_secrets_without_cmk(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions whose environment holds a secret (as FG-SEC-001 finds them) and
    that set no customer managed KMS key for their environment (`KmsKeyArn`,
    `provider.kmsKeyArn`).

    ## Why is this bad?
    With the default AWS managed key, anyone allowed to read the function's
    configuration reads the secret: there is no separate key policy to say who may
    decrypt it, and no CloudTrail `Decrypt` event when someone does.

    ## Example
    ```yaml
    CheckoutFunction:
      Type: AWS::Serverless::Function
      Properties:
        Environment:
          Variables:
            PAYMENT_API_TOKEN: 9fK2...
    ```

    ## Fix
    ```yaml
    CheckoutFunction:
      Type: AWS::Serverless::Function
      Properties:
        KmsKeyArn: !GetAtt FunctionEnvKey.Arn
        Environment:
          Variables:
            PAYMENT_API_TOKEN_PARAM: /shop/payment-api-token
    ```
    Move the secret out of the environment (FG-SEC-001); while it is there, encrypt it
    with a key whose policy names who may decrypt.
    """
    for fn in app.functions:
        if fn.kms_key is not None:
            continue
        found = env_secrets(fn)
        if not found:
            continue
        names = sorted(found)
        location = fn.at("environment") if fn.lines.get("environment") \
            else env_location(fn, names[0])
        yield at(location, on_function(
            fn, f"{fn.display_name} keeps secrets in its environment ({', '.join(names)}) "
                "under the AWS managed key only; set a customer managed KMS key "
                f"({spell(app, 'env_kms_key')}) so reading them needs kms:Decrypt on a key you "
                "control.",
            detail="kms_key"))
