"""Time faasguard and Checkov side by side, on the same inputs, in the same run.

    python benchmarks/run.py [--apps 500] [--repeat 3] [--skip-checkov] [--keep]
    python benchmarks/run.py --cases terraform [--tf-apps 200]   # the Terraform part alone

Measured for each tool, each case in a fresh process:
- wall time of the whole process (``time.perf_counter`` around it), median of
  ``--repeat`` runs, after one untimed warm-up run of each tool;
- peak RSS of the largest process (``ru_maxrss`` from ``os.wait4``, which covers
  the process and every child it waited for);
- peak memory of the whole process tree: the sum of PSS (proportional set size, so
  pages shared by forked workers count once) over the process and its descendants,
  sampled from /proc (every 10 ms at first, slowing to every 0.5 s so the sampling
  never slows a long run). Checkov forks workers; this is the fair figure.

Cases: one small template (examples/shop-sam/template.yaml), the synthetic corpus
(benchmarks/gen_corpus.py, ``--apps`` apps of about ten functions each), and
start-up (``--version``); and the Terraform part, ``tf-small`` (one generated
Terraform app, the corpus's first) and ``tf-corpus`` (``--tf-apps`` apps of the same
content written as Terraform root modules), where Checkov runs with its terraform
framework. ``--cases`` picks which run. Checkov is installed, pinned, into its own venv under
benchmarks/.venv-checkov the first time (this needs PyPI); faasguard runs from a venv
of its own too, made for the run, which reuses the packages of the interpreter
running this script (see ``faasguard_venv``). Checkov runs with
``--skip-download`` and ``BC_SKIP_MAPPING=TRUE`` so that neither tool touches the
network. Results go to benchmarks/results/latest.md and to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import platform
import shutil
import site
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_corpus import FORMATS, generate  # noqa: E402  (benchmarks/ is not a package)

CHECKOV_VERSION = "3.3.30"
CHECKOV_VENV = HERE / ".venv-checkov"
RESULTS = HERE / "results" / "latest.md"
SMALL_TEMPLATE = REPO / "examples" / "shop-sam" / "template.yaml"
FIRST_INTERVAL, GROWTH, MAX_INTERVAL = 0.01, 1.25, 0.5
"""Memory sampling: seconds between samples, growing from the first to the last."""
TARGETS = {"small": 20.0, "corpus": 10.0, "tf-small": 20.0, "tf-corpus": 10.0}
"""Minimum speed-up over Checkov per case (issue 2; the Terraform part, issue 6, is
held to the same targets)."""
CASE_GROUPS = {"startup": ("startup",), "small": ("small",), "corpus": ("corpus",),
               "terraform": ("tf-small", "tf-corpus")}
"""What ``--cases`` accepts, and the table rows each name stands for."""
CFN_FRAMEWORKS: tuple[str, ...] = ("cloudformation", "serverless")
TF_FRAMEWORKS: tuple[str, ...] = ("terraform",)
SEED = 20240601
MEMORY_TARGET = 1 / 3
"""faasguard's peak memory at most this fraction of Checkov's."""


# --- measuring one process ------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ")".
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _memory_kb(pid: int) -> int:
    """PSS of one process in kB (RSS where smaps_rollup cannot be read); 0 if gone."""
    for path, field in ((f"/proc/{pid}/smaps_rollup", b"Pss:"), (f"/proc/{pid}/status",
                                                                 b"VmRSS:")):
        try:
            with open(path, "rb") as handle:
                for line in handle:
                    if line.startswith(field):
                        return int(line.split()[1])
        except (OSError, ValueError):
            continue
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed memory of a process and its descendants until stopped.

    Reading PSS makes the kernel walk the process's page tables under its memory lock,
    so sampling a 3 GB process 25 times a second would slow it down. The interval
    therefore starts at FIRST_INTERVAL, to catch short runs, and grows by GROWTH per
    sample up to MAX_INTERVAL: a long run is sampled twice a second, which costs it
    nothing measurable and still sees a peak that lasts longer than that."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self._stop_event = threading.Event()

    def _tree(self) -> list[int]:
        children, pids, pending = _children(), [], [self.pid]
        while pending:
            pid = pending.pop()
            pids.append(pid)
            pending.extend(children.get(pid, ()))
        return pids

    def run(self) -> None:
        interval = FIRST_INTERVAL
        while not self._stop_event.is_set():
            self.peak_kb = max(self.peak_kb, sum(_memory_kb(pid) for pid in self._tree()))
            self._stop_event.wait(interval)
            interval = min(MAX_INTERVAL, interval * GROWTH)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kb


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    max_rss_kb: int
    """Largest single process (ru_maxrss)."""
    tree_kb: int
    """Peak summed PSS of the process tree (sampled)."""
    returncode: int
    stdout: Path


def measure(cmd: Sequence[str], env: dict[str, str], out: Path) -> Run:
    with out.open("wb") as stdout, out.with_suffix(".err").open("wb") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env, cwd=out.parent)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        # The sampler holds no reference that keeps the zombie alive; wait4 both
        # reaps the process and returns its rusage (children included).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        tree_kb = sampler.stop()
    return Run(seconds, usage.ru_maxrss, max(tree_kb, 0), proc.returncode, out)


# --- the two tools ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    command: Callable[[Path, tuple[str, ...]], list[str]]
    """The scan command for a file or a directory; the second argument names the
    Checkov frameworks the input is in (faasguard detects formats itself)."""
    version_command: list[str]
    env: dict[str, str]
    ok_codes: tuple[int, ...]
    summarise: Callable[[Path], str]
    """What the tool reported, from its output, to show that it did the work."""


def _faasguard_summary(output: Path) -> str:
    report = json.loads(output.read_text(encoding="utf-8"))
    apps = report["apps"]
    functions = sum(app["functions"] for app in apps)
    return (f"{len(apps)} apps, {functions} functions, {len(report['findings'])} findings, "
            f"{report['scan']['files_failed']} files failed")


def _checkov_summary(output: Path) -> str:
    data: Any = json.loads(output.read_text(encoding="utf-8"))
    reports = data if isinstance(data, list) else [data]
    failed = sum(r["summary"]["failed"] for r in reports if "summary" in r)
    resources = sum(r["summary"].get("resource_count", 0) for r in reports if "summary" in r)
    errors = sum(r["summary"].get("parsing_errors", 0) for r in reports if "summary" in r)
    return f"{resources} resources, {failed} failed checks, {errors} parsing errors"


def _python_env(pycache: Path) -> dict[str, str]:
    """The environment both tools run in. Bytecode caching is switched on (some CI
    images set PYTHONDONTWRITEBYTECODE) and pointed at one scratch folder, so after the
    warm-up run both tools start from compiled bytecode, as an installed tool does."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def snapshot_source(work: Path, ref: str | None) -> tuple[Path, str]:
    """A private copy of faasguard's ``src/``, so every run times the same code even
    when the working tree changes meanwhile: the working tree as it is now, or the
    tree committed at ``ref`` (read with ``git archive``, which changes nothing)."""
    dest = work / "faasguard"
    if ref:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", ref],
                                capture_output=True, text=True, check=True).stdout.strip()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit,
                                  "src"], capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, filter="data")
            else:  # Python < 3.11.4; the archive is our own repository's
                tar.extractall(dest)
        return dest / "src", f"git commit {commit}"
    shutil.copytree(REPO / "src", dest / "src", ignore=shutil.ignore_patterns("__pycache__"))
    digest = hashlib.sha256()
    for path in sorted((dest / "src").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(dest).as_posix().encode() + b"\0" + path.read_bytes())
    return dest / "src", f"working tree (sha256 of src/ {digest.hexdigest()[:12]})"


def faasguard_venv(work: Path) -> Path:
    """A virtual environment for faasguard, as Checkov has one: its interpreter, for
    the scan commands. Checkov's venv starts Python without the ``.pth`` start-up hooks
    that the base interpreter's site-packages may carry (on some machines they import
    packages at every start and cost tens of milliseconds); faasguard's must too, or
    the start-up it is timed on is the machine's, not its own. The venv installs
    nothing: one ``.pth`` line per site-packages folder of the interpreter running this
    script puts faasguard's dependencies on the path (a path line in a ``.pth`` file is
    added as it is; the ``.pth`` files inside that folder are not run)."""
    venv = work / "venv-faasguard"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    folders = list(dict.fromkeys([*site.getsitepackages(), site.getusersitepackages()]))
    (Path(purelib) / "faasguard-deps.pth").write_text(
        "".join(f"{folder}\n" for folder in folders if Path(folder).is_dir()), encoding="utf-8")
    return python


def faasguard_tool(pycache: Path, src: Path, python: Path) -> Tool:
    env = _python_env(pycache)
    # faasguard builds an index of the IAM action database on its first run and keeps
    # it in the user cache; a private cache dir means the warm-up run builds it and no
    # other faasguard on the machine (another version) can replace it mid-benchmark.
    env["XDG_CACHE_HOME"] = str(pycache.parent / "xdg-cache")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    base = [str(python), "-m", "faasguard"]
    return Tool(
        name="faasguard",
        command=lambda target, _frameworks: [*base, "scan", str(target), "--format", "json",
                                             "--no-progress"],
        version_command=[*base, "--version"],
        env=env,
        ok_codes=(0, 1),
        summarise=_faasguard_summary,
    )


def checkov_tool(pycache: Path) -> Tool:
    exe = str(CHECKOV_VENV / "bin" / "checkov")
    env = {**_python_env(pycache), "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR"}

    def command(target: Path, frameworks: tuple[str, ...]) -> list[str]:
        where = ["-f", str(target)] if target.is_file() else ["-d", str(target)]
        return [exe, *where, "--framework", *frameworks, "--quiet", "--compact", "-o", "json",
                "--skip-download"]

    return Tool(name="checkov", command=command, version_command=[exe, "--version"],
                env=env, ok_codes=(0, 1), summarise=_checkov_summary)


def ensure_checkov() -> str:
    """Install the pinned Checkov into its own venv if it is not there; its version."""
    exe = CHECKOV_VENV / "bin" / "checkov"
    if exe.exists():
        found = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                               env={**os.environ, "BC_SKIP_MAPPING": "TRUE"}, check=False)
        if found.stdout.strip() == CHECKOV_VERSION:
            return CHECKOV_VERSION
    print(f"installing checkov=={CHECKOV_VERSION} into {CHECKOV_VENV} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(CHECKOV_VENV)], check=True)
    pip = [str(CHECKOV_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, f"checkov=={CHECKOV_VERSION}"], check=True)
    return CHECKOV_VERSION


# --- running the cases ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    case: str
    tool: str
    runs: tuple[Run, ...]
    summary: str

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def max_rss_mb(self) -> float:
        return max(r.max_rss_kb for r in self.runs) / 1024

    @property
    def tree_mb(self) -> float:
        return max(r.tree_kb for r in self.runs) / 1024


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    target: Path | None
    """None: start-up (``--version``)."""
    frameworks: tuple[str, ...] = CFN_FRAMEWORKS
    """Checkov's ``--framework`` for the input."""


def bench(tools: list[Tool], case: Case, repeat: int, work: Path) -> list[Result]:
    """``repeat`` runs of each tool on one case, interleaved (A, B, A, B, ...) so that
    any drift in the machine's load falls on both tools alike."""
    runs: dict[str, list[Run]] = {tool.name: [] for tool in tools}
    target = case.target
    for index in range(repeat):
        for tool in tools:
            cmd = (tool.version_command if target is None
                   else tool.command(target, case.frameworks))
            out = work / f"{tool.name}-{case.name}-{index}.out"
            run = measure(cmd, tool.env, out)
            if run.returncode not in tool.ok_codes:
                err = out.with_suffix(".err").read_text(errors="replace")[-2000:]
                raise SystemExit(f"{tool.name} {case.name}: exit {run.returncode}\n{err}")
            runs[tool.name].append(run)
            print(f"  {tool.name:9} {case.name:9} run {index + 1}/{repeat}: "
                  f"{run.seconds:7.2f} s, {run.tree_kb / 1024:7.1f} MB", file=sys.stderr)
    return [Result(case.name, tool.name, tuple(runs[tool.name]),
                   "" if target is None else tool.summarise(runs[tool.name][-1].stdout))
            for tool in tools]


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        memory = f"{mem / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        memory = "unknown RAM"
    return (f"{cpu}, {os.cpu_count()} cores, {memory}; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}")


def _ratio(slow: float, fast: float) -> float:
    return slow / fast if fast > 0 else float("inf")


def report(results: list[Result], meta: dict[str, str]) -> str:
    lines = [f"# Benchmark results ({meta['date']})", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items() if key != "date"]
    lines += ["", "## Measurements", "",
              "| case | tool | median wall | runs | peak RSS, largest process | "
              "peak memory, process tree (PSS) | what it reported |",
              "|---|---|---:|---|---:|---:|---|"]
    for r in results:
        runs = ", ".join(f"{run.seconds:.2f}" for run in r.runs)
        lines.append(f"| {r.case} | {r.tool} | {r.median:.2f} s | {runs} | "
                     f"{r.max_rss_mb:.0f} MB | {r.tree_mb:.0f} MB | {r.summary} |")
    by = {(r.case, r.tool): r for r in results}
    order = [name for names in CASE_GROUPS.values() for name in names]
    cases = [c for c in order if (c, "faasguard") in by and (c, "checkov") in by]
    if cases:
        lines += ["", "## faasguard against Checkov", "",
                  "Memory is compared both ways, largest process (RSS) and whole process tree "
                  "(PSS); the memory target counts as met only when both ratios meet it.", "",
                  "| case | faasguard | Checkov | faster by | memory ratio, RSS | "
                  "memory ratio, tree PSS | targets |", "|---|---:|---:|---:|---:|---:|---|"]
        for case in cases:
            fg, ck = by[(case, "faasguard")], by[(case, "checkov")]
            speed = _ratio(ck.median, fg.median)
            rss = fg.max_rss_mb / ck.max_rss_mb if ck.max_rss_mb else float("nan")
            tree = fg.tree_mb / ck.tree_mb if ck.tree_mb else float("nan")
            verdicts = []
            if case in TARGETS:
                verdicts.append(f"speed >= {TARGETS[case]:g}x: "
                                f"{'met' if speed >= TARGETS[case] else 'MISSED'}")
                memory_met = max(rss, tree) <= MEMORY_TARGET
                verdicts.append(f"memory <= 1/3: {'met' if memory_met else 'MISSED'}")
            lines.append(f"| {case} | {fg.median:.2f} s | {ck.median:.2f} s | {speed:.1f}x | "
                         f"{rss:.2f} | {tree:.2f} | {'; '.join(verdicts) or '-'} |")
    return "\n".join(lines) + "\n"


def _parse_cases(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in CASE_GROUPS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown case(s) {', '.join(unknown) or '(none)'}; choose from "
            f"{', '.join(CASE_GROUPS)}")
    return names


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the chosen cases run on, written into the scratch folder."""

    cases: list[Case]
    warm: list[tuple[Path, tuple[str, ...]]]
    """Untimed warm-up targets, with their Checkov frameworks."""
    meta: dict[str, str]


def prepare(work: Path, chosen: tuple[str, ...], apps: int, tf_apps: int) -> Inputs:
    """Generate the inputs of the chosen cases and say what they are. Warm-up runs
    one target of each kind (a few apps of every format), so that every module
    either tool needs is compiled and the files are in the page cache."""
    cases: list[Case] = []
    warm: list[tuple[Path, tuple[str, ...]]] = []
    meta: dict[str, str] = {}
    if "startup" in chosen:
        cases.append(Case("startup", None))
    if "small" in chosen or "corpus" in chosen:
        small = work / "small" / "template.yaml"
        small.parent.mkdir()
        shutil.copyfile(SMALL_TEMPLATE, small)
        warm.append((small, CFN_FRAMEWORKS))
        if "small" in chosen:
            cases.append(Case("small", small))
            meta["small template"] = "examples/shop-sam/template.yaml"
    if "corpus" in chosen:
        corpus = work / "corpus"
        started = time.perf_counter()
        files = generate(corpus, apps, SEED)
        print(f"corpus: {len(files)} apps in {time.perf_counter() - started:.1f} s "
              f"under {corpus}", file=sys.stderr)
        for path in files[:len(FORMATS)]:
            shutil.copytree(path.parent, work / "warm" / path.parent.name)
        warm.append((work / "warm", CFN_FRAMEWORKS))
        cases.append(Case("corpus", corpus))
        meta["corpus"] = (f"{apps} apps from benchmarks/gen_corpus.py (seed {SEED}), a quarter "
                          "each serverless.yml, SAM, CloudFormation YAML and JSON")
    if "terraform" in chosen:
        tf_small = work / "tf-small"
        generate(tf_small, 1, SEED, ("terraform",))
        tf_corpus = work / "tf-corpus"
        files = generate(tf_corpus, tf_apps, SEED, ("terraform",))
        print(f"terraform corpus: {len(files)} apps under {tf_corpus}", file=sys.stderr)
        for path in files[1:3]:
            shutil.copytree(path.parent, work / "tf-warm" / path.parent.name)
        warm += [(tf_small, TF_FRAMEWORKS), (work / "tf-warm", TF_FRAMEWORKS)]
        cases += [Case("tf-small", tf_small, TF_FRAMEWORKS),
                  Case("tf-corpus", tf_corpus, TF_FRAMEWORKS)]
        meta["terraform"] = (
            f"tf-corpus: {tf_apps} apps from benchmarks/gen_corpus.py --formats terraform "
            f"(seed {SEED}; app N has the content of app N of the mixed corpus, as one "
            "Terraform root module: aws_iam_policy_document and jsonencode policies, REST "
            "and HTTP API routes, function URLs, event source mappings, bucket "
            f"notifications, ...); tf-small: its first app alone; "
            "Checkov with --framework terraform")
    return Inputs(cases, warm, meta)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="faasguard vs Checkov benchmark")
    parser.add_argument("--apps", type=int, default=500, help="apps in the corpus (500)")
    parser.add_argument("--tf-apps", type=int, default=None,
                        help="apps in the Terraform corpus (200, or --apps if that is fewer)")
    parser.add_argument("--cases", type=_parse_cases, default=tuple(CASE_GROUPS),
                        help=f"comma-separated, from {', '.join(CASE_GROUPS)} (default: all); "
                             "terraform stands for tf-small and tf-corpus")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (3)")
    parser.add_argument("--skip-checkov", action="store_true", help="time faasguard only")
    parser.add_argument("--keep", action="store_true", help="keep the corpus and outputs")
    parser.add_argument("--output", type=Path, default=None,
                        help="markdown results file (results/latest.md for all cases, else "
                             "results/latest-CASES.md)")
    parser.add_argument("--git-ref", metavar="REF",
                        help="time faasguard as committed at REF (default: the working tree)")
    args = parser.parse_args(argv)
    tf_apps = args.tf_apps if args.tf_apps is not None else min(200, args.apps)
    output = args.output or (RESULTS if args.cases == tuple(CASE_GROUPS)
                             else RESULTS.with_name(f"latest-{'-'.join(args.cases)}.md"))
    if not Path("/proc/self/stat").exists():
        raise SystemExit("this benchmark reads /proc to measure memory: run it on Linux")

    work = Path(tempfile.mkdtemp(prefix="faasguard-bench-"))
    try:
        src, source = snapshot_source(work, args.git_ref)
        tools = [faasguard_tool(work / "pycache", src, faasguard_venv(work))]
        versions = {"faasguard": subprocess.run(
            tools[0].version_command, capture_output=True, text=True, env=tools[0].env,
            check=True).stdout.strip() + f" ({source})"}
        if not args.skip_checkov:
            versions["checkov"] = f"checkov {ensure_checkov()}"
            tools.append(checkov_tool(work / "pycache"))

        inputs = prepare(work, args.cases, args.apps, tf_apps)
        first_runs = []
        for tool in tools:
            for index, (target, frameworks) in enumerate(inputs.warm):
                run = measure(tool.command(target, frameworks), tool.env,
                              work / f"{tool.name}-warmup-{index}-{target.name}.out")
                if index == 0:  # the tool's very first scan
                    first_runs.append(f"{tool.name} {run.seconds:.2f} s ({target.name})")

        load_before = _load()
        results = []
        for case in inputs.cases:
            results += bench(tools, case, args.repeat, work)
        meta = {
            "date": dt.date.today().isoformat(),
            "machine": _machine(),
            "tools": "; ".join(versions.values()),
            **inputs.meta,
            "runs": f"median of {args.repeat} timed runs per case after one warm-up run of "
                    "each tool (bytecode cached, files in the page cache); the tools' runs "
                    "interleaved",
            "first run (warm-up, not in the table: compiles bytecode; faasguard also builds "
            "its IAM action index)": ", ".join(first_runs),
            "load average (1, 5, 15 min)": f"{load_before} before, {_load()} after",
            "command": "python benchmarks/run.py " + " ".join(
                sys.argv[1:] if argv is None else argv),
        }
        text = report(results, meta)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
