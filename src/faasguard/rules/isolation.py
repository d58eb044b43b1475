"""Isolation between functions (REQUIREMENTS A2): zero trust from one function to another.

A function should hold only its own permissions (its own role) and should not be able
to call other functions directly, where the callee's API authentication does not apply.
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard import iampolicy as ip
from faasguard.iamdb import database, glob_regex
from faasguard.model import App, Function
from faasguard.rules.registry import Context, Hit, on_function, on_role, rule
from faasguard.rules.spelling import reference

INVOKE_ACTIONS = ("lambda:InvokeFunction", "lambda:InvokeAsync", "lambda:InvokeFunctionUrl")


@rule(id="FG-ISO-001", title="Execution role shared by several functions", severity="medium",
      category="isolation", controls=("A2", "A1"), cwe=(653, 250))
def shared_role(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports execution roles used by more than one function and names the functions.
    The Serverless Framework's default role (`provider.iam.role`, shared by every
    function of the service) is the common case.

    ## Why is this bad?
    A shared role holds the union of what all its functions need, so each function
    gets the others' permissions: the public thumbnail function can read the payments
    table. Compromising the least protected function yields everything.

    ## Example
    ```yaml
    provider:
      iam:
        role:
          statements:
            - Effect: Allow
              Action: [dynamodb:PutItem]
              Resource: !GetAtt Payments.Arn
    functions:
      thumbnail:
        handler: thumb.handler
      charge:
        handler: charge.handler
    ```

    ## Fix
    ```yaml
    functions:
      charge:
        handler: charge.handler
        iamRoleStatements:        # serverless-iam-roles-per-function
          - Effect: Allow
            Action: [dynamodb:PutItem]
            Resource: !GetAtt Payments.Arn
    ```
    Give each function its own role (SAM does this by default).
    """
    by_role: dict[str, list[Function]] = {}
    for fn in app.functions:
        if fn.role:
            by_role.setdefault(fn.role, []).append(fn)
    for role_id, fns in by_role.items():
        if len(fns) < 2:
            continue
        names = ip.listing([fn.display_name for fn in fns], 6)
        role = app.roles.get(role_id)
        if role is None:
            yield on_function(fns[0], ip.sentence(f"{len(fns)} functions share the execution role "
                              f"{role_id}: {names}; give each function its own role"),
                              "role", detail=role_id)
            continue
        default = " (the framework's default role)" if role.generated else ""
        yield on_role(role, ip.sentence(
                      f"{len(fns)} functions share the execution role "
                      f"{ip.role_label(role)}{default}: {names}; give each function its own "
                      "role with only what it calls"),
                      role.loc, detail=role_id,
                      evidence={"functions": [fn.id for fn in fns]})


@rule(id="FG-ISO-002", title="Function may invoke any function", severity="high",
      category="isolation", controls=("A2",), cwe=(653, 284))
def invoke_any_function(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports roles whose Allow statements grant `lambda:InvokeFunction` (or
    `InvokeAsync` / `InvokeFunctionUrl`, directly or through `lambda:*` or
    `lambda:Invoke*`) on `*` or on every function of the account
    (`arn:aws:lambda:*:*:function:*`). `Action: "*"` is reported by FG-IAM-001.

    ## Why is this bad?
    A direct invocation skips the API in front of the target: no authorizer, no
    validation model, no WAF. A compromised function can call every function of the
    account, including admin and internal ones, with any payload it likes.

    ## Example
    ```yaml
    - Effect: Allow
      Action: lambda:InvokeFunction
      Resource: "*"
    ```

    ## Fix
    ```yaml
    - Effect: Allow
      Action: lambda:InvokeFunction
      Resource: !GetAtt ResizeFunction.Arn
    ```
    Name the functions it must call, and have them validate the event.
    """
    db = database()
    for view in ip.RoleView.for_app(app, db):
        for wide in ip.on_any_resource(
                view, lambda a: a.canonical in INVOKE_ACTIONS, service_wildcards=True):
            yield on_role(view.role, ip.sentence(
                          f"{ip.used_by(app, view.role)} may invoke any function "
                          f"({', '.join(wide.names)} on `{reference(app, wide.resource)}`); "
                          "name the functions it must call"),
                          wide.location, detail=f"{wide.key}:invoke",
                          function=ip.single_user(app, view.role))


@rule(id="FG-ISO-003", title="Function may invoke other functions of the app", severity="low",
      category="isolation", controls=("A2",), cwe=(653,))
def invoke_other_functions(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports roles allowed to invoke specific other functions of the same app, by
    reference (`!GetAtt Worker.Arn`) or by name in an ARN, and names the callee.
    Calling a function that uses the same role is not reported.

    ## Why is this bad?
    The callee receives an event the caller built, without the authentication its
    own triggers apply. If the caller is compromised, or forwards user input as is,
    the callee must not trust the event. This is a design to review, not a mistake.

    ## Example
    ```yaml
    - Effect: Allow
      Action: lambda:InvokeFunction
      Resource: !GetAtt AdminFunction.Arn
    ```

    ## Fix
    ```yaml
    # decouple through a queue the callee validates, or keep the direct call and
    # validate the payload in AdminFunction as untrusted input
    - Effect: Allow
      Action: sqs:SendMessage
      Resource: !GetAtt AdminJobs.Arn
    ```
    Validate every field the callee reads, as if it came from the internet.
    """
    db = database()
    for view in ip.RoleView.for_app(app, db):
        own = {fn.id for fn in ip.users(app, view.role)}
        for policy, number, stmt in view.allow_statements():
            patterns = [p for p in map(ip.action_text, stmt.actions) if p]
            invokes = [a for a in INVOKE_ACTIONS
                       if any(glob_regex(p).fullmatch(a) for p in patterns)]
            if not invokes:
                continue
            targets: list[Function] = []
            for value in stmt.resources:
                if all(view.denied(a, (value,)) for a in invokes):
                    continue
                for fn in ip.functions_named(app, value):
                    if fn.id not in own and fn not in targets:
                        targets.append(fn)
            if not targets:
                continue
            names = ip.listing([fn.display_name for fn in targets], 4)
            yield on_role(view.role, ip.sentence(
                          f"{ip.used_by(app, view.role)} may invoke {names} directly, "
                          "past the authentication of the callee's own triggers; the callee "
                          "must validate these events as untrusted input"),
                          stmt.at("resources"),
                          detail=f"{ip.statement_key(policy, number, stmt)}:invoke",
                          function=ip.single_user(app, view.role),
                          evidence={"targets": [fn.id for fn in targets]})
