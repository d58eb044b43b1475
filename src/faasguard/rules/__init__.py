"""The rule catalogue. Rules live in the modules listed in ``RULE_MODULES``: one explicit
table, so nothing registers itself by being imported from somewhere else."""

from __future__ import annotations

import importlib
from functools import cache

from faasguard.rules.registry import Context, Hit, Rule, rule

RULE_MODULES = (
    "faasguard.rules.iam",
    "faasguard.rules.isolation",
    "faasguard.rules.api",
    "faasguard.rules.secrets",
    "faasguard.rules.data",
    "faasguard.rules.config",
    "faasguard.rules.scaling",
    "faasguard.rules.monitoring",
    "faasguard.rules.code",
    "faasguard.rules.leastpriv",
    "faasguard.rules.deps",
)


@cache
def all_rules() -> tuple[Rule, ...]:
    found: list[Rule] = []
    for name in RULE_MODULES:
        module = importlib.import_module(name)
        found.extend(v for v in vars(module).values() if isinstance(v, Rule))
    return tuple(sorted(found, key=lambda r: r.id))


def get_rule(rule_id: str) -> Rule | None:
    return next((r for r in all_rules() if r.id == rule_id.upper()), None)


__all__ = ["RULE_MODULES", "Context", "Hit", "Rule", "all_rules", "get_rule", "rule"]
