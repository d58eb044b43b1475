"""Every rule has a fixture pair; the bad side reports exactly its marked lines,
the good side reports nothing, and neither fails to load."""

from __future__ import annotations

import pytest

from faasguard.rules import Rule, all_rules

from conftest import FIXTURES
from rulecheck import expected_marks, reported, run_rule

RULES = all_rules()
RULE_DIR = FIXTURES / "rules"


def _ids(rule: Rule) -> str:
    return rule.id


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_fixture_pair_exists(rule: Rule) -> None:
    for side in ("bad", "good"):
        folder = RULE_DIR / rule.id / side
        assert folder.is_dir() and any(folder.rglob("*.*")), f"missing fixtures {folder}"


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_bad_fixture_reports_exactly_the_marked_lines(rule: Rule) -> None:
    folder = RULE_DIR / rule.id / "bad"
    result = run_rule(folder, rule)
    assert not [d for d in result.diagnostics if d.level == "error"], result.diagnostics
    marks = expected_marks(folder, rule.id)
    assert marks, f"{folder} has no '# expect: {rule.id}' marks"
    assert reported(result, rule.id) == marks


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_good_fixture_reports_nothing(rule: Rule) -> None:
    folder = RULE_DIR / rule.id / "good"
    result = run_rule(folder, rule)
    assert not [d for d in result.diagnostics if d.level == "error"], result.diagnostics
    assert result.apps, f"{folder} loaded no app"
    assert reported(result, rule.id) == set()
