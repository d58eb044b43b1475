"""Whole ``faasguard scan`` time against the number of handlers, to show it grows linearly.

    python benchmarks/scan_code_project.py [--sizes 50,100,200] [--repeat 3] [--src DIR]

For each size, ``gen_code_project.py`` writes the same deterministic service (a
serverless.yml of N Python handlers sharing one execution role and a ``lib/`` package),
then ``python -m faasguard scan ROOT --no-progress -f json`` runs as a fresh process
(start-up, loading, all rules including code analysis and least privilege, rendering):
the median of ``--repeat`` runs after one untimed warm-up. The per-handler cost is the
time above the fixed cost (start-up and template loading, estimated from the two
smallest sizes); it stays flat when the scan is linear and grows with N when some step
is quadratic (e.g. a role shared by every function compared once per function).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_code_project import generate  # noqa: E402


def scan(root: Path, src: Path) -> tuple[float, int]:
    """Seconds for one whole scan process, and how many findings it reported."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "faasguard", "scan", str(root), "--no-progress",
               "-f", "json"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: findings at or above the failing severity
        raise SystemExit(f"faasguard scan failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, len(json.loads(done.stdout)["findings"])


def measure(handlers: int, repeat: int, src: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="fg-scan-speed-") as tmp:
        root = Path(tmp) / "project"
        generate(root, handlers)
        scan(root, src)  # warm-up: file cache, .pyc files
        runs = [scan(root, src) for _ in range(repeat)]
    return statistics.median(s for s, _ in runs), runs[-1][1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200",
                        help="comma-separated handler counts (default 50,100,200)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--src", type=Path, default=REPO / "src",
                        help="the faasguard source tree to time (another checkout's src, "
                        "to compare before and after a change)")
    args = parser.parse_args(argv)
    sizes = sorted({int(size) for size in args.sizes.split(",") if size.strip()})
    if not sizes or sizes[0] < 1 or args.repeat < 1:
        parser.error("sizes and --repeat must be positive")

    results = [(size, *measure(size, args.repeat, args.src.resolve())) for size in sizes]
    fixed = 0.0
    if len(results) > 1:
        (n1, t1, _), (n2, t2, _) = results[0], results[1]
        fixed = max(0.0, t1 - (t2 - t1) / (n2 - n1) * n1)
    print(f"faasguard scan, median of {args.repeat} run(s); fixed cost ~{fixed:.2f} s")
    print(f"{'handlers':>8}  {'seconds':>8}  {'findings':>8}  {'ms/handler':>10}  "
          f"{'ms/handler above fixed':>22}")
    for size, seconds, findings in results:
        print(f"{size:>8}  {seconds:>8.2f}  {findings:>8}  {seconds / size * 1000:>10.1f}  "
              f"{(seconds - fixed) / size * 1000:>22.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
