"""Rule documentation is generated from the rules and checked: every rule documents
itself fully, and docs/rules plus README.md's rule table are current."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from faasguard.findings import Severity
from faasguard.ruledocs import (
    CONTROL_NAMES,
    END,
    START,
    catalogue_json,
    catalogue_markdown,
    catalogue_text,
    readme_with_table,
    rule_markdown,
    rule_text,
    sync,
)
from faasguard.rules import all_rules
from faasguard.rules.registry import SECTIONS, Rule

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT.parent / "shared" / "REQUIREMENTS.md"


def _rule(rule_id: str = "FG-TST-001", **docs: str) -> Rule:
    sections = {"What it does": "Finds things.\n\nAt length.", "Why is this bad?": "Harm.",
                "Example": "```yaml\nbad: true\n```", "Fix": "```yaml\nbad: false\n```\nDo it.",
                **docs}
    return Rule(id=rule_id, title="Something | risky", severity=Severity.MEDIUM,
                category="config", controls=("C1", "A1"), cwe=(16, 732), docs=sections,
                check=lambda app, ctx: iter(()), module="tests")


# --- the real catalogue ----------------------------------------------------------


def test_generated_docs_are_current() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_documents_itself(rule: Rule) -> None:
    for section in SECTIONS:
        assert rule.docs.get(section, "").strip(), f"{rule.id} lacks '## {section}'"
    assert "```" in rule.docs["Example"], f"{rule.id}: Example needs a fenced snippet"
    assert "```" in rule.docs["Fix"], f"{rule.id}: Fix needs a fenced snippet"
    assert set(rule.controls) <= set(CONTROL_NAMES)
    assert rule.summary


def test_control_names_match_requirements() -> None:
    if not REQUIREMENTS.is_file():
        pytest.skip("shared/REQUIREMENTS.md is not beside the repository")
    stated = dict(re.findall(r"^- \*\*([A-G]\d) (.+?)\.\*\*", REQUIREMENTS.read_text(), re.M))
    assert stated == CONTROL_NAMES


# --- rendering ---------------------------------------------------------------------


def test_rule_markdown() -> None:
    page = rule_markdown(_rule(References="- https://example.org/doc"))
    assert page.startswith("# FG-TST-001: Something | risky\n")
    assert "| Severity | medium |" in page
    assert "| Controls | C1 Insecure defaults and unused features, A1 Least privilege per " \
           "function |" in page
    assert "[CWE-732](https://cwe.mitre.org/data/definitions/732.html)" in page
    headings = re.findall(r"^## (.+)$", page, re.M)
    assert headings == [*SECTIONS, "References"]
    assert not rule_markdown(_rule(), heading=False).startswith("#")


def test_rule_text_has_no_markdown_headings() -> None:
    text = rule_text(_rule())
    assert text.startswith("FG-TST-001: Something | risky\n")
    assert "Controls: C1 Insecure defaults and unused features" in text
    assert "## " not in text


def test_catalogues() -> None:
    rules = [_rule("FG-TST-001"), _rule("FG-TST-002")]
    text = catalogue_text(rules)
    assert text.splitlines()[1].startswith("FG-TST-001  medium    Something | risky [C1, A1]")
    assert max(len(line) for line in text.splitlines()) <= 80
    data = json.loads(catalogue_json(rules))
    assert [r["id"] for r in data["rules"]] == ["FG-TST-001", "FG-TST-002"]
    assert data["rules"][0]["cwe"] == ["CWE-16", "CWE-732"]
    assert data["rules"][0]["summary"] == "Finds things."
    assert data["controls"]["A1"] == "Least privilege per function"
    table = catalogue_markdown(rules)
    assert "| [FG-TST-001](docs/rules/FG-TST-001.md) | Something \\| risky | medium |" in table


# --- generation ----------------------------------------------------------------------


def test_sync_writes_checks_and_prunes(tmp_path: Path) -> None:
    rules = [_rule("FG-TST-001"), _rule("FG-TST-002")]
    (tmp_path / "README.md").write_text(f"# x\n\n{START}\nold\n{END}\n\nafter\n")
    assert sync(tmp_path, check=True, rules=rules)  # nothing written yet
    written = sync(tmp_path, check=False, rules=rules)
    assert "wrote: docs/rules/FG-TST-001.md" in written
    assert "wrote: README.md rule table" in written
    assert sync(tmp_path, check=True, rules=rules) == []
    readme = (tmp_path / "README.md").read_text()
    assert "old" not in readme and readme.endswith(f"{END}\n\nafter\n")
    assert "[FG-TST-002](docs/rules/FG-TST-002.md)" in readme
    index = (tmp_path / "docs/rules/README.md").read_text()
    assert "[FG-TST-001](FG-TST-001.md)" in index

    # A rule removed: its page is stale in --check, removed on write.
    assert set(sync(tmp_path, check=True, rules=rules[:1])) == {
        "stale (no such rule): docs/rules/FG-TST-002.md",
        "out of date: docs/rules/README.md",
        "out of date: README.md rule table"}
    sync(tmp_path, check=False, rules=rules[:1])
    assert not (tmp_path / "docs/rules/FG-TST-002.md").exists()

    # A hand edit is caught.
    page = tmp_path / "docs/rules/FG-TST-001.md"
    page.write_text(page.read_text() + "edited\n")
    assert sync(tmp_path, check=True, rules=rules[:1]) == ["out of date: docs/rules/FG-TST-001.md"]


def test_readme_without_markers_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# no table here\n")
    assert any(c.startswith("error: ") for c in sync(tmp_path, check=False, rules=[_rule()]))
    with pytest.raises(ValueError, match="rules:start"):
        readme_with_table("nothing", [_rule()])


def test_gen_docs_check_exit_code(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "gen_docs.py"
    stale = subprocess.run([sys.executable, str(script), "--check", "--repo", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert stale.returncode == 1
    assert "out of date: docs/rules/README.md" in stale.stdout
    write = subprocess.run([sys.executable, str(script), "--repo", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert write.returncode == 0
    fresh = subprocess.run([sys.executable, str(script), "--check", "--repo", str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stdout
