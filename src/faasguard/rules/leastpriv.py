"""Least privilege from the handler code (A1, A2): what a function's role grants against
what its code calls.

The comparison lives in :mod:`faasguard.leastpriv`; these rules report it. A function
whose code could not be analysed completely (no handler found, a dynamic client) gets
no over-privilege finding: `faasguard iam` lists it as "incomplete" with the reasons.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from faasguard.iampolicy import listing, role_label
from faasguard.model import App, Location
from faasguard.rules.registry import Context, Hit, on_function, on_role, rule
from faasguard.rules.spelling import reference

if TYPE_CHECKING:
    from faasguard.leastpriv import Privileges

INVOKE_OPERATIONS = frozenset({"Invoke", "InvokeAsync", "InvokeWithResponseStream"})


def _verdicts(app: App, ctx: Context) -> list[Privileges]:
    """The verdicts for the app, computed once per scan and shared by the rules."""
    key = ("leastpriv.analyze", id(app))
    cached = ctx.memo.get(key)
    if cached is not None and cached[0] is app:  # the app kept alive: its id is not reused
        verdicts: list[Privileges] = cached[1]
        return verdicts
    from faasguard.leastpriv import analyze  # imports the code analysis: only when run

    verdicts = analyze(app, ctx.code)
    ctx.memo[key] = (app, verdicts)
    return verdicts


MAX_EVIDENCE = 200
"""Excess permissions listed in a finding's evidence; the count says how many in all
(`faasguard iam` lists every one)."""


@rule(id="FG-IAM-017", title="Role grants more than the function's code needs",
      severity="medium", category="iam", controls=("A1",), cwe=(250,))
def over_privileged(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Compares what each function's role grants (wildcards expanded, Deny statements
    applied) with what its handler code calls through the AWS SDK, plus what the
    platform needs (logs, X-Ray, VPC interfaces, event-source polling, dead-letter
    targets). Reports each statement line that grants actions nothing needs, or
    resources wider than the ones the code uses, and lists the excess by service.
    A role shared by several functions is judged against the union of their needs.
    Functions whose code cannot be analysed completely are not reported.

    ## Why is this bad?
    Permissions the code never uses are pure risk: an attacker who gets code execution
    in the function (an injection, a poisoned dependency) gets them all. `dynamodb:*`
    for a function that only reads one item lets it scan and delete every table.

    ## Example
    ```yaml
    Policies:
      - Statement:
          - Effect: Allow
            Action: dynamodb:*          # the code only calls get_item
            Resource: !GetAtt Orders.Arn
    ```

    ## Fix
    ```yaml
    Policies:
      - Statement:
          - Effect: Allow
            Action: dynamodb:GetItem
            Resource: !GetAtt Orders.Arn
    ```
    `faasguard iam PATH --function NAME` prints the least-privilege policy in the
    app's own format.
    """
    reported: set[str] = set()
    for verdict in _verdicts(app, ctx):
        role = verdict.role
        if role is None or not verdict.excess or role.id in reported:
            continue
        reported.add(role.id)
        users = [verdict.function.display_name, *(
            f.display_name for fid in verdict.shared_with if (f := app.function(fid)))]
        who = (f"function {users[0]}" if len(users) == 1
               else f"functions {listing(users, 4)} (shared role: the union of their needs)")
        by_loc: dict[Location, dict[str, None]] = {}  # dicts as ordered sets
        patterns: dict[Location, dict[str, None]] = {}
        for item in verdict.excess:
            if item.kind == "pattern":
                patterns.setdefault(item.loc, {})[item.action] = None
                by_loc.setdefault(item.loc, {})
                continue
            text = item.action if item.kind == "action" else f"{item.action} on {item.resource}"
            by_loc.setdefault(item.loc, {})[text] = None
        for loc, unique in sorted(by_loc.items()):
            items = list(unique)
            wild = list(patterns.get(loc, ()))
            evidence: dict[str, object] = {"excess": items[:MAX_EVIDENCE],
                                           "excess_count": len(items)}
            if wild:
                uses = _needed_matching(verdict, wild)
                message = (f"Role {role_label(role)} grants {listing(wild, 3)}: every action "
                           f"it matches, of which {who} need(s) {uses}")
                message += (f"; and {len(items)} more permission(s) it does not use: "
                            f"{listing(items, 6)}." if items else ".")
                evidence["excess_patterns"] = wild
            else:
                services = sorted({i.split(":", 1)[0] for i in items})
                message = (f"Role {role_label(role)} grants {len(items)} permission(s) the "
                           f"code of {who} does not use ({', '.join(services)}): "
                           f"{listing(items, 6)}.")
            yield on_role(role, message, loc, detail=f"{loc.line}",
                          function=verdict.function.id if not verdict.shared_with else None,
                          evidence=evidence)


def _needed_matching(verdict: Privileges, patterns: list[str]) -> int:
    """How many of the actions the role needs the patterns match."""
    from faasguard.iamdb import glob_regex

    actions = {need.action.lower() for need in verdict.needed}
    return sum(1 for action in actions
               if any(glob_regex(p).fullmatch(action) for p in patterns))


@rule(id="FG-IAM-018", title="Function code calls an action its role does not grant",
      severity="low", category="iam", controls=("A1",), cwe=(285,))
def under_privileged(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports SDK calls in a function's handler code whose IAM action the function's
    role does not grant on the resource the call uses (an unconditional Deny counts).
    Resources the analysis cannot resolve are only reported when the action is not
    granted on anything.

    ## Why is this bad?
    The call fails with AccessDenied in production, usually on a path tests did not
    reach. The quick fix under pressure is a wildcard, which is how roles end up
    over-privileged.

    ## Example
    ```python
    table.put_item(Item=order)      # the role only grants dynamodb:GetItem
    ```

    ## Fix
    ```yaml
    Policies:
      - DynamoDBCrudPolicy:
          TableName: !Ref Orders
    ```
    Grant exactly the missing action on the resource (`faasguard iam PATH --function
    NAME` prints the whole least-privilege policy), or remove the call.
    """
    for verdict in _verdicts(app, ctx):
        by_loc: dict[Location, dict[str, None]] = {}
        for need in verdict.missing:
            if need.implicit or need.loc is None:
                continue  # the platform's needs are shown by `faasguard iam`
            by_loc.setdefault(need.loc, {})[
                f"{need.action} on {reference(app, need.resource)}"] = None
        for loc, unique in sorted(by_loc.items()):
            items = list(unique)
            yield Hit(f"Function {verdict.function.display_name} calls {listing(items, 4)}, "
                      "which its role does not grant: the call will fail with AccessDenied.",
                      loc, on_function(verdict.function, "").subject,
                      detail=f"{loc}", evidence={"missing": items})


@rule(id="FG-ISO-004", title="Function invokes another function directly in code",
      severity="low", category="isolation", controls=("A2",), cwe=(653,))
def invokes_function(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports `lambda.invoke` calls (boto3 `invoke`, SDK `InvokeCommand`) in a function's
    handler code, naming the function called when the code or the template tells.

    ## Why is this bad?
    A direct invocation bypasses the authentication and validation in front of the
    called function (its API, its authorizer), couples the two functions, and needs
    `lambda:InvokeFunction` in the caller's role, which an attacker in the caller can
    point at any function the role allows.

    ## Example
    ```python
    boto3.client("lambda").invoke(FunctionName=os.environ["WORKER"], Payload=body)
    ```

    ## Fix
    ```python
    sqs.send_message(QueueUrl=os.environ["JOBS"], MessageBody=json.dumps(job))
    ```
    Put a queue, topic or event bus between the functions (SQS, SNS, EventBridge,
    Step Functions) and have the callee validate what it receives; if a direct call is
    needed, scope `lambda:InvokeFunction` to that one function.
    """
    for fn in app.functions:
        code = ctx.code(app, fn)
        for call in code.sdk_calls:
            if call.service != "lambda" or call.operation not in INVOKE_OPERATIONS:
                continue
            names = [reference(app, t.value) for t in call.targets
                     if t.param == "FunctionName"]
            callee = f" {listing(names, 3)}" if names else ""
            yield Hit(f"Function {fn.display_name} invokes function{callee} directly "
                      f"({call.service}.{call.operation}).", call.loc,
                      on_function(fn, "").subject, detail=f"{call.loc}",
                      evidence={"callee": names})
