"""Precision and recall of the Python code rules on the labelled corpus, with Bandit's
figures on the same files side by side.

    python benchmarks/code_accuracy.py [--skip-bandit]

The corpus is ``tests/corpus/python`` (see ``tests/codecorpus.py`` for its marks). A
report counts as a true positive when it names the marked rule in the marked file, on
the marked line or within ``SLACK`` lines of it (Bandit reports SQL where the string is
built, which may be the line above the ``execute``); each mark matches one report.
Every other report is a false positive, on a near-miss (``# ok:``) line or not.

Bandit is installed, pinned, into benchmarks/.venv-bandit the first time (this needs
PyPI). Its test ids are mapped to our rules by what they claim (table ``BANDIT_RULES``);
import-only checks (B403, B404, B405..B411) are left out, as they name no line where
data goes wrong. Rules Bandit has no check for count as misses in its "all rules" line
and are left out of its "rules it covers" line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))

from codecorpus import PYTHON_CORPUS, Hit, Score, analyse, cases, marks  # noqa: E402

BANDIT_VERSION = "1.9.4"
BANDIT_VENV = HERE / ".venv-bandit"
SLACK = 2
BANDIT_RULES = {
    **dict.fromkeys(("B602", "B603", "B604", "B605", "B606"), "FG-INJ-001"),
    **dict.fromkeys(("B102", "B307"), "FG-INJ-002"),
    **dict.fromkeys(("B301", "B302", "B506"), "FG-INJ-003"),
    "B608": "FG-INJ-004",
    "B202": "FG-INJ-006",
    "B310": "FG-INJ-007",
    **dict.fromkeys(("B701", "B702", "B704"), "FG-INJ-008"),
    **dict.fromkeys(tuple(f"B{n}" for n in range(313, 321)), "FG-INJ-009"),
    **dict.fromkeys(("B105", "B106", "B107"), "FG-SEC-005"),
}
"""Bandit test id -> the faasguard rule that reports the same kind of problem."""


def match(expected: Iterable[Hit], reported: Iterable[Hit], slack: int = SLACK
          ) -> tuple[set[Hit], set[Hit], set[Hit]]:
    """(true positives as marks, false positives, false negatives), one report per mark."""
    left = sorted(set(reported))
    hits: set[Hit] = set()
    used: set[Hit] = set()
    for mark in sorted(set(expected)):
        candidates = [r for r in left if r not in used and r[0] == mark[0]
                      and r[1] == mark[1] and abs(r[2] - mark[2]) <= slack]
        if candidates:
            best = min(candidates, key=lambda r: abs(r[2] - mark[2]))
            used.add(best)
            hits.add(mark)
    return hits, set(left) - used, set(expected) - hits


def table(expected: set[Hit], reported: set[Hit], rules: Iterable[str]) -> dict[str, Score]:
    by_rule: dict[str, Score] = {}
    total = [0, 0, 0]
    for rule in rules:
        tp, fp, fn = match({h for h in expected if h[0] == rule},
                           {h for h in reported if h[0] == rule})
        by_rule[rule] = Score(len(tp), len(fp), len(fn))
        total = [total[0] + len(tp), total[1] + len(fp), total[2] + len(fn)]
    by_rule["all"] = Score(*total)
    return by_rule


def ensure_bandit() -> Path:
    exe = BANDIT_VENV / "bin" / "bandit"
    if exe.exists():
        found = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                               check=False)
        if BANDIT_VERSION in found.stdout.split("\n", 1)[0]:
            return exe
    print(f"installing bandit=={BANDIT_VERSION} into {BANDIT_VENV} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(BANDIT_VENV)], check=True)
    subprocess.run([str(BANDIT_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    f"bandit=={BANDIT_VERSION}"], check=True)
    return exe


def run_bandit(exe: Path, root: Path) -> set[Hit]:
    done = subprocess.run([str(exe), "-r", str(root), "-f", "json", "-q"],
                          capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"bandit failed ({done.returncode}): {done.stderr[-2000:]}")
    found: set[Hit] = set()
    for result in json.loads(done.stdout)["results"]:
        rule = BANDIT_RULES.get(result["test_id"])
        if rule is None:
            continue
        rel = Path(result["filename"]).resolve().relative_to(root).as_posix()
        found.add((rule, rel, int(result["line_number"])))
    return found


def _row(name: str, score: Score | None) -> str:
    if score is None:
        return f"{name:<12} {'-':>5} {'-':>5} {'-':>5} {'-':>9} {'-':>7}"
    return (f"{name:<12} {score.tp:>5} {score.fp:>5} {score.fn:>5} "
            f"{score.precision:>9.2f} {score.recall:>7.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-bandit", action="store_true")
    args = parser.parse_args(argv)

    expected: set[Hit] = set()
    ok_marks: set[Hit] = set()
    ours: set[Hit] = set()
    corpus = cases()
    for case in corpus:
        want, ok = marks(case)
        expected |= want
        ok_marks |= ok
        ours |= analyse(case)
    rules = sorted({h[0] for h in expected | ok_marks})
    vulnerable = sum(1 for c in corpus if marks(c)[0])
    print(f"corpus: {len(corpus)} cases ({vulnerable} vulnerable, {len(corpus) - vulnerable}"
          f" safe), {len(expected)} expected findings, {len(ok_marks)} near misses marked ok")

    ours_table = table(expected, ours, rules)
    bandit_table: dict[str, Score] = {}
    covered: set[str] = set(BANDIT_RULES.values())
    if not args.skip_bandit:
        exe = ensure_bandit()
        found = run_bandit(exe, PYTHON_CORPUS)
        bandit_table = table(expected, found, rules)
        bandit_covered = table(expected, found, [r for r in rules if r in covered])["all"]

    header = f"{'rule':<12} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>9} {'recall':>7}"
    print(f"\nfaasguard\n{header}")
    for rule in [*rules, "all"]:
        print(_row(rule, ours_table[rule]))
    if bandit_table:
        print(f"\nbandit {BANDIT_VERSION} (test ids mapped to rules; '-' = no such check)")
        print(header)
        for rule in rules:
            print(_row(rule, bandit_table[rule] if rule in covered else None))
        print(_row("all", bandit_table["all"]))
        print(_row("covered", bandit_covered))
    overall = ours_table["all"]
    if overall.precision < 0.9 or overall.recall < 0.9:
        print("\nbelow target: precision and recall must both be >= 0.90", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
