"""Needed against declared permissions, per function (A1).

*Needed* is what the function's code calls (``FunctionCode.sdk_calls`` through
:func:`faasguard.code.actions.actions_for`) plus what the platform does with its role
(logs, X-Ray, ENIs, event-source pollers, dead-letter targets). When several functions
share a role, what the role needs is the union of what they need.

*Declared* is what the role's Allow statements grant once wildcards are expanded with
the action database and unconditional Deny statements are applied
(:class:`faasguard.iampolicy.RoleView`); the AWS managed policies made for execution
roles count with their known statements.

Over-privilege is declared beyond needed (an action nothing needs, or a resource wider
than the ones needed); under-privilege is needed but not granted, a future
AccessDenied. What cannot be told (a dynamic client, an unresolved target, a managed
policy whose statements are unknown) makes the verdict "incomplete" with the reason
instead of a claim.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

from faasguard.code.actions import (
    ANY,
    NeededAction,
    Resource_,
    actions_for,
    canonical_arn,
    destination_service,
    implicit_actions,
    kind_of,
    overrides,
)
from faasguard.code.facts import FunctionCode
from faasguard.iamdb import IamDatabase, database, glob_regex, has_wildcard
from faasguard.iampolicy import (
    AWS_MANAGED,
    FRAMEWORK,
    RoleView,
    action_text,
    is_full_wildcard,
    show,
)
from faasguard.model import App, Function, Location, Policy, Ref, Role, Statement, Unresolved
from faasguard.model.values import Interpolated

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

CodeSource = Callable[[App, Function], FunctionCode]
"""Where function code facts come from (``Context.code`` in rules)."""

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def show_in(value: Any, app_format: str) -> str:
    """A value as text for a message, references in the app's own syntax
    (``aws_dynamodb_table.orders.arn`` for Terraform, ``!GetAtt Orders.Arn`` otherwise)."""
    if isinstance(value, Ref) and app_format == "terraform":
        return f"{value.target}.{value.attribute}" if value.attribute else value.target
    return show(value)


# --- resources in one spelling ----------------------------------------------------------


def canonical(value: Any, app: App) -> str | None:
    """A resource value as ARN text in one spelling (None when it cannot be told):
    ``!GetAtt T.Arn``, ``!Sub arn:...:table/${T}`` and the literal ARN of a table named
    in the template become the same text; deploy-time parts stay ``${AWS::...}``."""
    if isinstance(value, Unresolved) or value is None:
        return None
    if isinstance(value, Ref):
        return _ref_text(value, app)
    if isinstance(value, str):
        if isinstance(value, Interpolated) or "${" in value:
            return _PLACEHOLDER.sub(lambda m: _placeholder(m.group(1), app), value)
        return value
    return None


def _ref_text(ref: Ref, app: App) -> str:
    """What a reference stands for as text: the ARN or the name of the resource."""
    found = kind_of(app, ref.target)
    token = f"${{{ref}}}"
    if found is None:
        return token
    kind, name = found
    role = kind.role(ref.attribute)
    if role == "arn":
        return canonical_arn(kind, ref.target, name)
    if role == "name":
        return name if name else token
    if role == "stream":
        # the stream's label is a timestamp chosen at deploy time
        return canonical_arn(kind, ref.target, name) + "/stream/*"
    return token


def _placeholder(inner: str, app: App) -> str:
    if inner.startswith("AWS::"):
        return f"${{{inner}}}"
    if app.format == "terraform":  # aws_s3_bucket.reports.arn: the attribute comes last
        target, _, attribute = inner.rpartition(".")
        if not target or app.resolve_ref(Ref(target)) is None:
            target, attribute = inner, ""
    else:
        target, _, attribute = inner.partition(".")
    return _ref_text(Ref(target, attribute or None), app)


_PSEUDO = re.compile(r"\$\{AWS::([A-Za-z]+)\}")


def _protect(text: str) -> str:
    """Pseudo parameters without their colons, so an ARN splits into its six parts."""
    return _PSEUDO.sub(lambda m: f"\x00{m.group(1)}\x00", text)


def _is_pseudo(part: str) -> bool:
    return part.startswith("\x00") and part.endswith("\x00")


def _glob(pattern: str, text: str) -> bool:
    """IAM glob match where template placeholders in the pattern are literal text."""
    pieces = _PLACEHOLDER.split(pattern)
    regex = ""
    for index, piece in enumerate(pieces):
        if index % 2:
            regex += re.escape(f"${{{piece}}}")
        else:
            regex += glob_regex(piece).pattern if piece else ""
    return re.fullmatch(regex, text, re.IGNORECASE | re.DOTALL) is not None


def covers(declared: str, needed: str) -> bool:
    """Whether a declared resource (an IAM pattern) covers a needed one. Partition,
    region and account written as ``${AWS::...}`` on either side match anything."""
    if declared.strip() == ANY:
        return True
    if needed == ANY:
        return False
    declared, needed = _protect(declared), _protect(needed)
    d_parts, n_parts = declared.split(":", 5), needed.split(":", 5)
    if len(d_parts) < 6 or len(n_parts) < 6:
        return _glob(declared, needed)
    for index, (d, n) in enumerate(zip(d_parts, n_parts, strict=True)):
        if index in (1, 3, 4) and (_is_pseudo(d) or _is_pseudo(n)):
            continue
        if not _glob(d, n):
            return False
    return True


# --- the declared side ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Granted:
    """One action a role's statement grants, on the statement's resources."""

    action: str
    resources: tuple[Any, ...]
    pattern: str
    loc: Location
    platform: bool
    """From an AWS managed execution-role policy or a framework's own statements."""
    statement: Statement


@dataclass(frozen=True, slots=True)
class Wildcard:
    """An action pattern that spans services (``*``, ``*:Get*``), kept as the pattern:
    expanding it would give thousands of grants, and all a comparison needs is whether
    it matches a needed action and whether it matches anything else."""

    pattern: str
    resources: tuple[Any, ...]
    loc: Location
    platform: bool
    statement: Statement


def spans_services(pattern: str) -> bool:
    """``*``, ``*:*`` and patterns whose service part is a wildcard (``*:Get*``)."""
    if is_full_wildcard(pattern):
        return True
    service, sep, action = pattern.partition(":")
    return bool(sep and service and action and has_wildcard(service))


@dataclass(slots=True)
class Declared:
    grants: list[Granted | Wildcard] = field(default_factory=list)
    """In declaration order: one grant per action a pattern expands to, or the pattern
    itself when it spans services."""
    not_action: list[tuple[Statement, list[str], bool]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    view: RoleView | None = None
    _by_action: dict[str, list[Granted]] | None = field(default=None, repr=False)

    def grants_for(self, action: str) -> list[Granted]:
        """The grants of one action (lower case): those of expanded patterns in
        declaration order, then those of wildcards that match it. Indexed on first use:
        every need looks one up."""
        if self._by_action is None:
            index: dict[str, list[Granted]] = {}
            for grant in self.grants:
                if isinstance(grant, Granted):
                    index.setdefault(grant.action.lower(), []).append(grant)
            self._by_action = index
        found = self._by_action.get(action)
        if found is None:
            found = [g for g in self.grants if isinstance(g, Granted)
                     and g.action.lower() == action]
            found += [m for w in self.grants if isinstance(w, Wildcard)
                      and (m := self.matched(w, action)) is not None]
            self._by_action[action] = found
        return found

    def matched(self, wildcard: Wildcard, action: str) -> Granted | None:
        """The grant ``wildcard`` makes of one action, as expanding it would have made
        it: only an action the database knows, and not one a Deny takes away on the
        statement's resources."""
        view = self.view
        info = view.db.info(action) if view is not None else None
        if info is None or not glob_regex(wildcard.pattern).fullmatch(info.canonical):
            return None
        if view is not None and view.denies and view.denied(info.canonical,
                                                            wildcard.resources):
            return None
        return Granted(info.canonical, wildcard.resources, wildcard.pattern, wildcard.loc,
                       wildcard.platform, wildcard.statement)

    def others(self, wildcard: Wildcard, skip: Callable[[str], bool]) -> list[str]:
        """Up to two actions (lower case) ``wildcard`` grants that ``skip`` does not
        rule out: enough to tell whether it grants anything beyond what is needed."""
        view = self.view
        if view is None:
            return []
        found: list[str] = []
        for info in view.db.iter_info(wildcard.pattern):
            low = info.canonical.lower()
            if skip(low) or (view.denies and view.denied(info.canonical,
                                                         wildcard.resources)):
                continue
            found.append(low)
            if len(found) == 2:
                break
        return found


def _managed_name(policy: Policy) -> str:
    arn = policy.arn if isinstance(policy.arn, str) else ""
    return (arn.rsplit("/", 1)[-1] if "/" in arn else policy.name.rsplit("/", 1)[-1])


def _managed_statements(policy: Policy) -> tuple[Statement, ...] | None:
    raw = overrides().managed_policies.get(_managed_name(policy))
    if raw is None:
        return None
    return tuple(Statement(effect="Allow", loc=policy.loc,
                           actions=tuple(s["Action"]), resources=(s["Resource"],))
                 for s in raw)


def declared(role: Role, db: IamDatabase) -> Declared:
    out = Declared()
    if role.external_arn is not None and not role.policies:
        out.unknown.append(f"role {show(role.external_arn)} is not defined in the app; its "
                           "permissions are unknown")
        return out
    policies: list[tuple[Policy, tuple[Statement, ...], bool]] = []
    for policy in role.policies:
        if policy.origin == AWS_MANAGED and not policy.statements:
            known = _managed_statements(policy)
            if known is None:
                out.unknown.append(f"managed policy {_managed_name(policy)}: its statements "
                                   "are not known")
                continue
            policies.append((policy, known, True))
        elif not policy.statements and policy.arn is not None:
            out.unknown.append(f"policy {show(policy.arn)}: its statements are not known")
        else:
            policies.append((policy, policy.statements, policy.origin == FRAMEWORK))
    view_role = Role(id=role.id, loc=role.loc, name=role.name, policies=tuple(
        Policy(p.name, p.loc, statements, p.arn, "inline") for p, statements, _ in policies))
    view = RoleView(view_role, db)
    out.view = view
    for policy, statements, platform in policies:
        for stmt in statements:
            if not stmt.allows:
                continue
            resources = stmt.resources or (ANY,)
            if stmt.not_actions:
                patterns = [action_text(v) for v in stmt.not_actions]
                readable = [p for p in patterns if p]
                out.not_action.append((stmt, readable, None in patterns))
                continue
            scope = tuple(resources)
            for index, value in enumerate(stmt.actions):
                pattern = action_text(value)
                if pattern is None:
                    out.unknown.append(f"action {show(value)} of {policy.name} is not resolved")
                    continue
                at = stmt.at("actions", index)
                if spans_services(pattern):
                    out.grants.append(Wildcard(pattern, scope, at, platform, stmt))
                    continue
                for info in view.expand(pattern, resources):
                    out.grants.append(Granted(info.canonical, scope, pattern, at, platform,
                                              stmt))
    return out


# --- comparing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Excess:
    """Declared beyond needed: an action nothing needs, or a resource wider than needed."""

    action: str
    resource: str
    """The declared resource, as written."""
    loc: Location
    pattern: str
    """The action pattern of the statement that grants it (``dynamodb:*``)."""
    kind: str
    """"action": no function of the role needs the action; "resource": the action is
    needed, not on this resource; "wider": the resource covers what is needed and more;
    "pattern": ``action`` is a pattern spanning services (``*``) and stands for every
    action it grants except the needed ones (listing them would take thousands)."""
    needed_on: tuple[str, ...] = ()

    @property
    def service(self) -> str:
        return self.action.split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Privileges:
    """The verdict for one function."""

    function: Function
    role: Role | None
    shared_with: tuple[str, ...]
    """Other functions with the same role: needed is the union of all of them."""
    needed: tuple[NeededAction, ...]
    """What the role needs (this function's needs plus those of the functions sharing it)."""
    own: tuple[NeededAction, ...]
    """What this function needs."""
    missing: tuple[NeededAction, ...]
    excess: tuple[Excess, ...]
    unknowns: tuple[str, ...]
    app_format: str = ""
    """The format of the app ("terraform", "sam", ...): references are shown its way."""

    @property
    def verdict(self) -> str:
        parts = []
        if self.excess:
            parts.append("over-privileged")
        if self.missing:
            parts.append("under-privileged")
        if self.unknowns:
            parts.append("incomplete")
        return ", ".join(parts) if parts else "least privilege"

    def excess_by_service(self) -> dict[str, list[Excess]]:
        grouped: dict[str, list[Excess]] = {}
        for item in self.excess:
            grouped.setdefault(item.service, []).append(item)
        return dict(sorted(grouped.items()))


def needed_for(app: App, fn: Function, code: FunctionCode,
               db: IamDatabase) -> tuple[list[NeededAction], list[str]]:
    """What one function needs, and what the analysis could not tell."""
    unknowns: list[str] = []
    if code.language is None:
        reasons = "; ".join(u.what for u in code.unknowns) or "handler code not found"
        unknowns.append(f"no code analysis for {fn.display_name}: {reasons}")
    else:
        unknowns.extend(f"{u.what} at {u.loc}" for u in code.unknowns)
    needs: list[NeededAction] = []
    for call in code.sdk_calls:
        for item in actions_for(call, app, db):
            if item not in needs:
                needs.append(item)
    for item in implicit_actions(app, fn, db):
        if item not in needs:
            needs.append(item)
    for value, what in ((fn.dead_letter, "dead-letter target"),
                        (fn.on_failure, "on-failure destination")):
        if value is not None and destination_service(app, value) is None:
            unknowns.append(f"{what} {show_in(value, app.format)}: its type is not known")
    for item in needs:
        if isinstance(item.resource, Unresolved):
            unknowns.append(f"{item.action}: {item.resource.reason or item.resource.expr}")
        elif not item.certain:
            unknowns.append(f"{item.action} may be needed ({item.reason})")
    return needs, list(dict.fromkeys(unknowns))


def _granted(need: NeededAction, decl: Declared, app: App, *, anywhere: bool = False) -> bool:
    wanted = need.action.lower()
    target = canonical(need.resource, app)
    targets = [target]
    if need.implicit and target and target.endswith(":*"):
        # frameworks scope the platform's log grants to the streams (":*:*"): the
        # platform only ever uses a group's streams, so that is enough
        targets.append(target[:-1] + "log-stream:x")
    view = decl.view
    for grant in decl.grants_for(wanted):
        covered = anywhere or any(_covers_value(r, need.resource, t, app)
                                  for r in grant.resources for t in targets)
        if covered and (view is None or anywhere
                        or not view.denied(need.action, (need.resource,))):
            return True
    for stmt, patterns, unreadable in decl.not_action:
        if unreadable or any(glob_regex(p).fullmatch(need.action) for p in patterns):
            continue
        if anywhere or any(_covers_value(r, need.resource, target, app)
                           for r in stmt.resources or (ANY,)):
            return True
    return False


def _covers_value(declared_value: Any, needed_value: Resource_, needed_text: str | None,
                  app: App) -> bool:
    if isinstance(declared_value, Ref) and declared_value == needed_value:
        return True
    text = canonical(declared_value, app)
    return text is not None and needed_text is not None and covers(text, needed_text)


def _excess(decl: Declared, needs: Sequence[NeededAction], app: App,
            fn: Function) -> list[Excess]:
    by_action: dict[str, list[NeededAction]] = {}
    for need in needs:
        by_action.setdefault(need.action.lower(), []).append(need)
    # frameworks scope log permissions their own way (a prefix of all the service's
    # groups): the platform needs them, so they are never a function's excess
    extras = overrides().platform_extras | {a.lower() for a in overrides().implicit["logs"]}
    env_key = canonical(fn.kms_key, app) if fn.kms_key is not None else None
    out: list[Excess] = []
    for grant in decl.grants:
        if isinstance(grant, Wildcard):
            if not grant.platform:
                _wildcard_excess(decl, grant, by_action, extras, env_key, app, out)
            continue
        _grant_excess(grant, by_action.get(grant.action.lower()), extras, env_key, app, out)
    unique: dict[tuple[str, str, Location], Excess] = {}
    for item in out:
        unique.setdefault((item.action, item.resource, item.loc), item)
    return sorted(unique.values(), key=lambda e: (e.action, e.resource, e.loc))


def _grant_excess(grant: Granted, wanted: list[NeededAction] | None, extras: frozenset[str],
                  env_key: str | None, app: App, out: list[Excess]) -> None:
    low = grant.action.lower()
    if grant.platform or low in extras:
        return
    for index, value in enumerate(grant.resources):
        shown = show_in(value, app.format)
        # an unneeded action is reported at its line, a too-wide resource at its own
        at = grant.statement.at("resources", index) if grant.statement.resources \
            else grant.loc
        text = canonical(value, app)
        if low == "kms:decrypt" and env_key and text and covers(text, env_key):
            continue  # frameworks grant decrypting the environment's key
        if not wanted:
            out.append(Excess(grant.action, shown, grant.loc, grant.pattern, "action"))
            continue
        if any(n.unresolved for n in wanted) or text is None:
            continue  # cannot tell what it needs: not a claim of excess
        needed_texts = [t for n in wanted if (t := canonical(n.resource, app))]
        if any(covers(t, text) for t in needed_texts):
            continue  # exactly as wide as something needed
        if not any(covers(text, t) for t in needed_texts):
            out.append(Excess(grant.action, shown, at, grant.pattern, "resource",
                              tuple(show_in(n.resource, app.format) for n in wanted)))
            continue
        out.append(Excess(grant.action, shown, at, grant.pattern, "wider",
                          tuple(show_in(n.resource, app.format) for n in wanted)))


def _wildcard_excess(decl: Declared, wildcard: Wildcard,
                     by_action: Mapping[str, list[NeededAction]], extras: frozenset[str],
                     env_key: str | None, app: App, out: list[Excess]) -> None:
    """What expanding the wildcard and comparing each action would report, without the
    expansion: the needed actions it matches are compared one by one (a resource wider
    than needed), and all the others become one "pattern" item per resource."""
    matched = [g for low in by_action if (g := decl.matched(wildcard, low)) is not None]
    for grant in sorted(matched, key=lambda g: g.action):
        _grant_excess(grant, by_action[grant.action.lower()], extras, env_key, app, out)
    others = decl.others(wildcard, lambda low: low in by_action or low in extras)
    if not others:
        return
    for value in wildcard.resources:
        text = canonical(value, app)
        if others == ["kms:decrypt"] and env_key and text and covers(text, env_key):
            continue  # all it grants beyond the needs is decrypting the environment's key
        out.append(Excess(wildcard.pattern, show_in(value, app.format), wildcard.loc, wildcard.pattern,
                          "pattern"))


def _complete(code: FunctionCode) -> bool:
    return code.language is not None and not code.unknowns


def analyze(app: App, code_of: CodeSource, db: IamDatabase | None = None,
            functions: Iterable[Function] | None = None) -> list[Privileges]:
    """The verdict for each function (or the ones given) of the app.

    Everything a role's functions share (the union of their needs, the role's grants,
    whether all their code is known) is computed once per role, so the cost grows with
    the number of functions rather than with its square."""
    db = db or database()
    wanted = list(functions) if functions is not None else list(app.functions)
    cache: dict[str, tuple[list[NeededAction], list[str]]] = {}

    def needs_of(fn: Function) -> tuple[list[NeededAction], list[str]]:
        if fn.id not in cache:
            cache[fn.id] = needed_for(app, fn, code_of(app, fn), db)
        return cache[fn.id]

    users: dict[str, list[Function]] = {}
    for fn in app.functions:
        if fn.role:
            users.setdefault(fn.role, []).append(fn)
    roles: dict[str, _RoleNeeds] = {}
    out: list[Privileges] = []
    for fn in wanted:
        own, own_unknowns = needs_of(fn)
        role = app.role_of(fn)
        if role is None:
            unknowns = [*own_unknowns, "no execution role in the app"]
            out.append(Privileges(fn, None, (), tuple(own), tuple(own), (), (),
                                  tuple(dict.fromkeys(unknowns)), app.format))
            continue
        shared = roles.get(role.id)
        if shared is None:
            shared = roles[role.id] = _RoleNeeds.of(role, users.get(role.id, []), needs_of,
                                                    lambda f: _complete(code_of(app, f)), db)
        sharing = [f for f in shared.users if f.id != fn.id]
        needs = shared.needs(fn.id, own)
        unknowns = list(own_unknowns)
        for other, other_unknowns in shared.unknowns:
            if other != fn.id:
                unknowns.extend(other_unknowns)
        decl = shared.declared
        unknowns.extend(decl.unknown)
        missing: list[NeededAction] = []
        for need in own:
            if not need.certain or _granted(need, decl, app):
                continue
            if need.unresolved and _granted(need, decl, app, anywhere=True):
                continue  # granted on something; whether it is the right thing is unknown
            if decl.unknown:
                unknowns.append(f"{need.action} is not granted by the statements faasguard "
                                "can read")
                continue
            missing.append(need)
        # a function whose code is not fully known may need any declared action
        code_complete = _complete(code_of(app, fn)) and shared.incomplete <= {fn.id}
        excess = shared.excess(app, fn, needs) if code_complete else []
        out.append(Privileges(fn, role, tuple(f.id for f in sharing), tuple(needs), tuple(own),
                              tuple(missing), tuple(excess), tuple(dict.fromkeys(unknowns)),
                              app.format))
    return out


@dataclass(slots=True)
class _RoleNeeds:
    """What the functions of one role share, for one :func:`analyze` call."""

    declared: Declared
    users: list[Function]
    union: list[NeededAction]
    """The needs of all the role's functions, in the order of the app's functions."""
    positions: dict[str, set[int]]
    """Per function of the role, where its own needs are in ``union``."""
    unknowns: list[tuple[str, list[str]]]
    """Per function of the role that has unknowns, those unknowns as the others sharing
    the role report them."""
    incomplete: set[str]
    """Functions of the role whose code is not fully known."""
    _excess: dict[str | None, list[Excess]] = field(default_factory=dict)

    @classmethod
    def of(cls, role: Role, users: list[Function],
           needs_of: Callable[[Function], tuple[list[NeededAction], list[str]]],
           complete: Callable[[Function], bool], db: IamDatabase) -> _RoleNeeds:
        index: dict[NeededAction, int] = {}
        positions: dict[str, set[int]] = {}
        unknowns: list[tuple[str, list[str]]] = []
        for fn in users:
            needs, fn_unknowns = needs_of(fn)
            positions[fn.id] = {index.setdefault(need, len(index)) for need in needs}
            if fn_unknowns:
                unknowns.append((fn.id, [f"{fn.display_name} (same role): {u}"
                                         for u in fn_unknowns]))
        return cls(declared(role, db), users, list(index), positions, unknowns,
                   {fn.id for fn in users if not complete(fn)})

    def needs(self, fid: str, own: Sequence[NeededAction]) -> list[NeededAction]:
        """What the role needs, in the order a union built function by function gives:
        the function's own needs first, then the others' in the order of the app's
        functions (copied in slices, not by hashing each need again)."""
        mine = self.positions.get(fid)
        if mine is None:  # a function whose role id is spelled differently
            own_set = set(own)
            return [*own, *(need for need in self.union if need not in own_set)]
        needs = list(own)
        start = 0
        for at in sorted(mine):  # copy the runs between this function's own needs
            needs.extend(self.union[start:at])
            start = at + 1
        needs.extend(self.union[start:])
        return needs

    def excess(self, app: App, fn: Function, needs: Sequence[NeededAction]) -> list[Excess]:
        """:func:`_excess` for one function of the role. The role's needs are the same set
        for each of its functions and only the environment key differs, so the
        comparison runs once per key; only the order of ``needed_on`` (the order of
        ``needs`` as this function sees them) is per function."""
        env_key = canonical(fn.kms_key, app) if fn.kms_key is not None else None
        found = self._excess.get(env_key)
        if found is None:
            found = self._excess[env_key] = _excess(self.declared, self.union, app, fn)
        if not any(item.needed_on for item in found):
            return found
        by_action: dict[str, list[str]] = {}
        for need in needs:
            by_action.setdefault(need.action.lower(), []).append(
                show_in(need.resource, app.format))
        return [replace(item, needed_on=tuple(by_action[item.action.lower()]))
                if item.needed_on else item for item in found]


def excess_text(item: Excess) -> str:
    """One excess permission as reports list it."""
    if item.kind == "action":
        return item.action
    if item.kind == "pattern":
        return f"{item.action} (every action it matches but the needed ones)"
    return f"{item.action} on {item.resource}"


def summary(priv: Privileges) -> Mapping[str, Any]:
    """A JSON-ready view of one verdict."""
    return {
        "function": priv.function.id,
        "name": priv.function.display_name,
        "role": priv.role.id if priv.role else None,
        "shared_with": list(priv.shared_with),
        "verdict": priv.verdict,
        "needed": [{"action": n.action, "resource": show_in(n.resource, priv.app_format),
                    "unresolved": n.unresolved, "implicit": n.implicit,
                    "certain": n.certain, "reason": n.reason} for n in priv.needed],
        "missing": [{"action": n.action, "resource": show_in(n.resource, priv.app_format),
                     "location": str(n.loc) if n.loc else None, "reason": n.reason}
                    for n in priv.missing],
        "excess": {service: [{"action": e.action, "resource": e.resource,
                              "location": str(e.loc), "granted_by": e.pattern,
                              "kind": e.kind,
                              "needed_on": list(e.needed_on)} for e in items]
                   for service, items in priv.excess_by_service().items()},
        "unknowns": list(priv.unknowns),
    }


def render_text(verdicts: Sequence[Privileges], limit: int = 8) -> str:
    """The ``faasguard iam`` report: per function, needed against declared."""
    lines: list[str] = []
    for priv in verdicts:
        fn = priv.function
        role = priv.role.id if priv.role else "none"
        lines.append(f"function {fn.display_name}  [{priv.verdict}]  role {role}")
        if priv.shared_with:
            lines.append(f"  role shared with {', '.join(priv.shared_with)}: needed is the "
                         "union of what they all need")
        lines.append(f"  needed: {len(priv.own)} permission(s)")
        for need in priv.own[:limit]:
            tag = " (platform)" if need.implicit else ""
            lines.append(f"    {need.action} on {show_in(need.resource, priv.app_format)}{tag}")
        if len(priv.own) > limit:
            lines.append(f"    ... and {len(priv.own) - limit} more (--format json lists all)")
        if priv.missing:
            lines.append("  under-privileged (needed, not granted: AccessDenied):")
            for need in priv.missing:
                where = f"  [{need.loc}]" if need.loc else ""
                resource = show_in(need.resource, priv.app_format)
                lines.append(f"    {need.action} on {resource}{where}")
        if priv.excess:
            lines.append("  over-privileged (granted, not needed):")
            for service, items in priv.excess_by_service().items():
                shown = sorted({excess_text(e) for e in items})
                more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
                lines.append(f"    {service}: {', '.join(shown[:limit])}{more}")
        if priv.unknowns:
            lines.append("  incomplete:")
            lines.extend(f"    {u}" for u in priv.unknowns)
        lines.append("")
    return "\n".join(lines)


__all__ = [
    "CodeSource",
    "Declared",
    "Excess",
    "Granted",
    "Privileges",
    "Wildcard",
    "analyze",
    "canonical",
    "covers",
    "declared",
    "excess_text",
    "needed_for",
    "render_text",
    "show_in",
    "summary",
]
