"""The labelled Python corpus: recall and precision of the code rules stay >= 0.9, and
the corpus stays what it claims (80+ cases, about half vulnerable, near misses marked)."""

from __future__ import annotations

import pytest

from codecorpus import Case, analyse, cases, marks, score

CASES = cases()


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[set, set, set]]:
    return {case.name: (*marks(case), analyse(case)) for case in CASES}


def test_corpus_is_big_and_balanced() -> None:
    assert len(CASES) >= 80
    vulnerable = [c for c in CASES if marks(c)[0]]
    safe = [c for c in CASES if not marks(c)[0]]
    assert all(marks(c)[1] for c in safe), "a case without marks teaches nothing"
    assert 0.35 <= len(vulnerable) / len(CASES) <= 0.65
    assert sum(1 for c in CASES if len(c.files) > 1) >= 8, "cross-module cases"


def test_recall_and_precision(results: dict[str, tuple[set, set, set]]) -> None:
    expected = set().union(*(r[0] for r in results.values()))
    reported = set().union(*(r[2] for r in results.values()))
    table = score(expected, reported)
    overall = table["all"]
    missed = sorted(expected - reported)
    extra = sorted(reported - expected)
    assert overall.recall >= 0.9, f"missed: {missed}"
    assert overall.precision >= 0.9, f"false positives: {extra}"


def test_no_report_on_a_near_miss(results: dict[str, tuple[set, set, set]]) -> None:
    wrong = sorted(hit for _, ok, reported in results.values() for hit in ok & reported)
    assert len(wrong) <= 2, wrong


@pytest.mark.parametrize("case", [c for c in CASES if len(c.files) > 1], ids=lambda c: c.name)
def test_cross_module_cases_exactly(case: Case, results: dict[str, tuple[set, set, set]]) -> None:
    expected, _, reported = results[case.name]
    assert reported == expected
