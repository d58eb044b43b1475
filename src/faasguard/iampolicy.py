"""Reading a role's IAM statements the way AWS evaluates them, for the A1/A2 rules.

What an Allow statement grants is its action patterns expanded with the action
database, minus what an unconditional Deny statement of the same role takes back for
the same resources. Values we cannot read (``Unresolved``, text with placeholders for
an action) never count as wildcards; a reference to a resource of the app is specific.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from faasguard.iamdb import ActionInfo, IamDatabase, glob_regex, has_wildcard
from faasguard.meta import load_data
from faasguard.model import App, Function, Location, Policy, Ref, Role, Statement
from faasguard.model.values import Interpolated

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

FRAMEWORK = "framework"
"""Policy origin of statements a framework adds by itself; never judged."""
AWS_MANAGED = "aws-managed"

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


# --- data tables -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EscalationPath:
    id: str
    actions: tuple[str, ...]
    how: str


@dataclass(frozen=True, slots=True)
class ActionSet:
    """Actions that share a risk, with the reason in words."""

    actions: Mapping[str, str]
    """Lower-case action -> why it matters."""

    def why(self, action: str) -> str | None:
        return self.actions.get(action.lower())

    def __contains__(self, action: object) -> bool:
        return isinstance(action, str) and action.lower() in self.actions


@dataclass(frozen=True, slots=True)
class RiskData:
    escalation: tuple[EscalationPath, ...]
    exfiltration: ActionSet
    credentials: ActionSet
    platform_wildcard: ActionSet


@dataclass(frozen=True, slots=True)
class ManagedPolicyRisk:
    name: str
    risk: str
    """"admin" or "broad"."""
    why: str


def _data(name: str) -> Any:
    return load_data(name)


def _action_set(groups: list[dict[str, Any]]) -> ActionSet:
    return ActionSet({a.lower(): g["why"] for g in groups for a in g["actions"]})


@cache
def risk_data() -> RiskData:
    raw = _data("iam_risks.json")
    return RiskData(
        escalation=tuple(EscalationPath(p["id"], tuple(p["actions"]), p["how"])
                         for p in raw["escalation"]),
        exfiltration=_action_set(raw["exfiltration"]),
        credentials=_action_set(raw["credentials"]),
        platform_wildcard=_action_set(raw["platform_wildcard"]),
    )


@cache
def _managed_table() -> tuple[dict[str, Any], dict[str, str]]:
    raw = _data("aws_managed_policies.json")
    return raw["policies"], raw["broad_suffixes"]


def managed_policy_path(policy: Policy) -> str | None:
    """``job-function/SystemAdministrator`` for an AWS managed policy, from its ARN or name."""
    if policy.origin != AWS_MANAGED:
        return None
    arn = policy.arn if isinstance(policy.arn, str) else ""
    _, sep, path = arn.partition(":policy/")
    if sep and path:
        return path
    return policy.name or None


def managed_policy_risk(policy: Policy) -> ManagedPolicyRisk | None:
    """What an attached AWS managed policy grants that a function should not have."""
    path = managed_policy_path(policy)
    if not path:
        return None
    table, suffixes = _managed_table()
    name = path.rsplit("/", 1)[-1]
    entry = table.get(path) or table.get(name)
    if entry:
        return ManagedPolicyRisk(name, entry["risk"], entry["why"])
    for suffix, why in suffixes.items():
        if name.endswith(suffix):
            return ManagedPolicyRisk(name, "broad", why)
    return None


# --- patterns and resources -------------------------------------------------------------


def action_text(value: Any) -> str | None:
    """An action pattern we can read: plain text without template placeholders."""
    if not isinstance(value, str) or "${" in value:
        return None
    text = value.strip()
    return text or None


def is_full_wildcard(pattern: str) -> bool:
    return pattern in ("*", "*:*")


def service_wildcard(pattern: str) -> str | None:
    """The service of a service-wide pattern (``s3:*``), else None."""
    service, sep, action = pattern.partition(":")
    if sep and action == "*" and service and not has_wildcard(service):
        return service.lower()
    return None


def is_partial_wildcard(pattern: str) -> bool:
    return (has_wildcard(pattern) and not is_full_wildcard(pattern)
            and service_wildcard(pattern) is None)


def _only_wildcards(text: str) -> bool:
    return "*" in text and set(text) <= {"*", "/", ":"}


def is_any_resource(value: Any, db: IamDatabase) -> bool:
    """True for ``*`` and for ARNs that cover every resource of a type in the account
    (``arn:aws:s3:::*``, ``arn:aws:dynamodb:*:*:table/*``, ``...:function:*``).

    Placeholders such as ``${Bucket}`` or ``${AWS::AccountId}`` name one resource or
    account, so ``arn:aws:s3:::${Bucket}/*`` is specific.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text == "*":
        return True
    if not text.startswith("arn:"):
        return False
    parts = _PLACEHOLDER.sub("\x00", text).split(":", 5)
    if len(parts) < 6:
        return False
    service, resource = parts[2], parts[5]
    if _only_wildcards(resource):
        return True
    if not service or "\x00" in service or has_wildcard(service):
        return False
    lowered = resource.lower()
    return any(lowered.startswith(prefix) and _only_wildcards(resource[len(prefix):])
               for prefix in db.resource_prefixes(service))


def show(value: Any) -> str:
    """A template value as text for a message."""
    if isinstance(value, Ref):
        return f"!GetAtt {value}" if value.attribute else f"!Ref {value}"
    return str(value)


def sentence(text: str) -> str:
    """A message as a sentence: capital first letter, full stop."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?")) else f"{text}."


def count(items: Sequence[Any], noun: str) -> str:
    """``1 write action`` / ``3 write actions``."""
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


def listing(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


# --- one role's statements -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Grant:
    """One action pattern of an Allow statement of a role."""

    policy: Policy
    statement: Statement
    number: int
    """Position of the statement within its policy."""
    pattern: str
    index: int
    """Position of the pattern within the statement's actions (for its line)."""

    @property
    def location(self) -> Location:
        return self.statement.at("actions", self.index)

    @property
    def key(self) -> str:
        """A stable name for the statement, for finding details."""
        return statement_key(self.policy, self.number, self.statement)


def statement_key(policy: Policy, number: int, statement: Statement) -> str:
    return f"{policy.name}/{statement.sid or number}"


def _covers(deny_value: Any, allowed: Any) -> bool:
    """Whether one Deny resource covers everything one Allow resource names."""
    if isinstance(deny_value, str) and deny_value.strip() == "*":
        return True
    if isinstance(deny_value, Ref) or isinstance(allowed, Ref):
        return deny_value == allowed
    if isinstance(deny_value, str) and isinstance(allowed, str):
        # a Deny "?" matches one character, never the run an Allow "*" stands for
        regex = "".join(".*" if ch == "*" else "[^*]" if ch == "?" else re.escape(ch)
                        for ch in deny_value)
        return re.fullmatch(regex, allowed, re.IGNORECASE | re.DOTALL) is not None
    return False


class RoleView:
    """The Allow and Deny statements of one role, evaluated against the action database."""

    def __init__(self, role: Role, db: IamDatabase) -> None:
        self.role = role
        self.db = db
        self.statements: list[tuple[Policy, int, Statement]] = [
            (policy, number, stmt)
            for policy in role.policies if policy.origin != FRAMEWORK
            for number, stmt in enumerate(policy.statements)]
        # a conditional Deny may not apply, so only unconditional ones take grants away
        self.denies = [s for _, _, s in self.statements
                       if s.effect == "Deny" and not s.conditions and s.resources]
        self._expanded: dict[tuple[str, tuple[Any, ...]], list[ActionInfo]] = {}
        self._granting: dict[str, Location | None] = {}

    @classmethod
    def for_app(cls, app: App, db: IamDatabase) -> Iterator[RoleView]:
        """A view of each role of the app that has policies."""
        for role in app.roles.values():
            if role.policies:
                yield cls(role, db)

    def allow_statements(self, *, managed: bool = False) -> Iterator[tuple[Policy, int, Statement]]:
        """Allow statements; those of AWS managed policies only when ``managed`` (the
        rules judge those policies by name, see ``managed_policy_risk``)."""
        for policy, number, stmt in self.statements:
            if stmt.allows and (managed or policy.origin != AWS_MANAGED):
                yield policy, number, stmt

    def grants(self, *, managed: bool = False) -> Iterator[Grant]:
        for policy, number, stmt in self.allow_statements(managed=managed):
            for index, value in enumerate(stmt.actions):
                pattern = action_text(value)
                if pattern:
                    yield Grant(policy, stmt, number, pattern, index)

    # -- Deny --

    def _deny_matches(self, deny: Statement, action: str) -> bool:
        if deny.actions:
            return any(glob_regex(p).fullmatch(action) for p in map(action_text, deny.actions)
                       if p)
        patterns = [action_text(v) for v in deny.not_actions]
        if not patterns or None in patterns:
            return False  # a NotAction we cannot read may exclude this very action
        return not any(glob_regex(p).fullmatch(action) for p in patterns if p)

    def denied(self, action: str, resources: Sequence[Any]) -> bool:
        """Whether an unconditional Deny takes ``action`` away on all of ``resources``
        (``action`` may itself be a pattern, matched as text)."""
        for deny in self.denies:
            if not self._deny_matches(deny, action):
                continue
            if resources and all(any(_covers(d, r) for d in deny.resources) for r in resources):
                return True
            if not resources and any(_covers(d, "*") for d in deny.resources):
                return True
        return False

    def expand(self, pattern: str, resources: Sequence[Any]) -> list[ActionInfo]:
        """Actions ``pattern`` grants on ``resources`` once Deny statements are applied."""
        key = (pattern.lower(), tuple(map(show, resources)))
        found = self._expanded.get(key)
        if found is None:
            found = self.db.expand_info(pattern)
            if self.denies:
                found = [a for a in found if not self.denied(a.canonical, resources)]
            self._expanded[key] = found
        return found

    # -- the union of all statements --

    def granting(self, action: str) -> Location | None:
        """Where the role is allowed ``action`` (on some resource), None if it is not."""
        key = action.lower()
        if key not in self._granting:
            self._granting[key] = self._find_grant(action)
        return self._granting[key]

    def _find_grant(self, action: str) -> Location | None:
        for _, _, stmt in self.allow_statements(managed=True):
            resources = stmt.resources or ("*",)
            if stmt.actions:
                for index, value in enumerate(stmt.actions):
                    pattern = action_text(value)
                    if (pattern and glob_regex(pattern).fullmatch(action)
                            and not self.denied(action, resources)):
                        return stmt.at("actions", index)
            elif stmt.not_actions:
                patterns = [action_text(v) for v in stmt.not_actions]
                if None in patterns:
                    continue  # cannot tell what it leaves out
                if (not any(glob_regex(p).fullmatch(action) for p in patterns if p)
                        and not self.denied(action, resources)):
                    return stmt.at("not_actions")
        return None

    def admin_grant(self) -> Grant | None:
        """An unconditional ``"Action": "*"`` on ``"Resource": "*"`` that no Deny removes."""
        for grant in self.grants(managed=True):
            stmt = grant.statement
            if (is_full_wildcard(grant.pattern) and not stmt.conditions
                    and any(isinstance(r, str) and r.strip() == "*" for r in stmt.resources)
                    and not self.denied("*", ("*",))):
                return grant
        return None


def unscoped(stmt: Statement, ignorable: frozenset[str] = frozenset()) -> bool:
    """True when the statement has no condition, or only conditions (lower-case keys in
    ``ignorable``) that do not narrow the resources it applies to."""
    for block in stmt.conditions.values():
        if not isinstance(block, Mapping):
            return False
        if any(not isinstance(k, str) or k.lower() not in ignorable for k in block):
            return False
    return True


@dataclass(frozen=True, slots=True)
class WideGrant:
    """Actions one Allow statement grants on every resource of their type."""

    policy: Policy
    number: int
    statement: Statement
    resource_index: int
    """Which of the statement's resources is the wildcard (for its line)."""
    actions: tuple[ActionInfo, ...]

    @property
    def location(self) -> Location:
        return self.statement.at("resources", self.resource_index)

    @property
    def key(self) -> str:
        return statement_key(self.policy, self.number, self.statement)

    @property
    def resource(self) -> Any:
        return self.statement.resources[self.resource_index]

    @property
    def names(self) -> list[str]:
        return [a.canonical for a in self.actions]


def on_any_resource(view: RoleView, select: Callable[[ActionInfo], bool], *,
                    service_wildcards: bool = False,
                    ignorable: frozenset[str] = frozenset()) -> Iterator[WideGrant]:
    """Per Allow statement on an account-wide resource, the selected actions it grants.

    ``Action: "*"`` is left to the rule about it, and ``svc:*`` too unless
    ``service_wildcards``; a statement with conditions that may narrow it is skipped.
    Actions that only accept ``*`` are never selected: they cannot be scoped.
    """
    for policy, number, stmt in view.allow_statements():
        if not stmt.actions or not unscoped(stmt, ignorable):
            continue
        wild = next((i for i, r in enumerate(stmt.resources) if is_any_resource(r, view.db)),
                    None)
        if wild is None:
            continue
        found: dict[str, ActionInfo] = {}
        for value in stmt.actions:
            pattern = action_text(value)
            if not pattern or is_full_wildcard(pattern):
                continue
            if service_wildcard(pattern) and not service_wildcards:
                continue
            for action in view.expand(pattern, (stmt.resources[wild],)):
                if action.resource_types and select(action):
                    found.setdefault(action.canonical, action)
        if found:
            yield WideGrant(policy, number, stmt, wild,
                            tuple(sorted(found.values(), key=lambda a: a.canonical)))


# --- who uses a role ---------------------------------------------------------------------


def role_label(role: Role) -> str:
    return role.name if isinstance(role.name, str) else role.id


def users(app: App, role: Role) -> list[Function]:
    return app.functions_with_role(role.id)


def used_by(app: App, role: Role) -> str:
    """``role X (used by a, b)``, for messages."""
    names = [fn.display_name for fn in users(app, role)]
    if not names:
        return f"role {role_label(role)}"
    return f"role {role_label(role)} (used by {listing(names, 4)})"


def single_user(app: App, role: Role) -> str | None:
    """The function id, when exactly one function uses the role."""
    fns = users(app, role)
    return fns[0].id if len(fns) == 1 else None


def functions_named(app: App, value: Any) -> list[Function]:
    """The functions of the app a resource value names (by reference or by ARN)."""
    found: list[Function] = []
    if isinstance(value, Ref):
        fn = app.function(value.target)
        return [fn] if fn else []
    refs = value.refs if isinstance(value, Interpolated) else ()
    for ref in refs:
        fn = app.function(ref.target)
        if fn and fn not in found:
            found.append(fn)
    if found or not isinstance(value, str):
        return found
    _, sep, rest = value.partition(":function:")
    if not sep or "${" in rest:
        return []
    name = rest.split(":", 1)[0]
    if not name or set(name) <= {"*", "?"}:
        return []  # all functions: the account-wide case, not a named one
    regex = glob_regex(name)
    return [fn for fn in app.functions
            if isinstance(fn.name, str) and regex.fullmatch(fn.name)]


__all__ = [
    "ActionSet",
    "EscalationPath",
    "Grant",
    "ManagedPolicyRisk",
    "RiskData",
    "RoleView",
    "WideGrant",
    "action_text",
    "count",
    "functions_named",
    "is_any_resource",
    "is_full_wildcard",
    "is_partial_wildcard",
    "listing",
    "managed_policy_risk",
    "on_any_resource",
    "risk_data",
    "role_label",
    "sentence",
    "service_wildcard",
    "show",
    "single_user",
    "statement_key",
    "unscoped",
    "used_by",
    "users",
]
