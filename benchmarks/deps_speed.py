"""Dependency matching (issue 6, Measured): exactness on the known-answer set, and the
time to match a lock file of 2,000 packages against 100,000 advisories once the
advisory database is built.

Run: python benchmarks/deps_speed.py [--advisories 100000] [--packages 2000] [--repeat 5]

Synthetic data, seeded: advisories spread over 20,000 npm package names, each with one
to three SEMVER ranges; the lock file (package-lock.json v3) takes 2,000 of those names
at versions some of which fall in a range. The timed command is the whole
`faasguard scan APP --rule FG-DEP-001 --format json` process (median of --repeat runs);
the database build (`faasguard db import`) is reported separately. Exits 1 when the
known answers are not exact or the median is over the 1 s target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "deps")]
TARGET_SECONDS = 1.0


def _faasguard(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "faasguard", *args], capture_output=True,
                          text=True, env=env, check=False)


def _advisories(count: int, names: list[str], rng: random.Random) -> list[dict[str, object]]:
    docs = []
    for i in range(count):
        ranges = []
        for _ in range(rng.randint(1, 3)):
            major = rng.randint(0, 9)
            ranges.append({"type": "SEMVER", "events": [
                {"introduced": f"{major}.0.0"}, {"fixed": f"{major}.{rng.randint(1, 9)}.0"}]})
        docs.append({"id": f"SYN-{i:06d}", "modified": "2026-01-01T00:00:00Z",
                     "aliases": [f"CVE-2026-{i:06d}"], "summary": "synthetic",
                     "affected": [{"package": {"ecosystem": "npm", "name": rng.choice(names)},
                                   "ranges": ranges}]})
    return docs


def _project(folder: Path, names: list[str], rng: random.Random) -> None:
    (folder / "web").mkdir(parents=True)
    (folder / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Web:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n"
        "      Handler: index.handler\n      CodeUri: web/\n")
    (folder / "web" / "index.js").write_text("exports.handler = async () => 1;\n")
    packages: dict[str, object] = {"": {"name": "app", "dependencies": {
        n: "*" for n in names[:50]}}}
    for name in names:
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"
        packages[f"node_modules/{name}"] = {"version": version, "integrity": "sha512-x"}
    (folder / "web" / "package-lock.json").write_text(json.dumps(
        {"name": "app", "lockfileVersion": 3, "packages": packages}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--advisories", type=int, default=100_000)
    parser.add_argument("--packages", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from known import check

    ok = True
    with tempfile.TemporaryDirectory(prefix="faasguard-deps-bench-") as tmp:
        work = Path(tmp)
        wrong = check(work / "known.sqlite3")
        print(f"known answers: {'exact' if not wrong else f'{len(wrong)} wrong'}")
        for line in wrong:
            print(f"  {line}")
        ok &= not wrong

        rng = random.Random(20261129)
        names = [f"pkg-{i:05d}" for i in range(20_000)]
        (work / "osv").mkdir()
        docs = _advisories(args.advisories, names, rng)
        for start in range(0, len(docs), 10_000):
            (work / "osv" / f"part-{start:06d}.json").write_text(json.dumps(docs[start:start + 10_000]))
        db = work / "advisories.sqlite3"
        started = time.perf_counter()
        done = _faasguard("db", "import", str(work / "osv"), "--advisory-db", str(db))
        built = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
        print(f"database: {args.advisories:,} advisories imported in {built:.1f} s "
              f"({db.stat().st_size / 1e6:.0f} MB)")

        chosen = rng.sample(names, args.packages)
        _project(work / "app", chosen, rng)
        _faasguard("scan", str(work / "app"), "--rule", "FG-DEP-001", "--advisory-db", str(db))
        times, findings = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            done = _faasguard("scan", str(work / "app"), "--rule", "FG-DEP-001", "--format",
                              "json", "--no-progress", "--advisory-db", str(db))
            times.append(time.perf_counter() - started)
            assert done.returncode in (0, 1), done.stderr
            findings = len(json.loads(done.stdout)["findings"])
        median = statistics.median(times)
        print(f"scan: {args.packages:,} locked packages against {args.advisories:,} advisories: "
              f"median {median:.2f} s over {args.repeat} runs "
              f"({', '.join(f'{t:.2f}' for t in times)}); {findings} vulnerable packages found; "
              f"target under {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'MISSED'}")
        ok &= median < TARGET_SECONDS
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
