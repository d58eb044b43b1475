"""The labelled code corpus: cases, their marks, what faasguard reports, and the score.

A case is one handler: ``cases/<name>.py`` (entry ``handler``) or a small project
``projects/<name>/handler.py`` with its own modules. On a line, ``# expect: FG-INJ-001``
says the rule must report that line and ``# ok: FG-INJ-001`` marks a near miss it must
not report. Every report on a line not marked ``expect`` counts as a false positive.
Used by ``tests/test_code_corpus.py`` and ``benchmarks/code_accuracy.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from faasguard.code.handlers import HandlerRef
from faasguard.code.python.issues import find_issues
from faasguard.code.python.project import PythonProject
from faasguard.code.python.taint import find_flows
from faasguard.rules.code import RULE_FOR_ISSUE, RULE_FOR_SINK

PYTHON_CORPUS = Path(__file__).resolve().parent / "corpus" / "python"
MARK = re.compile(r"#\s*(expect|ok):\s*([A-Z0-9, -]+)")

Hit = tuple[str, str, int]
"""(rule id, file relative to the corpus root, line)."""


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    code_root: Path
    entry: Path
    files: tuple[Path, ...]


def cases(root: Path = PYTHON_CORPUS) -> list[Case]:
    found = [Case(p.stem, p.parent, p, (p,)) for p in sorted((root / "cases").glob("*.py"))]
    for project in sorted(p for p in (root / "projects").iterdir() if p.is_dir()):
        found.append(Case(project.name, project, project / "handler.py",
                          tuple(sorted(project.rglob("*.py")))))
    return found


def marks(case: Case, root: Path = PYTHON_CORPUS) -> tuple[set[Hit], set[Hit]]:
    """The (expected, ok) marks of a case."""
    expected: set[Hit] = set()
    ok: set[Hit] = set()
    for path in case.files:
        rel = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in MARK.finditer(line):
                into = expected if match.group(1) == "expect" else ok
                into.update((rule.strip(), rel, number) for rule in match.group(2).split(",")
                            if rule.strip())
    return expected, ok


def analyse(case: Case, root: Path = PYTHON_CORPUS) -> set[Hit]:
    project = PythonProject(case.code_root, root)
    ref = HandlerRef("python", case.entry, case.entry.relative_to(root).as_posix(), "handler",
                     case.code_root)
    found: set[Hit] = set()
    for flow in find_flows(project, ref):
        found.add((RULE_FOR_SINK[flow.sink_kind], flow.loc.file, flow.loc.line or 0))
    for issue in find_issues(project, ref):
        found.add((RULE_FOR_ISSUE[issue.kind], issue.loc.file, issue.loc.line or 0))
    return found


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(expected: Iterable[Hit], reported: Iterable[Hit], rules: Iterable[str] | None = None
          ) -> dict[str, Score]:
    """Per rule and overall ("all"); ``rules`` limits which reports count."""
    want = set(expected)
    got = set(reported)
    if rules is not None:
        keep = set(rules)
        want = {h for h in want if h[0] in keep}
        got = {h for h in got if h[0] in keep}
    ids = sorted({h[0] for h in want | got})
    table = {rule: Score(len({h for h in got & want if h[0] == rule}),
                         len({h for h in got - want if h[0] == rule}),
                         len({h for h in want - got if h[0] == rule})) for rule in ids}
    table["all"] = Score(len(got & want), len(got - want), len(want - got))
    return table
