"""Precision and recall of the JavaScript/TypeScript code analysis on its labelled corpus.

    python benchmarks/code_accuracy_js.py [CORPUS]      (default: tests/corpus/js)

Every top-level ``.js``/``.mjs``/``.cjs``/``.ts`` file of the corpus is a handler
exporting ``handler``; files in subfolders are modules they import. A line marked
``// expect: RULE`` must be reported for RULE, a line marked ``// ok: RULE`` is a
near miss that must not be. Every reported (file, line, rule) that is not expected
counts as a false positive, marked ``ok`` or not.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from faasguard.rules.code import RULE_FOR_ISSUE as ISSUE_RULES  # noqa: E402
from faasguard.rules.code import RULE_FOR_SINK as SINK_RULES  # noqa: E402

MARK = re.compile(r"//\s*(expect|ok):\s*([A-Z0-9, -]+)")
ENTRY_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")

Finding = tuple[str, int, str]
"""(file relative to the corpus, line, rule id)"""


@dataclass
class Score:
    expected: set[Finding] = field(default_factory=set)
    near_misses: set[Finding] = field(default_factory=set)
    reported: set[Finding] = field(default_factory=set)
    cases: int = 0
    vulnerable_cases: int = 0

    @property
    def true_positives(self) -> set[Finding]:
        return self.reported & self.expected

    @property
    def false_positives(self) -> set[Finding]:
        return self.reported - self.expected

    @property
    def false_negatives(self) -> set[Finding]:
        return self.expected - self.reported

    @property
    def precision(self) -> float:
        return len(self.true_positives) / len(self.reported) if self.reported else 1.0

    @property
    def recall(self) -> float:
        return len(self.true_positives) / len(self.expected) if self.expected else 1.0


def marks(corpus: Path) -> tuple[set[Finding], set[Finding]]:
    expected: set[Finding] = set()
    near: set[Finding] = set()
    for path in sorted(corpus.rglob("*")):
        if not path.is_file() or path.suffix not in ENTRY_SUFFIXES:
            continue
        rel = path.relative_to(corpus).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in MARK.finditer(line):
                target = expected if match.group(1) == "expect" else near
                target.update((rel, number, r.strip()) for r in match.group(2).split(","))
    return expected, near


def score(corpus: Path) -> Score:
    from faasguard.code.handlers import HandlerRef
    from faasguard.code.js import analyze
    from faasguard.code.js.project import JsProject
    from faasguard.model import Function, Location

    corpus = corpus.resolve()
    result = Score()
    result.expected, result.near_misses = marks(corpus)
    project = JsProject(corpus, corpus)
    for path in sorted(corpus.iterdir()):
        if not path.is_file() or path.suffix not in ENTRY_SUFFIXES:
            continue
        result.cases += 1
        rel = path.relative_to(corpus).as_posix()
        if any(f == rel for f, _, _ in result.expected):
            result.vulnerable_cases += 1
        handler = HandlerRef("javascript", path, rel, "handler", corpus)
        function = Function(id=path.stem, loc=Location("serverless.yml"),
                            runtime="nodejs20.x", environment={"TABLE": "orders"})
        code = analyze(None, function, handler, project)  # type: ignore[arg-type]
        for flow in code.flows:
            result.reported.add((flow.loc.file, flow.loc.line or 0, SINK_RULES[flow.sink_kind]))
        for issue in code.issues:
            rule = ISSUE_RULES.get(issue.kind)
            if rule is not None:
                result.reported.add((issue.loc.file, issue.loc.line or 0, rule))
    return result


def report(result: Score) -> str:
    per_rule = Counter(rule for _, _, rule in result.expected)
    lines = [
        f"JavaScript corpus: {result.cases} cases ({result.vulnerable_cases} vulnerable), "
        f"{len(result.expected)} expected findings, {len(result.near_misses)} marked near misses",
        f"  precision {result.precision:.3f}  recall {result.recall:.3f}  "
        f"(TP {len(result.true_positives)}, FP {len(result.false_positives)}, "
        f"FN {len(result.false_negatives)})",
        "  expected per rule: " + ", ".join(f"{r} {n}" for r, n in sorted(per_rule.items())),
    ]
    lines += [f"  false positive: {f}:{n} {r}" for f, n, r in sorted(result.false_positives)]
    lines += [f"  false negative: {f}:{n} {r}" for f, n, r in sorted(result.false_negatives)]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    corpus = Path(argv[0]) if argv else ROOT / "tests" / "corpus" / "js"
    print(report(score(corpus)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
