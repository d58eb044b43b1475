"""The labelled JavaScript corpus: precision and recall of the analysis stay >= 0.9."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "js"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "code_accuracy_js", ROOT / "benchmarks" / "code_accuracy_js.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_corpus_is_big_enough_and_balanced() -> None:
    bench = _benchmark()
    score = bench.score(CORPUS)
    assert score.cases >= 60
    assert 0.4 <= score.vulnerable_cases / score.cases <= 0.65
    assert len(score.near_misses) >= 30
    # every rule family the JavaScript front end feeds has cases
    rules = {rule for _, _, rule in score.expected}
    assert rules >= set(bench.SINK_RULES.values()) | set(bench.ISSUE_RULES.values())


def test_precision_and_recall() -> None:
    bench = _benchmark()
    score = bench.score(CORPUS)
    assert score.precision >= 0.9, bench.report(score)
    assert score.recall >= 0.9, bench.report(score)
    assert not score.reported & score.near_misses, bench.report(score)


def test_marks_are_read_from_comments(tmp_path: Path) -> None:
    bench = _benchmark()
    (tmp_path / "a.js").write_text(
        "exports.handler = async (event) => {\n"
        "  eval(event.body); // expect: FG-INJ-002\n"
        "  eval('1'); // ok: FG-INJ-002\n"
        "};\n")
    score = bench.score(tmp_path)
    assert score.expected == {("a.js", 2, "FG-INJ-002")}
    assert score.near_misses == {("a.js", 3, "FG-INJ-002")}
    assert score.reported == score.expected
