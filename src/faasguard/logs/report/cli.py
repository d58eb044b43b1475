"""`faasguard logs report` and `faasguard logs profile`: read the store, write a report.

Exit codes: 0 the report was written, 2 usage error or a store that cannot be read
(raised as ReportError; the top-level CLI turns it into its one-line message).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from faasguard.logs.report.common import (
    OfficeHours,
    Period,
    ReportError,
    open_store,
    parse_duration,
    parse_when,
)

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


def run_report(args: argparse.Namespace) -> int:
    from faasguard.logs.report import AuthOptions, Prices, build_report

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    period = _period(args, now)
    office = OfficeHours.parse(args.office_hours, args.tz, args.office_days)
    if args.burst_failures < 1:
        raise ReportError("--burst-failures must be at least 1")
    window = parse_duration(args.burst_window)
    if window is None or not window:
        raise ReportError(f"--burst-window: expected a duration such as 10m or 1h, got "
                          f"{args.burst_window!r}")
    auth = AuthOptions(
        office=office, burst_failures=args.burst_failures, burst_window=window,
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
    db = open_store(Path(args.db))
    try:
        if getattr(args, "engine", "duckdb") == "spark":
            from faasguard.logs.spark.cli import spark_report

            report = spark_report(db, args.db, period, auth, prices,
                                  generated=now.replace(microsecond=0))
        else:
            report = build_report(db, args.db, period, auth, prices,
                                  generated=now.replace(microsecond=0))
    finally:
        db.close()
    if args.format == "json":
        from faasguard.logs.report.json import render
    elif args.format == "html":
        from faasguard.logs.report.html import render
    else:
        from faasguard.logs.report.text import render
    _write(render(report), args.output)
    return EXIT_OK


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
