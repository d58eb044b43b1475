"""`faasguard logs report` and `faasguard logs profile`: read the store, write a report.

Exit codes: 0 the report was written, 2 usage error or a store that cannot be read
(raised as ReportError; the top-level CLI turns it into its one-line message).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from faasguard.logs.report.common import (
    OfficeHours,
    Period,
    ReportError,
    open_store,
    parse_duration,
    parse_when,
)

if TYPE_CHECKING:
    from faasguard.logs.report import AuthOptions, Prices

EXIT_OK = 0


def _period(args: argparse.Namespace, now: dt.datetime) -> Period:
    since = parse_when(args.since, now) if args.since else None
    until = parse_when(args.until, now) if args.until else None
    if since is not None and until is not None and until <= since:
        raise ReportError("--until must be after --since")
    return Period(since, until)


def _positive(value: float | None, option: str) -> None:
    if value is not None and value <= 0:
        raise ReportError(f"{option} must be greater than 0")


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    target = Path(output)
    if not target.parent.is_dir():
        raise ReportError(f"--output: no such directory: {target.parent}")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"--output: cannot write {target}: {exc.strerror}") from None
    sys.stderr.write(f"faasguard: report written to {target}\n")


# `[logs]` keys of .faasguard.toml -> the option (argparse dest) each one defaults
_SETTINGS = {"office_hours": "office_hours", "tz": "tz", "office_days": "office_days",
             "privileged": "privileged", "service_accounts": "service_account",
             "default_accounts": "default_account", "disabled_accounts": "disabled_account",
             "burst_failures": "burst_failures", "burst_window": "burst_window",
             "price_gb_second": "price_gb_second",
             "price_million_requests": "price_million_requests"}


def _settings(args: argparse.Namespace) -> tuple[argparse.Namespace, str | None]:
    """The options, with those not given on the command line taken from the
    ``[logs]`` table of the settings file; and the file's name, for messages."""
    from faasguard.config import ConfigError, find_config, load_config

    path = Path(args.config) if args.config else find_config(Path.cwd())
    if args.config and not Path(args.config).is_file():
        raise ReportError(f"--config: no such file: {args.config}")
    if path is None:
        return args, None
    try:
        config = load_config(path)
    except ConfigError as exc:
        raise ReportError(str(exc)) from None
    merged = argparse.Namespace(**vars(args))
    for key, value in config.logs.items():
        dest = _SETTINGS[key]
        if getattr(merged, dest, None) is None:
            setattr(merged, dest, list(value) if isinstance(value, tuple) else value)
    return merged, str(path) if config.logs else None


def run_report(args: argparse.Namespace) -> int:
    from faasguard.logs.report import build_report

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    period = _period(args, now)
    args, source = _settings(args)
    try:
        auth, prices = _auth_and_prices(args)
    except ReportError as exc:
        # a value from the settings file: say where it came from
        raise ReportError(f"{exc} (options or [logs] in {source})" if source else str(exc)) \
            from None
    spark = getattr(args, "engine", "duckdb") == "spark"
    parquet = getattr(args, "parquet", None)
    if parquet is not None and not spark:
        raise ReportError("--parquet needs --engine spark (DuckDB reads the store)")
    if parquet is not None and not Path(parquet).is_dir():
        raise ReportError(f"--parquet: no such directory: {parquet}")
    generated = now.replace(microsecond=0)
    # the Parquet tables alone, or the store (on Spark: its tables exported for it)
    db = open_store(Path(args.db)) if parquet is None else None
    try:
        if spark:
            from faasguard.logs.spark.cli import spark_report

            report = spark_report(db, parquet or args.db, period, auth, prices, generated,
                                  parquet=Path(parquet) if parquet else None)
        else:
            assert db is not None
            report = build_report(db, args.db, period, auth, prices, generated=generated)
    finally:
        if db is not None:
            db.close()
    if args.format == "json":
        from faasguard.logs.report.json import render
    elif args.format == "html":
        from faasguard.logs.report.html import render
    else:
        from faasguard.logs.report.text import render
    _write(render(report), args.output)
    return EXIT_OK


def _auth_and_prices(args: argparse.Namespace) -> tuple[AuthOptions, Prices]:
    from faasguard.logs.report import AuthOptions, Prices

    office = OfficeHours.parse(args.office_hours, args.tz, args.office_days)
    failures = 3 if args.burst_failures is None else args.burst_failures
    if failures < 1:
        raise ReportError("--burst-failures must be at least 1")
    text = args.burst_window or "10m"
    window = parse_duration(text)
    if window is None or not window:
        raise ReportError(f"--burst-window: expected a duration such as 10m or 1h, got "
                          f"{text!r}")
    auth = AuthOptions(
        office=office, burst_failures=failures, burst_window=window,
        **{name: tuple(value) for name, value in (
            ("service_patterns", args.service_account),
            ("default_names", args.default_account),
            ("privileged_patterns", args.privileged),
            ("disabled_accounts", args.disabled_account)) if value})
    _positive(args.price_gb_second, "--price-gb-second")
    _positive(args.price_million_requests, "--price-million-requests")
    defaults = Prices()
    prices = Prices(
        gb_second=args.price_gb_second or defaults.gb_second,
        request=(args.price_million_requests / 1_000_000 if args.price_million_requests
                 else defaults.request))
    return auth, prices


def run_profile(args: argparse.Namespace) -> int:
    from faasguard.logs.report.profile import ProfileOptions, load_apps, observed, profile

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    period = _period(args, now)
    _positive(args.timeout_factor, "--timeout-factor")
    _positive(args.memory_factor, "--memory-factor")
    app_path = Path(args.app)
    if not app_path.exists():
        raise ReportError(f"--app: no such file or directory: {args.app}")
    apps, diagnostics = load_apps(app_path)
    problems = tuple(f"{d.loc.file}:{d.loc.line or 0}: {d.message}" for d in diagnostics
                     if d.level == "error")
    if not apps:
        raise ReportError(f"--app: no serverless app found in {args.app}"
                          + (f" ({problems[0]})" if problems else ""))
    opts = ProfileOptions(timeout_factor=args.timeout_factor or 1.5,
                          memory_factor=args.memory_factor or 1.5)
    db = open_store(Path(args.db))
    try:
        seen = observed(db, period)
    finally:
        db.close()
    report = profile(apps, seen, args.app, problems, opts)
    if args.format == "json":
        from faasguard.logs.report.json import render_profile
    else:
        from faasguard.logs.report.text import render_profile
    _write(render_profile(report), args.output)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.logs_command == "profile":
        return run_profile(args)
    return run_report(args)
