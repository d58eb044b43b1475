"""The least-privilege corpus: handlers with hand-written expected policies.

Each case under ``tests/corpus/leastpriv/<case>/`` holds a template (SAM or
serverless.yml), the handler code
and ``expected.json``: the function and the (action, resource) pairs its least-privilege
policy must hold, resources written as ``faasguard iam`` shows them. A case is exact
when the derived policy has no missing and no extra pair.

Used by ``tests/test_leastpriv_corpus.py`` and ``benchmarks/leastpriv_accuracy.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus" / "leastpriv"

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class CaseResult:
    name: str
    missing: frozenset[Pair]
    extra: frozenset[Pair]
    problems: tuple[str, ...]
    """What the policy check objects to in the derived policy."""

    @property
    def exact(self) -> bool:
        return not self.missing and not self.extra


def cases() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "expected.json").is_file())


def run_case(folder: Path) -> CaseResult:
    from faasguard.code import CodeAnalyzer
    from faasguard.engine import load_candidate
    from faasguard.iamgen import derive, problems
    from faasguard.iampolicy import show
    from faasguard.leastpriv import analyze
    from faasguard.loaders.base import LoadOptions
    from faasguard.loaders.discover import discover

    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    (candidate,) = discover([folder], folder, ())
    (app,), _ = load_candidate(candidate, LoadOptions(root=folder))
    fn = app.function(expected["function"])
    assert fn is not None, f"{folder.name}: no function {expected['function']}"
    (verdict,) = analyze(app, CodeAnalyzer(folder).function, functions=[fn])
    statements = derive(verdict.own)
    got = {(a, show(r)) for s in statements for a in s.actions for r in s.resources}
    want = {(a, r) for a, r in expected["policy"]}
    return CaseResult(folder.name, frozenset(want - got), frozenset(got - want),
                      tuple(problems(statements, app)))


def accuracy(results: list[CaseResult]) -> float:
    return sum(r.exact for r in results) / len(results) if results else 0.0
