#!/usr/bin/env python3
"""Write the rule documentation from the rules' code.

    python scripts/gen_docs.py          # write docs/rules/*.md and README.md's rule table
    python scripts/gen_docs.py --check  # exit 1 if any of them is out of date (CI)

The pages come from ``faasguard.ruledocs``: one per rule under docs/rules/, an index
docs/rules/README.md, and the table between ``<!-- rules:start -->`` and
``<!-- rules:end -->`` in README.md. Pages of rules that no longer exist are removed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from faasguard.ruledocs import sync  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a generated file is out of date")
    parser.add_argument("--repo", type=Path, default=REPO, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    changes = sync(args.repo, check=args.check)
    for line in changes:
        print(line)
    errors = [c for c in changes if c.startswith("error:")]
    if args.check and changes:
        print("rule docs are out of date: run `python scripts/gen_docs.py`", file=sys.stderr)
        return 1
    if errors:
        return 1
    if not changes:
        print("rule docs are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
