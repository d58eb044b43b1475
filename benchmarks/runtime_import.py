"""Import time of faasguard.runtime (cold start), with Powertools' for reference.

    python benchmarks/runtime_import.py [--runs 15] [--json FILE]

Each statement runs in `--runs` fresh interpreters with `python -X importtime -c STMT`;
the figure is the median over runs of the time of everything the statement imported:
the sum of the cumulative times of the top-level imports it triggered (faasguard's
modules plus the standard-library modules they pulled in that the interpreter had not
already loaded at start-up). A second column is the wall-clock time of the statement
itself (`time.perf_counter` around it, in separate runs without `-X importtime`).

faasguard is measured from a compiled copy of runtime/src (as a wheel installs it) and,
in a second row, from source without bytecode (a deployment package shipped without
.pyc files on a read-only file system compiles on every cold start). The "strict" row
runs with `-I -S`: no site, nothing preloaded but the interpreter core.

Target (exit status 1 when missed): `from faasguard.runtime import guard` under 15 ms.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_MS = 15.0

OURS = [
    ("faasguard", "import faasguard.runtime"),
    ("faasguard", "from faasguard.runtime import guard"),
]
POWERTOOLS = [
    ("powertools", "import aws_lambda_powertools"),
    ("powertools", "from aws_lambda_powertools import Logger"),
    ("powertools", "from aws_lambda_powertools.utilities.validation import validator"),
    ("powertools", "from aws_lambda_powertools.utilities.parser import event_parser"),
    ("pyjwt", "import jwt"),
]

WALL = ("import time as _t, sys as _s\n"
        "_a = _t.perf_counter()\n{stmt}\n_b = _t.perf_counter()\n"
        "_s.stdout.write(repr((_b - _a) * 1000))")


def importtime_ms(stmt: str, env: dict[str, str], flags: list[str]) -> tuple[float, list[str]]:
    """Milliseconds of the imports `stmt` triggered, and their top-level module names."""
    done = subprocess.run([sys.executable, *flags, "-X", "importtime", "-c", stmt],
                          capture_output=True, text=True, env=env, timeout=120, check=True)
    entries = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _self_us, cumulative, raw_name = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit():  # skip the header line
                # one space after the bar at top level, two more per nesting level
                entries.append((int(cumulative), raw_name.strip(), raw_name[1:].startswith(" ")))
    # Entries after the last top-level `site` belong to the statement. With -S there is
    # no site: everything is the statement's apart from the start-up modules.
    start = 0
    for index, (_, name, nested) in enumerate(entries):
        if name == "site" and not nested:
            start = index + 1
    total_us = 0
    names = []
    for cumulative_us, name, nested in entries[start:]:
        if nested:  # already inside its parent's cumulative time
            continue
        if "-S" in flags and name in _STARTUP:
            continue
        total_us += cumulative_us
        names.append(name)
    return total_us / 1000, names


_STARTUP = frozenset({"_io", "marshal", "posix", "_frozen_importlib_external", "time",
                      "zipimport", "_codecs", "codecs", "encodings.aliases", "encodings",
                      "encodings.utf_8", "_signal", "_abc", "abc", "io", "__main__"})


def wall_ms(stmt: str, env: dict[str, str], flags: list[str]) -> float:
    done = subprocess.run([sys.executable, *flags, "-c", WALL.format(stmt=stmt)],
                          capture_output=True, text=True, env=env, timeout=120, check=True)
    return float(done.stdout.strip())


def measure(stmt: str, env: dict[str, str], flags: list[str], runs: int) -> dict[str, object]:
    subprocess.run([sys.executable, *flags, "-c", stmt], env=env, check=True,
                   capture_output=True, timeout=120)  # warm the OS file cache
    times, walls, names = [], [], []
    for _ in range(runs):
        total, names = importtime_ms(stmt, env, flags)
        times.append(total)
        walls.append(wall_ms(stmt, env, flags))
    return {"importtime_ms": round(statistics.median(times), 2),
            "wall_ms": round(statistics.median(walls), 2), "modules": names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)

    base_env = {k: v for k, v in os.environ.items()
                if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONSTARTUP")}
    rows: list[dict[str, object]] = []
    missed = []
    with tempfile.TemporaryDirectory(prefix="fg-import-") as tmp:
        compiled = Path(tmp) / "compiled"
        source = Path(tmp) / "source"
        for target in (compiled, source):
            shutil.copytree(REPO / "runtime" / "src" / "faasguard", target / "faasguard",
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        compileall.compile_dir(str(compiled), quiet=1)
        variants = [
            ("compiled", {**base_env, "PYTHONPATH": str(compiled)}, []),
            ("no .pyc", {**base_env, "PYTHONPATH": str(source), "PYTHONDONTWRITEBYTECODE": "1"},
             []),
            ("strict -I -S, compiled", {**base_env}, ["-I", "-S"]),
        ]
        for variant, env, flags in variants:
            for _, stmt in OURS:
                run_stmt = stmt
                if flags:  # -I ignores PYTHONPATH: put the path in the statement
                    run_stmt = f"import sys; sys.path.insert(0, {str(compiled)!r}); {stmt}"
                result = measure(run_stmt, env, flags, args.runs)
                if flags:
                    result["modules"] = [m for m in result["modules"]  # type: ignore[union-attr]
                                         if m != "sys"]
                row = {"what": stmt, "variant": variant, **result}
                if stmt.startswith("from faasguard.runtime import guard") and variant == "compiled":
                    row["target"] = f"< {TARGET_MS:.0f} ms"
                    row["ok"] = result["importtime_ms"] < TARGET_MS  # type: ignore[operator]
                    if not row["ok"]:
                        missed.append(f"{stmt} ({variant})")
                rows.append(row)
        env = dict(base_env)
        for package, stmt in POWERTOOLS:
            try:
                result = measure(stmt, env, [], max(3, args.runs // 3))
            except subprocess.CalledProcessError:
                rows.append({"what": stmt, "variant": "installed", "skipped": f"{package} missing"})
                continue
            rows.append({"what": stmt, "variant": "installed", **result})

    print(f"python {sys.version.split()[0]}, median of {args.runs} fresh interpreters "
          f"(references: {max(3, args.runs // 3)})\n")
    print(f"{'statement':68} {'variant':24} {'importtime':>10} {'wall':>8}  target")
    for row in rows:
        if "skipped" in row:
            print(f"{row['what']:68} {row['variant']:24} skipped: {row['skipped']}")
            continue
        verdict = "" if "ok" not in row else ("ok" if row["ok"] else "MISSED")
        print(f"{row['what']:68} {row['variant']:24} {row['importtime_ms']:8.2f}ms "
              f"{row['wall_ms']:6.2f}ms  {row.get('target', '')} {verdict}")
    ours = next(r for r in rows if r["what"] == OURS[1][1] and r["variant"] == "compiled")
    print(f"\nmodules imported by `{OURS[1][1]}` (compiled): {', '.join(ours['modules'])}")
    strict = next(r for r in rows if r["what"] == OURS[1][1] and r["variant"].startswith("strict"))
    print(f"with -I -S: {', '.join(strict['modules'])}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    if missed:
        print(f"\nMISSED: {', '.join(missed)}")
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
