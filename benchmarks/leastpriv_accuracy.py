"""Least privilege on the labelled corpus: the share of handlers whose derived policy
equals the hand-written one (no missing, no extra action on a resource).

Run: python benchmarks/leastpriv_accuracy.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from lpcorpus import accuracy, cases, run_case  # noqa: E402


def main() -> int:
    results = [run_case(c) for c in cases()]
    for result in results:
        if not result.exact:
            print(f"  {result.name}: missing {sorted(result.missing)} extra {sorted(result.extra)}")
        for problem in result.problems:
            print(f"  {result.name}: policy check: {problem}")
    exact = sum(r.exact for r in results)
    print(f"least privilege: {exact}/{len(results)} policies exact ({accuracy(results):.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
