"""`faasguard logs detect`: run the detection rules and the denial-of-wallet detector
over the store, print what they found, and send new alerts to the outputs.

Exit codes: 0 nothing detected, 1 detections, 2 usage error (raised as
LogsUsageError), 3 a rule failed to run or an alert could not be delivered.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from faasguard.logs.cli import LogsUsageError
from faasguard.logs.detections.model import Detection, RuleError, parse_span

EXIT_OK, EXIT_DETECTED, EXIT_INCOMPLETE = 0, 1, 3
_ISO = re.compile(r"\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?")


def parse_time(text: str, now: datetime, option: str) -> datetime:
    """A span back from now (``7d``) or an ISO 8601 time; naive UTC."""
    if _ISO.fullmatch(text):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise LogsUsageError(f"{option}: not a valid time: {text}") from None
        return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    try:
        return now - parse_span(text)
    except RuleError:
        raise LogsUsageError(f"{option}: use a span such as 7d or 12h, or an ISO 8601 time "
                             f"such as 2026-11-20T00:00:00Z (got {text!r})") from None


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def render_text(detections: list[Detection], header: str) -> str:
    lines = [header, ""]
    if not detections:
        lines.append("no detections")
    for d in detections:
        lines.append(f"[{d.severity.value.upper()}] {d.rule_id}  {_when(d.first_seen)}  {d.title}")
        lines.append(f"    {d.summary}")
        if d.event_ids:
            shown = ", ".join(d.event_ids[:5])
            more = f" and {len(d.event_ids) - 5} more" if len(d.event_ids) > 5 else ""
            lines.append(f"    events: {shown}{more}")
    return "\n".join(lines) + "\n"


def _spark_engine(db: Any) -> Any:
    """The store on Spark (``--engine spark``); a usage error when Spark cannot run."""
    from faasguard.logs.spark.cli import SparkEngine
    from faasguard.logs.spark.session import SparkUnavailable

    try:
        return SparkEngine.start(db)
    except SparkUnavailable as exc:
        raise LogsUsageError(f"--engine spark: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from faasguard.logs.detections import alerts, engine, wallet
    from faasguard.logs.detections.loader import load
    from faasguard.logs.store import Store, StoreError

    now = datetime.now(UTC).replace(tzinfo=None)
    since = parse_time(args.since, now, "--since")
    until = parse_time(args.until, now, "--until") if args.until else now
    if since >= until:
        raise LogsUsageError("--since must be before --until")
    try:
        window = parse_span(args.dedup_window)
    except RuleError as exc:
        raise LogsUsageError(f"--dedup-window: {exc}") from None
    rule_paths = [Path(p) for p in args.rules or []]
    for path in rule_paths:
        if not path.exists():
            raise LogsUsageError(f"--rules: no such file or directory: {path}")
    try:
        outputs = [alerts.parse_output(spec) for spec in args.alert or []]
    except alerts.AlertError as exc:
        raise LogsUsageError(str(exc)) from None
    db_path = Path(args.db)
    if not db_path.is_file():
        raise LogsUsageError(f"--db: no store at {db_path} (run `faasguard logs ingest` first)")
    catalogue = load(rule_paths, builtin=not args.no_builtin)
    for refused in catalogue.refused:
        sys.stderr.write(f"faasguard: rule not loaded: {refused.origin}: {refused.title}: "
                         f"{refused.reason}\n")
    try:
        store = Store(db_path, db_path.parent)
    except StoreError as exc:
        raise LogsUsageError(str(exc)) from None
    spark = None
    try:
        if getattr(args, "engine", "duckdb") == "spark":
            spark = _spark_engine(store.db)  # exports the tables: before the lock below
        # rules are SQL: keep them to the store (no reading or writing other files)
        store.db.execute("SET enable_external_access = false")
        if spark is not None:
            result = spark.rules(catalogue.rules, since, until)
        else:
            result = engine.run(store.db, catalogue.rules, since, until)
        detections = list(result.detections)
        if not args.no_wallet:
            prices = wallet.Prices(gb_second=args.price_gb_second,
                                   request=args.price_million_requests / 1_000_000)
            config = wallet.WalletConfig(prices=prices, min_volume=args.wallet_min_volume)
            detections += (spark.wallet(since, until, config) if spark is not None
                           else wallet.detect(store.db, since, until, config))
        detections.sort(key=lambda d: (d.first_seen, d.rule_id, d.dedup_key))
        deliveries = alerts.dispatch(store.db, detections, outputs, window, now)
    finally:
        if spark is not None:
            spark.close()
        store.close()
    for failure in result.failures:
        sys.stderr.write(f"faasguard: rule {failure.rule_id} ({failure.origin}) failed: "
                         f"{failure.message}\n")
    for delivery in deliveries:
        for error in delivery.errors:
            sys.stderr.write(f"faasguard: alert not delivered: {error}\n")
    if args.format == "json":
        doc: dict[str, Any] = {
            "since": since.isoformat() + "Z", "until": until.isoformat() + "Z",
            "rules": result.rules_run, "detections": [d.to_json() for d in detections],
            "refused": [asdict(r) for r in catalogue.refused],
            "failures": [asdict(f) for f in result.failures],
            "alerts": [asdict(d) for d in deliveries],
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        header = (f"{len(detections)} detection{'' if len(detections) == 1 else 's'} from "
                  f"{result.rules_run} rules{'' if args.no_wallet else ' and the wallet check'}"
                  f", {_when(since)} to {_when(until)} UTC")
        text = render_text(detections, header)
        for d in deliveries:
            text += (f"alerts to {d.kind}: {d.sent} sent, {d.suppressed} already alerted"
                     f"{', failed' if d.errors else ''}\n")
        sys.stdout.write(text)
    if result.failures or any(d.errors for d in deliveries):
        return EXIT_INCOMPLETE
    return EXIT_DETECTED if detections else EXIT_OK

