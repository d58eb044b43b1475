"""The derived least-privilege policy equals the hand-written one for >= 90% of the
corpus, and every derived policy passes the policy check."""

from __future__ import annotations

import pytest

from lpcorpus import accuracy, cases, run_case

CASES = cases()


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("folder", CASES, ids=[c.name for c in CASES])
def test_derived_policy_passes_the_policy_check(folder) -> None:  # type: ignore[no-untyped-def]
    assert run_case(folder).problems == ()


def test_at_least_90_percent_exact() -> None:
    results = [run_case(c) for c in CASES]
    wrong = {r.name: (sorted(r.missing), sorted(r.extra)) for r in results if not r.exact}
    assert accuracy(results) >= 0.9, wrong
