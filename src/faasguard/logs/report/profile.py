"""Runtime profiles (control C2): each function's configured timeout and memory, from the
app as faasguard loads it, against the durations and memory its logs show, with a
recommended tight timeout and memory.

Functions are matched by the name the logs show (the log group ``/aws/lambda/NAME``):
the model's name when the template gives it, the Serverless Framework's
``service-stage-function`` (any stage), or CloudFormation's generated
``stack-LogicalId-SUFFIX``. Anything else is "not matched": a guess would put one
function's figures against another's configuration.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.logs.report.common import PERCENTILE_SQL, Period, rows
from faasguard.logs.report.functions import PRICE_GB_SECOND, TIMED_OUT

if TYPE_CHECKING:
    import duckdb

    from faasguard.model import App, Diagnostic, Function

PLATFORM_MAX_TIMEOUT = 900
MIN_MEMORY, MAX_MEMORY, MEMORY_STEP = 128, 10240, 64
# The API Gateway integration timeouts when the model does not say.
DEFAULT_API_LIMITS = {"rest_api": 29.0, "http_api": 30.0, "websocket": 29.0}
_GENERATED_SUFFIX = r"[A-Za-z0-9]{8,16}"


@dataclass(frozen=True)
class ProfileOptions:
    timeout_factor: float = 1.5
    """Recommended timeout: the longest observed duration times this, rounded up to
    the second."""
    memory_factor: float = 1.5
    """Recommended memory: the largest memory used times this, rounded up to 64 MB."""
    slack_ratio: float = 3.0
    """Flag a timeout at least this many times the recommended one."""
    min_samples: int = 100
    """Fewer invocations than this make the recommendation a weak one (noted)."""
    price_gb_second: float = PRICE_GB_SECOND


@dataclass(frozen=True)
class Observed:
    """One deployed function's figures in the logs."""

    account: str
    name: str
    invocations: int
    timeouts: int
    p99_ms: float | None
    p999_ms: float | None
    max_ms: float | None
    memory_mb: int | None
    """Memory Size as the REPORT lines show it (the deployed configuration)."""
    max_used_mb: int | None


@dataclass(frozen=True)
class FunctionProfile:
    app: str
    function: str
    """The function's id in the app (its key or logical id)."""
    deployed: str | None
    """The name in the logs, None when not matched."""
    account: str | None
    match: str
    """How it was matched: "name", "serverless stage <s>", "generated name (stack <s>)",
    or why not: "not matched: ..."."""
    timeout_s: float | None
    """Configured timeout (None when the template does not resolve it)."""
    memory_mb: int | None
    api_limit_s: float | None
    """The shortest integration timeout of the APIs in front of it, if any."""
    observed: Observed | None
    recommended_timeout_s: int | None
    recommended_memory_mb: int | None
    timeout_slack: bool
    """The configured timeout is at least `slack_ratio` times the recommended one."""
    exposure_gb_s: float | None
    """GB-seconds one invocation can burn beyond the recommended timeout: (configured -
    recommended timeout) x memory / 1024."""
    exposure_usd_per_million: float | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ProfileReport:
    app_path: str
    profiles: tuple[FunctionProfile, ...]
    unmatched_logs: tuple[Observed, ...]
    """Functions in the logs that match no function of the app."""
    diagnostics: tuple[str, ...]
    """Files that could not be loaded."""


def load_apps(path: Path) -> tuple[list[App], list[Diagnostic]]:
    """The apps under `path` (a template or a directory), with faasguard's loaders."""
    from faasguard.config import Config
    from faasguard.engine import load_candidate
    from faasguard.loaders.base import LoadOptions
    from faasguard.loaders.discover import discover

    target = path.resolve()
    root = target if target.is_dir() else target.parent
    opts = LoadOptions(root=root)
    apps: list[App] = []
    diagnostics: list[Diagnostic] = []
    for candidate in discover([target], root, Config().exclude):
        loaded, problems = load_candidate(candidate, opts)
        apps.extend(loaded)
        diagnostics.extend(problems)
    return apps, diagnostics


def observed(db: duckdb.DuckDBPyConnection, period: Period) -> list[Observed]:
    where, params = period.where("ts")
    q = PERCENTILE_SQL
    found = rows(db, f"""
        WITH ev AS (SELECT * FROM lambda_events WHERE function_name IS NOT NULL
                    AND {where}),
        rep AS (SELECT coalesce(account_id, '') AS acct, function_name AS fn, count(*) AS n,
                       {q}(duration_ms, 0.99) AS p99, {q}(duration_ms, 0.999) AS p999,
                       max(duration_ms) AS top, max(memory_mb) AS mem,
                       max(max_memory_mb) AS used
                FROM ev WHERE kind = 'report' GROUP BY ALL),
        tmo AS (SELECT coalesce(account_id, '') AS acct, function_name AS fn,
                       count(DISTINCT request_id) AS t
                FROM ev WHERE {TIMED_OUT} AND request_id IS NOT NULL GROUP BY ALL)
        SELECT coalesce(rep.acct, tmo.acct), coalesce(rep.fn, tmo.fn), coalesce(n, 0),
               coalesce(t, 0), p99, p999, top, mem, used
        FROM rep FULL OUTER JOIN tmo ON rep.acct = tmo.acct AND rep.fn = tmo.fn
        ORDER BY 1, 2""", params)
    return [Observed(*r) for r in found]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def api_limit(app: App, fn: Function) -> float | None:
    limits = []
    for trigger in fn.triggers:
        default = DEFAULT_API_LIMITS.get(trigger.kind.value)
        if default is None:
            continue  # function URLs and ALB wait as long as the function runs
        api = app.apis.get(trigger.api) if trigger.api else None
        limits.append(api.timeout_seconds if api is not None else default)
    return min(limits) if limits else None


def _patterns(app: App, fn: Function) -> list[tuple[re.Pattern[str], str]]:
    """Name patterns the function may be deployed under, besides its exact name."""
    out = []
    name = fn.name
    if isinstance(name, str) and app.format == "serverless":
        # the Framework's default name, <service>-<stage>-<key>: the same for any stage
        default = re.compile(re.escape(f"{app.name}-") + r"([^-]+)" + re.escape(f"-{fn.id}"))
        if default.fullmatch(name):
            out.append((default, "serverless stage {0}"))
    elif name is None and app.format in ("sam", "cloudformation", "cdk"):
        out.append((re.compile(r"(.+)-" + re.escape(fn.id) + "-" + _GENERATED_SUFFIX),
                    "generated name (stack {0})"))
    return out


def _recommend(fn_memory: int | None, limit: float | None, seen: Observed,
               opts: ProfileOptions) -> tuple[int | None, int | None, list[str]]:
    """The recommended timeout (s) and memory (MB), and notes on how far to trust them."""
    notes: list[str] = []
    timeout = memory = None
    if seen.max_ms is not None:
        timeout = max(1, math.ceil(seen.max_ms * opts.timeout_factor / 1000))
        timeout = min(timeout, PLATFORM_MAX_TIMEOUT)
        if limit is not None and timeout > limit:
            notes.append(f"the longest run x {opts.timeout_factor:g} needs {timeout} s but "
                         f"the API in front waits {limit:g} s: capped at the API's limit")
            timeout = math.floor(limit)
    if seen.max_used_mb is not None:
        memory = math.ceil(seen.max_used_mb * opts.memory_factor / MEMORY_STEP) * MEMORY_STEP
        memory = min(max(memory, MIN_MEMORY), MAX_MEMORY)
    if seen.timeouts:
        notes.append(f"{seen.timeouts} invocation(s) timed out: the observed durations are "
                     "cut at the configured timeout, so the recommendation is a floor")
    if seen.invocations < opts.min_samples:
        notes.append(f"only {seen.invocations} invocation(s) observed (fewer than "
                     f"{opts.min_samples}): a weak basis")
    if fn_memory is not None and seen.memory_mb is not None and fn_memory != seen.memory_mb:
        notes.append(f"deployed with {seen.memory_mb} MB, the template says {fn_memory} MB")
    if seen.max_used_mb is not None and seen.memory_mb \
            and seen.max_used_mb >= 0.9 * seen.memory_mb:
        notes.append("memory used reached 90% of the size: out-of-memory risk")
    return timeout, memory, notes


def _profile(app: App, fn: Function, seen: Observed | None, match: str,
             opts: ProfileOptions) -> FunctionProfile:
    timeout = _number(fn.timeout)
    mem = _number(fn.memory)
    memory = int(mem) if mem is not None else None
    limit = api_limit(app, fn)
    rec_timeout = rec_memory = None
    notes: list[str] = []
    slack = False
    exposure = exposure_usd = None
    if timeout is None:
        notes.append("the template's timeout does not resolve to a number")
    if seen is not None:
        rec_timeout, rec_memory, notes2 = _recommend(memory, limit, seen, opts)
        notes.extend(notes2)
        size = seen.memory_mb or memory
        if timeout is not None and rec_timeout is not None:
            slack = timeout > rec_timeout and timeout >= opts.slack_ratio * rec_timeout
            if size is not None and timeout > rec_timeout:
                exposure = (timeout - rec_timeout) * size / 1024
                exposure_usd = exposure * opts.price_gb_second * 1_000_000
    if limit is not None and timeout is not None and timeout > limit:
        notes.append(f"the timeout ({timeout:g} s) is longer than the API in front waits "
                     f"({limit:g} s)")
    return FunctionProfile(
        app=app.name, function=fn.id, deployed=seen.name if seen else None,
        account=seen.account if seen else None, match=match, timeout_s=timeout,
        memory_mb=memory, api_limit_s=limit, observed=seen,
        recommended_timeout_s=rec_timeout, recommended_memory_mb=rec_memory,
        timeout_slack=slack, exposure_gb_s=exposure, exposure_usd_per_million=exposure_usd,
        notes=tuple(notes))


def profile(apps: list[App], seen: list[Observed], app_path: str = "",
            diagnostics: tuple[str, ...] = (),
            opts: ProfileOptions | None = None) -> ProfileReport:
    opts = opts or ProfileOptions()
    pairs = [(app, fn) for app in apps for fn in app.functions]
    matches: dict[int, list[tuple[Observed, str]]] = {i: [] for i in range(len(pairs))}
    unmatched: list[Observed] = []
    ambiguous: dict[int, list[str]] = {}
    for obs in seen:
        exact = [i for i, (_, fn) in enumerate(pairs) if fn.name == obs.name]
        found: list[tuple[int, str]] = [(i, "name") for i in exact]
        if not found:
            for i, (app, fn) in enumerate(pairs):
                for pattern, label in _patterns(app, fn):
                    hit = pattern.fullmatch(obs.name)
                    if hit is not None:
                        found.append((i, label.format(hit[1])))
        if len(found) == 1:
            matches[found[0][0]].append((obs, found[0][1]))
        elif found:
            for i, _ in found:
                ambiguous.setdefault(i, []).append(obs.name)
            unmatched.append(obs)
        else:
            unmatched.append(obs)
    out: list[FunctionProfile] = []
    for i, (app, fn) in enumerate(pairs):
        if matches[i]:
            out.extend(_profile(app, fn, obs, how, opts) for obs, how in matches[i])
            continue
        if i in ambiguous:
            why = (f"not matched: {', '.join(sorted(ambiguous[i]))} could be this function "
                   "or another")
        elif isinstance(fn.name, str):
            why = f"not matched: no function named {fn.name} in the logs"
        elif fn.name is None:
            why = "not matched: no generated name ending in -" + fn.id + "-SUFFIX in the logs"
        else:
            why = "not matched: the template's function name does not resolve"
        out.append(_profile(app, fn, None, why, opts))
    return ProfileReport(app_path, tuple(out), tuple(unmatched), diagnostics)
