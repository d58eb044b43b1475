"""Configuration rules: runtimes, layers and code signing (C1), timeouts (C2), regions
(C4) and the size of what a function ships (C5).

Dated data lives in ``faasguard/data/runtimes.json`` (AWS's runtime deprecation table)
and ``faasguard/data/layer_publishers.json`` (accounts of well-known layer publishers);
the logic that reads them is here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.findings import Subject
from faasguard.meta import load_data
from faasguard.model import Api, App, Function, Location, Unresolved
from faasguard.model.values import Interpolated, as_int
from faasguard.rules.registry import Context, Hit, on_function, rule
from faasguard.rules.spelling import assign, spell

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

RUNTIME_SOON_DAYS = 180
"""A runtime whose deprecation date is this close is reported as deprecated soon."""
PLATFORM_MAX_TIMEOUT = 900
"""Lambda's hard limit, in seconds."""
DEFAULT_TIMEOUT = {"serverless": 6}
"""Timeout when the template sets none: the Framework's default; everything else
(CloudFormation, SAM, CDK) gets Lambda's own default of 3 s."""
LAMBDA_DEFAULT_TIMEOUT = 3


# --- data tables ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuntimeLifecycle:
    """The deprecation dates of one managed runtime (AWS's three-phase policy)."""

    runtime: str
    deprecated: dt.date
    """No more security patches or support from this day."""
    block_create: dt.date
    """New functions can no longer use the runtime from this day."""
    block_update: dt.date
    """Existing functions can no longer be updated from this day."""
    upgrade_to: str | None
    """The runtime of the same language to move to; None for the newest."""


@dataclass(frozen=True, slots=True)
class LayerPublisher:
    publisher: str
    """Who publishes the layers: "AWS", "Datadog", ..."""
    product: str | None = None
    """What they are, when the publisher has several: "AWS AppConfig Lambda extension"."""

    def __str__(self) -> str:
        return f"{self.publisher} ({self.product})" if self.product else self.publisher


def _data(name: str) -> Any:
    return load_data(name)


@cache
def runtime_table() -> Mapping[str, RuntimeLifecycle]:
    table = _data("runtimes.json")["runtimes"]
    return {
        rid: RuntimeLifecycle(rid, dt.date.fromisoformat(row["deprecated"]),
                              dt.date.fromisoformat(row["block_create"]),
                              dt.date.fromisoformat(row["block_update"]), row["upgrade_to"])
        for rid, row in table.items()}


@cache
def layer_publishers() -> Mapping[str, LayerPublisher]:
    """Account id -> the well-known publisher of public layers it holds."""
    found: dict[str, LayerPublisher] = {}
    for entry in _data("layer_publishers.json")["publishers"]:
        publisher = LayerPublisher(entry["publisher"], entry["product"])
        for account in entry["accounts"]:
            found[account] = publisher
    return found


# --- small helpers ----------------------------------------------------------------------


def _today(ctx: Context) -> dt.date:
    return ctx.today or dt.datetime.now(dt.UTC).date()


def _is_image(fn: Function) -> bool:
    return (isinstance(fn.package_type, str) and fn.package_type.lower() == "image") \
        or fn.image_uri is not None


def _lifecycle(fn: Function) -> RuntimeLifecycle | None:
    if _is_image(fn) or not isinstance(fn.runtime, str):
        return None
    return runtime_table().get(fn.runtime.strip().lower())


def _upgrade_advice(app: App, life: RuntimeLifecycle) -> str:
    if life.upgrade_to:
        return f"set {assign(app, 'runtime', life.upgrade_to)} and run your tests on it"
    return f"plan the move to the next {spell(app, 'runtime')} of this language"


# --- C1: runtimes ----------------------------------------------------------------------


@rule(id="FG-CFG-001", title="Function runs on a deprecated runtime", severity="high",
      category="config", controls=("C1",), cwe=(1104,))
def deprecated_runtime(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions whose managed runtime has passed its deprecation date in AWS's
    runtime table (phase 1 of the deprecation policy): the language version and its
    operating system no longer get security patches. The message gives the dates from
    which AWS blocks creating and then updating functions on it. Functions packaged
    as container images are skipped: their runtime is in the image.

    ## Why is this bad?
    A vulnerability found in the interpreter, its standard library or the OS after
    that date stays open in every function on it. Once updates are blocked, even an
    urgent code fix cannot be deployed without first changing runtime.

    ## Example
    ```yaml
    functions:
      report:
        handler: report.handler
        runtime: python3.8
    ```

    ## Fix
    ```yaml
    functions:
      report:
        handler: report.handler
        runtime: python3.14
    ```
    Upgrade to the newest runtime of the language and run the tests on it.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
    """
    today = _today(ctx)
    for fn in app.functions:
        life = _lifecycle(fn)
        if life is None or today < life.deprecated:
            continue
        if today >= life.block_update:
            blocked = f"updating functions on it has been blocked since {life.block_update}"
        elif today >= life.block_create:
            blocked = (f"new functions on it are blocked since {life.block_create} and "
                       f"updates of existing ones will be from {life.block_update}")
        else:
            blocked = (f"AWS blocks creating functions on it from {life.block_create} and "
                       f"updating them from {life.block_update}")
        yield on_function(
            fn, f"Function {fn.display_name} runs on {life.runtime}, deprecated since "
            f"{life.deprecated} (no more security patches); {blocked}; "
            f"{_upgrade_advice(app, life)}.", "runtime", detail=life.runtime,
            evidence={"runtime": life.runtime, "deprecated": str(life.deprecated),
                      "block_create": str(life.block_create),
                      "block_update": str(life.block_update)})


@rule(id="FG-CFG-002", title="Function runtime is deprecated soon", severity="low",
      category="config", controls=("C1",), cwe=(1104,))
def runtime_deprecated_soon(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions whose managed runtime reaches its deprecation date within the
    next 180 days, according to AWS's runtime table. Container-image functions are
    skipped.

    ## Why is this bad?
    After that date the runtime gets no security patches, and a few months later AWS
    blocks creating and then updating functions on it. Upgrading a runtime means
    re-testing dependencies; starting before the date avoids a rushed migration.

    ## Example
    ```yaml
    Resources:
      Report:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: nodejs20.x
    ```

    ## Fix
    ```yaml
    Resources:
      Report:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: nodejs24.x
    ```
    Schedule the upgrade now and test the function on the newer runtime.

    ## References
    - https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
    """
    today = _today(ctx)
    for fn in app.functions:
        life = _lifecycle(fn)
        if life is None or today >= life.deprecated:
            continue
        days = (life.deprecated - today).days
        if days > RUNTIME_SOON_DAYS:
            continue
        yield on_function(
            fn, f"Function {fn.display_name} runs on {life.runtime}, which AWS deprecates on "
            f"{life.deprecated} (in {days} days), after which it gets no security patches; "
            f"{_upgrade_advice(app, life)}.", "runtime", detail=life.runtime,
            evidence={"runtime": life.runtime, "deprecated": str(life.deprecated)})


# --- C1: layers ----------------------------------------------------------------------------

_LAYER_ARN = re.compile(
    r"^arn:aws[\w-]*:lambda:(?P<region>[^:]*|\$\{[^}]*\}):(?P<account>\d{12}|\$\{[^}]*\})"
    r":layer:(?P<name>[A-Za-z0-9_-]+)(?::(?P<version>[^:]+))?$")
_ROLE_ARN_ACCOUNT = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):")


@dataclass(frozen=True, slots=True)
class ForeignLayer:
    fn: Function
    arn: str
    account: str
    name: str
    publisher: LayerPublisher | None


def app_accounts(app: App) -> set[str]:
    """Accounts the app certainly deploys into. An execution role must live in the
    function's own account, so the account of a role named by ARN is the app's."""
    found: set[str] = set()
    for role in app.roles.values():
        if isinstance(role.external_arn, str):
            match = _ROLE_ARN_ACCOUNT.match(role.external_arn)
            if match:
                found.add(match.group(1))
    return found


def foreign_layers(app: App) -> Iterator[ForeignLayer]:
    """Layers named by an ARN with a literal account that is not the app's own.
    Layers defined in the app (a ``Ref``), ARNs built from the deploying account
    (``${AWS::AccountId}``) and unresolved values are never foreign."""
    own = app_accounts(app)
    publishers = layer_publishers()
    for fn in app.functions:
        for layer in fn.layers:
            if not isinstance(layer, str) or isinstance(layer, Unresolved):
                continue
            match = _LAYER_ARN.match(layer.strip())
            if not match or not match.group("account").isdigit():
                continue
            account = match.group("account")
            if account in own:
                continue
            yield ForeignLayer(fn, layer.strip(), account, match.group("name"),
                               publishers.get(account))


@rule(id="FG-CFG-003", title="Function uses a layer from an unknown AWS account",
      severity="medium", category="config", controls=("C1",), cwe=(829,))
def unknown_account_layer(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports layers referenced by an ARN whose account is neither the app's own (known
    from a role ARN in the app) nor one of the well-known publishers in faasguard's
    table (AWS's own extensions, Powertools, Datadog, New Relic, Sentry, ...). Layers
    defined in the app and ARNs built from `${AWS::AccountId}` are not reported.

    ## Why is this bad?
    A layer's code runs inside the function with its execution role, its environment
    variables and its event data. Code published from an account nobody vetted is a
    supply-chain risk: it can read secrets and call AWS with the function's rights.

    ## Example
    ```yaml
    functions:
      api:
        handler: api.handler
        layers:
          - arn:aws:lambda:us-east-1:210987654321:layer:fast-json:3
    ```

    ## Fix
    ```yaml
    layers:
      fastJson:
        path: layers/fast-json
    functions:
      api:
        handler: api.handler
        layers:
          - !Ref FastJsonLambdaLayer
    ```
    Build the layer yourself from reviewed sources, or publish it from an account
    your organisation controls; if the account is yours, suppress with that reason.
    """
    for item in foreign_layers(app):
        if item.publisher is not None:
            continue
        yield on_function(
            item.fn, f"Function {item.fn.display_name} loads layer {item.name} from AWS "
            f"account {item.account}, which is not this app's account nor a known layer "
            "publisher; its code runs with the function's role and secrets, so build the "
            "layer from reviewed sources in your own account (or suppress if the account "
            "is your organisation's).", "layers", detail=item.arn,
            evidence={"layer": item.arn, "account": item.account})


@rule(id="FG-CFG-004", title="Function uses a third-party layer from a known publisher",
      severity="low", category="config", controls=("C1",), cwe=(829,))
def vendor_layer(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports layers that come from the account of a well-known publisher (AWS's own
    extensions such as the Parameters and Secrets extension or Lambda Insights,
    Powertools for AWS Lambda, Datadog, New Relic, Sentry, ...), naming the publisher.
    The publisher is recognised by account only, never by layer name.

    ## Why is this bad?
    The layer is still code from outside the app running with the function's role and
    secrets. A reputable publisher lowers the risk, but the layer should be an
    inventoried, pinned dependency that someone reviews when its version changes.

    ## Example
    ```yaml
    Resources:
      Api:
        Type: AWS::Lambda::Function
        Properties:
          Layers:
            - arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Extension:65
    ```

    ## Fix
    ```yaml
    # Keep the pinned version and record the layer in your dependency inventory;
    # suppress this finding with the review reason once it is accepted.
    ```
    Track third-party layers like any other dependency and review each version bump.
    """
    for item in foreign_layers(app):
        if item.publisher is None:
            continue
        yield on_function(
            item.fn, f"Function {item.fn.display_name} loads layer {item.name} from account "
            f"{item.account}, published by {item.publisher}; it runs with the function's role "
            "and secrets, so keep the version pinned and review it like any dependency.",
            "layers", detail=item.arn,
            evidence={"layer": item.arn, "account": item.account,
                      "publisher": str(item.publisher)})


# --- C1: code signing ----------------------------------------------------------------------


@rule(id="FG-CFG-005", title="Function has no code signing configuration", severity="low",
      category="config", controls=("C1",), cwe=(494,))
def no_code_signing(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions deployed as .zip packages without a code signing configuration.
    Container-image functions are skipped (sign and verify the image instead).

    ## Why is this bad?
    Without code signing, Lambda accepts any package uploaded by a principal allowed
    to update the function. A leaked CI credential or an over-privileged role can then
    replace the code silently. With an enforcing signing configuration, Lambda rejects
    packages not signed by your signing profile.

    ## Example
    ```yaml
    Resources:
      Api:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.13
    ```

    ## Fix
    ```yaml
    Resources:
      Api:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.13
          CodeSigningConfigArn: !Ref SigningConfig
      SigningConfig:
        Type: AWS::Lambda::CodeSigningConfig
        Properties:
          AllowedPublishers:
            SigningProfileVersionArns: [!GetAtt SigningProfile.ProfileVersionArn]
          CodeSigningPolicies:
            UntrustedArtifactOnDeployment: Enforce
    ```
    Sign packages in CI with AWS Signer and enforce the policy.
    """
    for fn in app.functions:
        if _is_image(fn) or fn.code_signing is not None:
            continue
        yield on_function(
            fn, f"Function {fn.display_name} has no code signing configuration, so Lambda "
            f"accepts any package uploaded with deploy rights; set "
            f"{spell(app, 'code_signing')}.", detail="code-signing")


# --- C2: timeouts ----------------------------------------------------------------------------


def effective_timeout(app: App, fn: Function) -> int | None:
    """The timeout in seconds that applies to the function, or None when unresolved."""
    if fn.timeout is None:
        return DEFAULT_TIMEOUT.get(app.format, LAMBDA_DEFAULT_TIMEOUT)
    if isinstance(fn.timeout, float) and not fn.timeout.is_integer():
        return int(fn.timeout) + 1
    return as_int(fn.timeout)


@rule(id="FG-CFG-006", title="Function timeout at the platform maximum or above the budget",
      severity="low", category="config", controls=("C2", "C3"), cwe=(400,))
def timeout_too_long(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions whose timeout is Lambda's maximum of 900 seconds, or more than
    the project's budget (`[budgets] max_timeout` in `.faasguard.toml`).

    ## Why is this bad?
    A timeout is a cost and damage bound. A function that hangs on a slow dependency,
    loops on hostile input or is fed a flood of requests keeps running and billing for
    up to 15 minutes per call, and holds concurrency other functions need.

    ## Example
    ```yaml
    functions:
      resize:
        handler: resize.handler
        timeout: 900
    ```

    ## Fix
    ```yaml
    functions:
      resize:
        handler: resize.handler
        timeout: 30
    ```
    Set the timeout to the longest run you expect plus a margin; split long work into
    steps (Step Functions, queues) instead of one 15-minute call.
    """
    budget = ctx.config.budgets.max_timeout
    key = spell(app, "timeout")
    for fn in app.functions:
        seconds = effective_timeout(app, fn)
        if seconds is None:
            continue
        if seconds >= PLATFORM_MAX_TIMEOUT:
            why = f"the platform maximum of {PLATFORM_MAX_TIMEOUT} s"
        elif seconds > budget:
            why = f"above the project budget of {budget} s"
        else:
            continue
        target = min(budget, 60)
        yield on_function(
            fn, f"Function {fn.display_name} has a timeout of {seconds} s, {why}; a hung or "
            f"abused call runs and bills that long, so set {key} to the longest run you "
            f"expect plus a margin (e.g. {target} or less).", "timeout", detail="timeout",
            evidence={"timeout": seconds, "budget": budget})


def _fronting_apis(app: App, fn: Function) -> dict[str, list[str]]:
    """API id -> names of the routes of that API that invoke the function."""
    found: dict[str, list[str]] = {}
    for api, route in app.routes():
        if route.function == fn.id:
            found.setdefault(api.id, []).append(route.name)
    for trigger in fn.triggers:
        if trigger.api and trigger.api in app.apis:
            names = found.setdefault(trigger.api, [])
            if trigger.route is not None and trigger.route.name not in names:
                names.append(trigger.route.name)
    return found


def api_label(api: Api) -> str:
    kind = {"rest": "REST API", "http": "HTTP API", "websocket": "WebSocket API"}.get(
        api.kind, "API")
    name = api.name if isinstance(api.name, str) else api.id
    return f"{kind} {name}"


@rule(id="FG-CFG-007", title="Function timeout longer than the API in front of it waits",
      severity="medium", category="config", controls=("C2", "C3"), cwe=(400,))
def timeout_beyond_api(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports functions invoked by an API Gateway REST, HTTP or WebSocket API whose
    timeout is longer than the API's integration timeout (29 s by default), naming the
    API and its routes. Function URLs have no such front limit and are not reported.

    ## Why is this bad?
    The API answers 504 when its timeout passes, but the function keeps running and
    billing. Clients retry, so each slow request starts another long invocation: an
    attacker who finds a slow input multiplies cost and exhausts concurrency, and the
    work done after the 504 is lost anyway.

    ## Example
    ```yaml
    functions:
      search:
        handler: search.handler
        timeout: 120
        events:
          - http: GET search
    ```

    ## Fix
    ```yaml
    functions:
      search:
        handler: search.handler
        timeout: 29
        events:
          - http: GET search
    ```
    Keep request-driven functions within the API's timeout; move longer work to an
    asynchronous job the client polls.
    """
    key = spell(app, "timeout")
    for fn in app.functions:
        seconds = effective_timeout(app, fn)
        if seconds is None:
            continue
        for api_id, routes in _fronting_apis(app, fn).items():
            api = app.apis[api_id]
            limit = api.timeout_seconds
            if seconds <= limit:
                continue
            shown = ", ".join(routes[:3]) + (f" and {len(routes) - 3} more" if len(routes) > 3
                                             else "")
            where = f" on {shown}" if shown else ""
            yield on_function(
                fn, f"Function {fn.display_name} has a timeout of {seconds} s but "
                f"{api_label(api)} gives up after {limit:g} s{where}; the function keeps "
                f"running and billing after the caller got a 504, so set {key} to "
                f"{int(limit)} or less.", "timeout", detail=api_id,
                evidence={"timeout": seconds, "api": api_id, "api_timeout": limit,
                          "routes": list(routes)})


# --- C4: regions --------------------------------------------------------------------------

_REGION = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")


def _region(value: Any) -> str | None:
    """A literal region name; placeholders and unresolved values are not regions."""
    if isinstance(value, str) and not isinstance(value, Interpolated | Unresolved):
        value = value.strip()
        if _REGION.match(value):
            return value
    return None


@dataclass(frozen=True, slots=True)
class RegionalUse:
    """A resource outside the app's own region: a resource node placed elsewhere, or an
    ARN with a literal region that a function reads from or writes to."""

    region: str
    what: str
    """The start of the message, up to "in region ...": ``AWS::SQS::Queue Jobs is`` or
    ``Function sync uses arn:aws:sqs:..., which is``."""
    location: Location
    subject: Subject
    detail: str


def _arn_region(value: Any) -> str | None:
    if not isinstance(value, str) or not value.startswith("arn:"):
        return None
    parts = value.split(":")
    return _region(parts[3]) if len(parts) > 5 else None


def regional_uses(app: App) -> Iterator[RegionalUse]:
    """Every resource node with a region, and every ARN with a literal region that a
    function is wired to (triggers, failure destinations, environment variables)."""
    for res in app.resources.values():
        region = _region(res.region)
        if region is not None:
            name = res.name if isinstance(res.name, str) else None
            yield RegionalUse(region, f"{res.type or 'Resource'} {res.id} is", res.at("region"),
                              Subject("resource", res.id, name), region)
    for fn in app.functions:
        subject = Subject("function", fn.id, fn.display_name, fn.id)
        wired: list[tuple[Any, Location]] = [(t.source, t.loc) for t in fn.triggers]
        wired += [(fn.dead_letter, fn.at("dead_letter")), (fn.on_failure, fn.at("on_failure"))]
        wired += [(value, Location(fn.loc.file, fn.env_lines.get(key) or fn.loc.line))
                  for key, value in fn.environment.items()]
        for value, where in wired:
            region = _arn_region(value)
            if region is not None:
                yield RegionalUse(region, f"Function {fn.display_name} uses {value}, which is",
                                  where, subject, str(value))


@rule(id="FG-CFG-008", title="Resource in another region than its app", severity="low",
      category="config", controls=("C4",))
def resource_other_region(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    When the app's region is known (`provider.region` in serverless.yml, or
    `--opt region=...`), reports resources placed in another region and ARNs with
    another literal region that a function is wired to: trigger sources, dead-letter
    and failure destinations, environment variables. When the project lists its
    regions (`[regions] allowed` in `.faasguard.toml`), FG-CFG-009 judges instead.

    ## Why is this bad?
    Resources spread over regions by accident end up outside the monitoring, backups,
    guardrails and data-residency rules set up for the app's region, and calls between
    regions add latency, transfer cost and another failure path.

    ## Example
    ```yaml
    provider:
      name: aws
      region: eu-west-1
    functions:
      sync:
        handler: sync.handler
        environment:
          TABLE_ARN: arn:aws:dynamodb:us-west-2:123456789012:table/orders
    ```

    ## Fix
    ```toml
    # keep the table in eu-west-1, or declare the second region in .faasguard.toml
    [regions]
    allowed = ["eu-west-1", "us-west-2"]
    ```
    Keep resources in the app's region, or declare the extra region on purpose.
    """
    home = _region(app.region)
    if home is None or ctx.config.allowed_regions:
        return
    for use in regional_uses(app):
        if use.region == home:
            continue
        yield Hit(f"{use.what} in region {use.region} while the app deploys to {home}; move "
                  f"it to {home}, or list both regions under [regions] allowed in "
                  ".faasguard.toml if that is intended.", use.location, use.subject, use.detail)


@rule(id="FG-CFG-009", title="Deployment to a region outside the allowed regions",
      severity="medium", category="config", controls=("C4",))
def region_not_allowed(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    When the project lists its allowed regions (`[regions] allowed` in
    `.faasguard.toml`), reports each function of an app that deploys to another
    region, each resource placed in one, and each ARN in one that a function is wired
    to (trigger sources, failure destinations, environment variables).

    ## Why is this bad?
    Allowed regions usually encode data-residency or compliance commitments (personal
    data stays in the EU, say) and where monitoring and guardrails exist. A function
    deployed elsewhere, or writing to a table elsewhere, puts data where it must not
    be, unwatched.

    ## Example
    ```yaml
    provider:
      name: aws
      region: us-east-1   # policy allows eu-west-1 and eu-central-1
    ```

    ## Fix
    ```yaml
    provider:
      name: aws
      region: eu-west-1
    ```
    Deploy to an allowed region, or change the policy deliberately if the need is real.
    """
    allowed = ctx.config.allowed_regions
    if not allowed:
        return
    listed = ", ".join(allowed)
    home = _region(app.region)
    if home is not None and home not in allowed:
        for fn in app.functions:
            yield on_function(
                fn, f"Function {fn.display_name} deploys to region {home}, which is not "
                f"among the allowed regions ({listed}); set the region to one of them.",
                detail=home)
    for use in regional_uses(app):
        if use.region == home or use.region in allowed:
            continue
        yield Hit(f"{use.what} in region {use.region}, outside the allowed regions "
                  f"({listed}); move it to one of them.", use.location, use.subject,
                  use.detail)


@rule(id="FG-CFG-010", title="Region left implicit", severity="low", category="config",
      controls=("C4",))
def region_implicit(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports serverless.yml services that do not set `provider.region`, and Terraform
    configurations whose `aws` provider block sets no `region`. The Framework then
    deploys to `us-east-1`, or to whatever region the deploying shell's profile or
    `--region` flag says; Terraform to the region of `AWS_REGION` or the profile.
    CloudFormation and SAM templates are region-neutral by design and are not reported.

    ## Why is this bad?
    The same command deploys to different regions on different machines: a developer's
    default profile can put production data in a region where it must not be, outside
    the monitoring and guardrails of the intended one.

    ## Example
    ```yaml
    provider:
      name: aws
      runtime: python3.13
    ```

    ## Fix
    ```yaml
    provider:
      name: aws
      runtime: python3.13
      region: ${opt:region, 'eu-west-1'}
    ```
    Set the region explicitly, with a safe default when it can be overridden.
    """
    if app.region_explicit is not False:
        return  # stated, or a format without a region of its own (CloudFormation)
    # The finding is about the file as a whole; its first line stands for it.
    yield Hit(
        f"{spell(app, 'app')} {app.name} does not set {spell(app, 'region')}, so it deploys "
        f"to {spell(app, 'region_unset')}; set {spell(app, 'region_fix')}.",
        Location(app.source.file, app.source.line or 1), Subject("app", app.name), "region")


# --- C5: what a function ships ----------------------------------------------------------

PACKAGE_SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".serverless", ".serverless_plugins",
                               ".aws-sam", "__pycache__"})
"""Never in a deployment package: version control, the Framework's and SAM's build
output, and bytecode caches. Everything else under the code path is counted, including
node_modules (the Framework packages production dependencies with the code)."""
PACKAGE_SKIP_FILES = frozenset({".DS_Store", ".gitignore", "npm-debug.log"})
MAX_FILES_WALKED = 200_000
"""Stop counting past this many files; the result is then a lower bound."""

CODE_SUFFIXES = frozenset({".py", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx",
                           ".rb", ".java", ".kt", ".go", ".cs", ".fs", ".rs", ".php"})
MAX_CODE_BYTES = 64 * 1024 * 1024
"""Stop reading source past this many bytes; the line count is then a lower bound."""
MAX_MANIFEST_BYTES = 1024 * 1024


def _vendored_dirs() -> frozenset[str]:
    from faasguard.loaders.discover import SKIP_DIRS

    return SKIP_DIRS


@dataclass(frozen=True, slots=True)
class Measure:
    bytes: int
    files: int
    complete: bool
    """False when the walk stopped at a limit: the numbers are lower bounds."""


ARCHIVE_SUFFIXES = (".zip", ".jar")


def _inside_root(ctx: Context, rel: str) -> Path | None:
    """``rel`` (relative to the scan root) on disk, when it exists inside the root.
    Kept for the scan: several rules ask about every function's code path."""
    key = ("config.inside_root", rel)
    if key not in ctx.memo:
        ctx.memo[key] = _find_inside_root(ctx, rel)
    found: Path | None = ctx.memo[key]
    return found


def _find_inside_root(ctx: Context, rel: str) -> Path | None:
    root = Path(ctx.root)
    try:
        resolved = (root / rel).resolve()
        real_root = ctx.memo.get("config.real_root")
        if real_root is None:
            real_root = ctx.memo["config.real_root"] = root.resolve()
        if not resolved.is_relative_to(real_root) or not resolved.exists():
            return None
    except (OSError, RuntimeError):
        return None
    return resolved


def package_path(ctx: Context, app: App, fn: Function) -> Path | None:
    """What a .zip function ships: its code folder or built archive. When the code path
    is the handler's source file, the package is the folder around it, and for the
    Framework the whole service folder (it packages the service unless told otherwise)."""
    if not fn.code_path:
        return None
    path = _inside_root(ctx, fn.code_path)
    if path is None or not path.is_file() or path.name.lower().endswith(ARCHIVE_SUFFIXES):
        return path
    if app.format == "serverless":
        return _inside_root(ctx, app.root)
    return path.parent


def _walk(top: Path, skip_dirs: frozenset[str]) -> Iterator[os.DirEntry[str]]:
    """Regular files under ``top``; symlinks are not followed (they may leave the tree)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        if entry.is_symlink():
                            continue
                        if entry.is_dir(follow_symlinks=False):
                            if entry.name not in skip_dirs:
                                stack.append(Path(entry.path))
                        elif entry.is_file(follow_symlinks=False):
                            yield entry
                    except OSError:
                        continue
        except OSError:
            continue


def measure_package(path: Path) -> Measure:
    if path.is_file():
        return Measure(path.stat().st_size, 1, True)
    total = files = 0
    for entry in _walk(path, PACKAGE_SKIP_DIRS):
        if entry.name in PACKAGE_SKIP_FILES:
            continue
        if files >= MAX_FILES_WALKED:
            return Measure(total, files, False)
        try:
            total += entry.stat(follow_symlinks=False).st_size
        except OSError:
            continue
        files += 1
    return Measure(total, files, True)


def _by_code_path(ctx: Context, app: App) -> list[tuple[Path, list[Function]]]:
    """Zip functions grouped by the package they ship, in app order, so a service
    packaged as one artifact is measured and reported once."""
    groups: dict[Path, list[Function]] = {}
    for fn in app.functions:
        if _is_image(fn):
            continue
        path = package_path(ctx, app, fn)
        if path is not None:
            groups.setdefault(path, []).append(fn)
    return list(groups.items())


def _megabytes(count: int) -> str:
    mb = count / 1024 / 1024
    return f"{mb:.1f} MB" if mb >= 1 else f"{count / 1024:.1f} KB"


def _shown(ctx: Context, path: Path) -> str:
    """A path as the user knows it: relative to the scan root."""
    try:
        return path.relative_to(Path(ctx.root).resolve()).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _shared(fns: list[Function]) -> str:
    if len(fns) == 1:
        return f"Function {fns[0].display_name}"
    return f"Function {fns[0].display_name} (and {len(fns) - 1} more sharing its package)"


@rule(id="FG-CFG-011", title="Function package larger than the budget", severity="low",
      category="config", controls=("C5",))
def package_too_large(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Measures what each .zip function ships, on disk: its code folder (`CodeUri`), its
    built archive, or for serverless.yml the whole service folder, which the Framework
    packages by default. The sum of the files, uncompressed (the figure Lambda's 250 MB
    limit applies to), is reported when it is over the project budget (`[budgets]
    max_package_mb`, 50 MB by default). Version control folders, `.serverless/`,
    `.aws-sam/` and `__pycache__/` are skipped; `node_modules` is counted, since the
    Framework ships production dependencies. Package include/exclude patterns are not
    applied, so the figure is an upper bound. Functions whose code is not on disk are
    skipped; functions that share one package are reported once.

    ## Why is this bad?
    Every file shipped is attack surface and a place for a vulnerable or malicious
    dependency to hide; large packages also mean slow cold starts and, near the
    limits, failed deployments at the worst moment.

    ## Example
    ```yaml
    package:
      patterns:
        - '**'
    ```

    ## Fix
    ```yaml
    package:
      individually: true
      patterns:
        - '!tests/**'
        - '!node_modules/aws-sdk/**'
    ```
    Package each function with only its own code and production dependencies.
    """
    budget_mb = ctx.config.budgets.max_package_mb
    budget = int(budget_mb * 1024 * 1024)
    for path, fns in _by_code_path(ctx, app):
        size = measure_package(path)
        if size.bytes <= budget:
            continue
        amount = _megabytes(size.bytes) if size.complete \
            else f"more than {_megabytes(size.bytes)}"
        rel = _shown(ctx, path)
        yield on_function(
            fns[0], f"{_shared(fns)} ships {amount} from {rel} ({size.files} files), over the "
            f"budget of {budget_mb:g} MB; exclude tests, dev dependencies and unused files "
            "from the package, or package functions individually.", "code_path", "handler",
            detail="package-size", evidence={"bytes": size.bytes, "files": size.files,
                                             "budget_mb": budget_mb, "path": rel})


def _read_small(path: Path) -> str | None:
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return None


def count_requirements(text: str) -> int:
    """Direct requirements in a requirements.txt: options (-r, --hash, -i) don't count."""
    count = 0
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or (line.startswith("-") and not
                                                line.startswith(("-e", "--editable"))):
            continue
        count += 1
    return count


def count_package_json(text: str) -> int | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    deps = data.get("dependencies") if isinstance(data, dict) else None
    return len(deps) if isinstance(deps, dict) else 0


def count_pyproject(text: str) -> int | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    project = data.get("project", {})
    deps = project.get("dependencies") if isinstance(project, dict) else None
    if isinstance(deps, list):
        return len(deps)
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies")
    if isinstance(poetry, dict):
        return len([name for name in poetry if name.lower() != "python"])
    return 0


MANIFESTS = (("requirements.txt", count_requirements), ("package.json", count_package_json),
             ("pyproject.toml", count_pyproject))


def direct_dependencies(folder: Path) -> tuple[str, int] | None:
    """The first manifest in the folder and the direct dependencies it declares."""
    for name, counter in MANIFESTS:
        text = _read_small(folder / name)
        if text is None:
            continue
        count = counter(text)
        if count is not None:
            return name, count
    return None


@rule(id="FG-CFG-012", title="Function declares more dependencies than the budget",
      severity="low", category="config", controls=("C5", "E2"))
def too_many_dependencies(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Counts the direct dependencies a function's code folder declares (in
    `requirements.txt`, `package.json` `dependencies`, or `pyproject.toml`) and reports
    it when it is over the project budget (`[budgets] max_dependencies`, 100 by
    default). Transitive dependencies from lock files are not counted here.

    ## Why is this bad?
    Each dependency, and everything it pulls in, is code from someone else running
    with the function's permissions; the more there are, the larger the chance one is
    vulnerable, abandoned or hijacked, and the harder reviewing updates becomes.

    ## Example
    ```text
    # requirements.txt with 140 packages for one small handler
    ```

    ## Fix
    ```text
    # requirements.txt listing only what this function imports
    boto3-stubs
    pydantic
    ```
    Give each function its own manifest with what it really uses.
    """
    budget = ctx.config.budgets.max_dependencies
    for path, fns in _by_code_path(ctx, app):
        if not path.is_dir():
            continue
        found = direct_dependencies(path)
        if found is None or found[1] <= budget:
            continue
        name, count = found
        yield on_function(
            fns[0], f"{_shared(fns)} declares {count} direct dependencies in {name}, over the "
            f"budget of {budget}; drop the ones this function does not import, or split the "
            "manifest per function.", "code_path", "handler", detail="dependencies",
            evidence={"manifest": name, "count": count, "budget": budget})


@dataclass(frozen=True, slots=True)
class CodeSize:
    lines: int
    files: int
    complete: bool
    """False when reading stopped at a limit: the numbers are lower bounds."""


def count_code_lines(folder: Path) -> CodeSize:
    """Lines of source code under the folder, outside vendored and build folders."""
    skip = _vendored_dirs() | PACKAGE_SKIP_DIRS
    lines = read = files = 0
    for entry in _walk(folder, skip):
        if os.path.splitext(entry.name)[1].lower() not in CODE_SUFFIXES:
            continue
        if read >= MAX_CODE_BYTES:
            return CodeSize(lines, files, False)
        try:
            with open(entry.path, "rb") as handle:
                data = handle.read(MAX_CODE_BYTES - read)
        except OSError:
            continue
        read += len(data)
        files += 1
        lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return CodeSize(lines, files, True)


@rule(id="FG-CFG-013", title="Function code larger than the budget", severity="low",
      category="config", controls=("C5",))
def too_much_code(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Counts the lines of source code (Python, JavaScript/TypeScript, Ruby, Java, Go, C#,
    ...) under a function's code path, leaving out vendored and build folders such as
    `node_modules`, `.venv` and `dist`, and reports it when it is over the project
    budget (`[budgets] max_code_lines`, 20,000 by default).

    ## Why is this bad?
    A function is meant to do one thing. A large code base behind one function means
    many unrelated code paths share one role and one attack surface, and each extra
    path is one more place for an injection or a logic flaw that reviews miss.

    ## Example
    ```yaml
    functions:
      everything:
        handler: src/app.handler   # the whole monolith behind one function
    ```

    ## Fix
    ```yaml
    functions:
      orders:
        handler: src/orders/handler.main
      invoices:
        handler: src/invoices/handler.main
    ```
    Split the code so each function ships and runs only what it needs.
    """
    budget = ctx.config.budgets.max_code_lines
    for path, fns in _by_code_path(ctx, app):
        if not path.is_dir():
            continue
        size = count_code_lines(path)
        if size.lines <= budget:
            continue
        amount = f"{size.lines:,}" if size.complete else f"more than {size.lines:,}"
        yield on_function(
            fns[0], f"{_shared(fns)} ships {amount} lines of source in {size.files} files "
            f"under {_shown(ctx, path)}, over the budget of {budget:,}; split it so each "
            "function packages only its own code.", "code_path", "handler",
            detail="code-lines", evidence={"lines": size.lines, "files": size.files,
                                           "budget": budget})


__all__ = [
    "RUNTIME_SOON_DAYS",
    "LayerPublisher",
    "RuntimeLifecycle",
    "app_accounts",
    "effective_timeout",
    "foreign_layers",
    "layer_publishers",
    "runtime_table",
]
