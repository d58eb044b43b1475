"""The ``faasguard`` command. Start-up cost matters (it runs in every CI job and
pre-commit hook), so only argparse is imported here; everything else is imported by
the sub-command that needs it."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from faasguard.config import Config
    from faasguard.findings import Finding
    from faasguard.loaders.base import LoadOptions
    from faasguard.rules import Rule

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"

    @property
    def module(self) -> str:
        return f"faasguard.formats.{self.value}"


class UsageError(Exception):
    """Bad arguments or config: exit code 2 with a one-line message."""


FORMAT_HELP = """report format (default: text). text, markdown and junit list suppressed
findings only with --show-suppressed; json and sarif always carry them, marked with
their reason; html carries them behind a switch (on with --show-suppressed)"""
FAIL_ON_HELP = """exit 1 when an unsuppressed finding is at or above SEVERITY: critical, high,
medium, low, info, or none (never fail on findings). Default: scan.fail_on in
.faasguard.toml, else low"""
EPILOG = """exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or
internal error"""


class _Ignored:
    """Stands in for the parser of a command that is not being run: every definition
    made on it (options, sub-commands) is accepted and dropped."""

    def __getattr__(self, name: str) -> Any:
        return self._ignore

    def _ignore(self, *args: Any, **kwargs: Any) -> _Ignored:
        return self


class _OnlyCommand:
    """The sub-command action of the top parser, building the parser of ``command``
    only (every command when None). argparse's option tables are a noticeable share of
    the start-up of a short run, and one run needs one command's."""

    def __init__(self, action: Any, command: str | None) -> None:
        self._action = action
        self._command = command
        self.found = command is None

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self._command is None or name == self._command:
            self.found = True
            return self._action.add_parser(name, **kwargs)
        return _Ignored()


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line: its first word that is not an option
    (the top parser's options take no values)."""
    return next((word for word in argv if not word.startswith("-")), None)


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; given ``command``, only that command's options are
    defined (see ``_OnlyCommand``), falling back to every command's when there is no
    such command, so that argparse's message lists the choices."""
    from faasguard.meta import __version__

    parser = argparse.ArgumentParser(
        prog="faasguard",
        description="Security toolkit for serverless applications.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"faasguard {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub: Any = _OnlyCommand(parser.add_subparsers(dest="command", metavar="COMMAND"), command)

    scan = sub.add_parser("scan", help="scan app definitions for security problems",
                          description="Scan serverless.yml, SAM, CloudFormation and CDK "
                                      "output for security problems.", epilog=EPILOG)
    scan.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                      help="files or directories (default: .)")
    scan.add_argument("-f", "--format", default="text", choices=[f.value for f in Format],
                      help=FORMAT_HELP)
    scan.add_argument("-o", "--output", metavar="FILE",
                      help="write the report to FILE instead of stdout")
    scan.add_argument("--fail-on", metavar="SEVERITY", help=FAIL_ON_HELP)
    scan.add_argument("--config", metavar="FILE", help="config file (default: the nearest "
                                                        ".faasguard.toml, up to the repo root)")
    scan.add_argument("--root", metavar="DIR",
                      help="project root: nothing outside it is read (default: the common "
                           "parent of the paths)")
    scan.add_argument("--baseline", metavar="FILE",
                      help="report only findings whose fingerprint is not in FILE")
    scan.add_argument("--write-baseline", metavar="FILE",
                      help="write the current unsuppressed findings to FILE as a baseline")
    scan.add_argument("--diff-base", metavar="REV",
                      help="report only findings introduced since git revision REV (the "
                           "files at REV are scanned from a temporary export)")
    scan.add_argument("--advisory-db", metavar="FILE", help=ADVISORY_DB_HELP)
    scan.add_argument("--show-suppressed", action="store_true",
                      help="list suppressed findings, with their reasons, in text, markdown "
                           "and junit reports")
    scan.add_argument("--link-base", metavar="URL",
                      help="markdown: prefix for file links, e.g. a repository's blob URL "
                           "at the commit scanned (default: links relative to the root)")
    scan.add_argument("--rule", action="append", default=[], metavar="ID",
                      help="run only these rules (repeatable)")
    scan.add_argument("--skip-rule", action="append", default=[], metavar="ID",
                      help="do not run these rules (repeatable)")
    scan.add_argument("--env-vars", action="store_true",
                      help="resolve ${env:X} from this process's environment (off by default: "
                           "the scanner's environment never leaks into results unless asked)")
    scan.add_argument("--opt", action="append", default=[], metavar="KEY=VALUE",
                      help="serverless CLI option for ${opt:KEY}, e.g. --opt stage=prod")
    scan.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                      help="template parameter value (CloudFormation / ${param:NAME})")
    scan.add_argument("--no-code", action="store_true",
                      help="skip handler-code analysis (injection, least privilege from "
                           "code, secrets in code): a template-only scan")
    scan.add_argument("-j", "--jobs", type=int, metavar="N",
                      help="worker processes for a scan of many files (default: one per "
                           "CPU; 1: scan in this process only)")
    scan.add_argument("--no-progress", action="store_true",
                      help="never show a progress bar (it shows only on a terminal, "
                           "and never when CI is set)")

    rules = sub.add_parser("rules", help="list the rule catalogue")
    rules.add_argument("-f", "--format", default="text", choices=["text", "json", "markdown"])

    explain = sub.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("rule_id", metavar="RULE")

    iam = sub.add_parser("iam", help="permissions each function needs against its role",
                         description="Compare what each function's code needs (its AWS SDK "
                                     "calls and the platform's needs) with what its role "
                                     "grants; print the least-privilege policy of one "
                                     "function in the app's own format.", epilog=EPILOG)
    iam.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                     help="files or directories (default: .)")
    iam.add_argument("--function", metavar="NAME",
                     help="one function (id or name): print its least-privilege policy")
    iam.add_argument("-f", "--format", default="text", choices=["text", "json"])
    iam.add_argument("--policy-format", choices=["serverless", "sam", "cloudformation",
                                                 "terraform"],
                     help="format of the policy (default: the app's own format)")
    iam.add_argument("--write", action="store_true",
                     help="with --function: write the policy to <app>-<function>-policy.<ext> "
                          "next to the template (never edits the template) and print the path")
    iam.add_argument("--config", metavar="FILE",
                     help="config file for scan.exclude (default: nearest .faasguard.toml)")
    iam.add_argument("--root", metavar="DIR",
                     help="project root: nothing outside it is read (default: the common "
                          "parent of the paths)")
    _tokens_parser(sub)
    _db_parser(sub)
    _logs_parser(sub)
    if not sub.found:  # not a command: build them all, for argparse's message
        return _parser()
    return parser


ADVISORY_DB_HELP = ("OSV advisory database (default: $FAASGUARD_ADVISORY_DB, else "
                    "~/.cache/faasguard/advisories.sqlite3)")


def _db_parser(sub: Any) -> None:
    """`faasguard db ...`: faasguard.deps.dbcli does the work."""
    db = sub.add_parser("db", help="the local vulnerability advisory database (OSV)",
                        description="Fill and inspect the OSV advisory database that "
                                    "`faasguard scan` matches dependencies against.")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--advisory-db", metavar="FILE", help=ADVISORY_DB_HELP)
    update = actions.add_parser("update", parents=[where],
                                help="download OSV's PyPI and npm archives (needs the network)")
    update.add_argument("--ecosystem", action="append", metavar="NAME",
                        help="PyPI or npm (repeatable; default: both)")
    imported = actions.add_parser("import", parents=[where],
                                  help="load OSV JSON files, folders of them, or OSV zip "
                                       "archives (offline and air-gapped use)")
    imported.add_argument("paths", nargs="+", metavar="PATH")
    status = actions.add_parser("status", parents=[where], help="what the database holds")
    status.add_argument("-f", "--format", default="text", choices=["text", "json"])


def _logs_parser(sub: Any) -> None:
    """`faasguard logs ...`: the options only; faasguard.logs.cli does the work."""
    logs = sub.add_parser("logs", help="ingest function, API, audit and CloudTrail logs",
                          description="Read logs into an embedded DuckDB store for reports "
                                      "and detections (see docs/logs.md).")
    actions = logs.add_subparsers(dest="logs_command", metavar="ACTION", required=True)
    _logs_report_parsers(actions)
    _logs_detect_parser(actions)
    export = actions.add_parser(
        "export", help="write the store's event tables as Parquet (for Spark)",
        description="Write each event table of the store to DIR/<table>/data.parquet, "
                    "for Spark or any Parquet reader (see docs/logs-spark.md).")
    export.add_argument("--parquet", required=True, metavar="DIR",
                        help="the directory to write (created if missing)")
    export.add_argument("--db", default="faasguard.duckdb", metavar="PATH",
                        help="the store (default: faasguard.duckdb)")
    export.add_argument("-f", "--format", default="text", choices=["text", "json"])
    ingest = actions.add_parser(
        "ingest", help="read log files, directories, .gz files or stdin (-) into the store",
        description="Read Lambda logs (text, JSON, CloudWatch exports, filter-log-events "
                    "output, subscription payloads), CloudTrail files, API Gateway access "
                    "logs and faasguard.runtime audit events. Formats are detected per "
                    "file; re-ingesting a file adds nothing, an interrupted run resumes.")
    ingest.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="files, directories (read recursively) or - for stdin")
    ingest.add_argument("--db", default="faasguard.duckdb", metavar="PATH",
                        help="the store (default: faasguard.duckdb; created if missing)")
    ingest.add_argument("--batch", type=int, metavar="N",
                        help="rows per committed batch (default: 50000; Lambda log files: "
                             "32 MiB chunks)")
    ingest.add_argument("--log-group", metavar="NAME",
                        help="log group of sources that do not name theirs (Lambda log "
                             "files and exports, filter-log-events output), e.g. "
                             "/aws/lambda/orders")
    ingest.add_argument("--account", metavar="ID",
                        help="AWS account id of those sources")
    ingest.add_argument("-f", "--format", default="text", choices=["text", "json"],
                        help="summary format (default: text)")
    ingest.add_argument("--no-progress", action="store_true",
                        help="never show a progress bar (it shows only on a terminal, "
                             "and never when CI is set)")


def _logs_detect_parser(actions: Any) -> None:
    """`faasguard logs detect`: faasguard.logs.detections.cli does the work."""
    detect = actions.add_parser(
        "detect", help="run detection rules and the denial-of-wallet check; send alerts",
        description="Run the built-in CloudTrail rules, your own rules (faasguard YAML or "
                    "Sigma) and the denial-of-wallet check over the store; print what they "
                    "find and send alerts not sent before (see docs/logs-detections.md).")
    detect.add_argument("--db", default="faasguard.duckdb", metavar="PATH",
                        help="the store (default: faasguard.duckdb)")
    detect.add_argument("--rules", action="append", metavar="DIR",
                        help="more rule files or directories (repeatable)")
    detect.add_argument("--no-builtin", action="store_true", help="skip the built-in rules")
    detect.add_argument("--since", default="7d", metavar="WHEN",
                        help="a span back from now (7d, 12h) or a UTC time "
                             "(2026-11-29T08:00:00Z); default: 7d")
    detect.add_argument("--until", metavar="WHEN", help="end (same forms; default: now)")
    detect.add_argument("--alert", action="append", metavar="OUTPUT",
                        help="console, jsonl=FILE, webhook=URL, sns=TOPIC_ARN or "
                             "sqs=QUEUE_URL (repeatable)")
    detect.add_argument("--dedup-window", default="24h", metavar="SPAN",
                        help="do not alert the same thing again within this span "
                             "(default: 24h)")
    detect.add_argument("--no-wallet", action="store_true",
                        help="skip the denial-of-wallet check")
    detect.add_argument("--wallet-min-volume", type=int, default=100, metavar="N",
                        help="invocations an hour below which nothing is a spike "
                             "(default: 100)")
    detect.add_argument("--price-gb-second", type=float, default=0.0000166667, metavar="USD",
                        help="price of a GB-second (default: 0.0000166667, Lambda x86)")
    detect.add_argument("--price-million-requests", type=float, default=0.20, metavar="USD",
                        help="price of a million requests (default: 0.20)")
    detect.add_argument("-f", "--format", default="text", choices=["text", "json"])
    detect.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"],
                        help="run the rules on the store (duckdb, default) or on a local "
                             "Spark session over its tables (spark; docs/logs-spark.md)")


def _logs_report_parsers(actions: Any) -> None:
    """`faasguard logs report` and `logs profile`: faasguard.logs.report.cli does the work."""
    window = argparse.ArgumentParser(add_help=False)
    window.add_argument("--db", default="faasguard.duckdb", metavar="PATH",
                        help="the store (default: faasguard.duckdb)")
    window.add_argument("--since", metavar="WHEN",
                        help="only events at or after WHEN: a duration back from now (7d, "
                             "12h, 30m) or a UTC date or time (2026-11-29T08:00:00Z); "
                             "default: the first event")
    window.add_argument("--until", metavar="WHEN",
                        help="only events before WHEN (same forms); default: the last event")
    window.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE")

    report = actions.add_parser(
        "report", parents=[window], help="authentication, function and activity reports",
        description="Authentication report (SANS essential categories, F2), function "
                    "report (invocations, errors, durations, memory, concurrency, cost, "
                    "F3) and activity over time. Definitions: docs/logs-reports.md.")
    report.add_argument("-f", "--format", default="text", choices=["text", "json", "html"],
                        help="report format (default: text); html is one self-contained file")
    report.add_argument("--config", metavar="FILE",
                        help="settings file; default: the nearest .faasguard.toml at or above "
                             "the working directory (its [logs] table sets defaults for "
                             "the options below)")
    report.add_argument("--office-hours", metavar="HH:MM-HH:MM",
                        help="office hours for off-hours logins (default: 08:00-18:00)")
    report.add_argument("--tz", metavar="ZONE",
                        help="time zone of the office hours, an IANA name (default: UTC)")
    report.add_argument("--office-days", metavar="DAYS",
                        help="working days, e.g. mon-fri or mon,tue (default: mon-fri)")
    report.add_argument("--privileged", action="append", metavar="PATTERN",
                        help="privileged accounts or roles, a shell pattern without case "
                             "(repeatable; replaces the defaults: *:root, *admin*, ...)")
    report.add_argument("--service-account", action="append", metavar="PATTERN",
                        help="service accounts, a shell pattern (repeatable; replaces the "
                             "defaults: svc-*, *-svc, ...)")
    report.add_argument("--default-account", action="append", metavar="NAME",
                        help="default account names (repeatable; replaces the defaults: "
                             "admin, guest, test, ...)")
    report.add_argument("--disabled-account", action="append", metavar="PATTERN",
                        help="accounts known to be disabled (repeatable)")
    report.add_argument("--burst-failures", type=int, metavar="N",
                        help="failures before a success that make a burst (default: 3)")
    report.add_argument("--burst-window", metavar="DURATION",
                        help="how far before the success they count (default: 10m)")
    report.add_argument("--price-gb-second", type=float, metavar="USD",
                        help="price of a GB-second (default: 0.0000166667, Lambda x86)")
    report.add_argument("--price-million-requests", type=float, metavar="USD",
                        help="price of a million requests (default: 0.20)")
    report.add_argument("--parquet", metavar="DIR",
                        help="with --engine spark: read the event tables from DIR/<table>/ "
                             "(as `faasguard logs export` writes them, or a data lake laid "
                             "out the same way) instead of a store")
    report.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"],
                        help="compute the report on the store (duckdb, default) or on a "
                             "local Spark session over its tables (spark; "
                             "docs/logs-spark.md)")
    profile = actions.add_parser(
        "profile", parents=[window],
        help="observed durations and memory against an app's timeout and memory (C2)",
        description="Load the app with faasguard's loaders, match its functions to the "
                    "functions in the logs, and recommend a tight timeout and memory.")
    profile.add_argument("--app", required=True, metavar="PATH",
                         help="the app: a template or a directory")
    profile.add_argument("-f", "--format", default="text", choices=["text", "json"],
                         help="report format (default: text)")
    profile.add_argument("--timeout-factor", type=float, metavar="X",
                         help="recommended timeout = longest run x X (default: 1.5)")
    profile.add_argument("--memory-factor", type=float, metavar="X",
                         help="recommended memory = most memory used x X (default: 1.5)")


TOKENS_STORE_HELP = """token store: sqlite:PATH, dynamodb:TABLE[?region=R&endpoint=URL] or
redis://host:port/db (default: $FAASGUARD_TOKEN_STORE, else
sqlite:~/.local/share/faasguard/tokens.db)"""


def _tokens_parser(sub: Any) -> None:
    """`faasguard tokens ...`: the options only; faasguard.runtime.tokens_cli does the work."""
    tokens = sub.add_parser("tokens", help="issue, list and revoke faasguard.runtime tokens",
                            description="Manage the opaque tokens that faasguard.runtime's "
                                        "TokenAuth accepts. Tokens are stored only as hashes.")
    actions = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", metavar="URL", help=TOKENS_STORE_HELP)
    issue = actions.add_parser("issue", parents=[store], help="issue a token (printed once)")
    issue.add_argument("--principal", required=True, help="who the token is for")
    issue.add_argument("--roles", action="append", metavar="R1,R2",
                       help="roles (comma-separated, repeatable)")
    issue.add_argument("--scopes", action="append", metavar="S1,S2",
                       help="scopes (comma-separated, repeatable)")
    issue.add_argument("--max-invocations", type=int, metavar="N",
                       help="uses before the token is spent (default: unlimited)")
    issue.add_argument("--expires", metavar="DURATION",
                       help="lifetime: 90s, 15m, 12h, 7d, 2w or never (default: 30d)")
    issue.add_argument("-f", "--format", default="text", choices=["text", "json"])
    listing = actions.add_parser("list", parents=[store],
                                 help="list tokens (ids and state, never the tokens)")
    listing.add_argument("--active", action="store_true", help="only tokens still usable")
    listing.add_argument("-f", "--format", default="text", choices=["text", "json"])
    revoke = actions.add_parser("revoke", parents=[store], help="revoke tokens by id")
    revoke.add_argument("ids", nargs="+", metavar="ID", help="token id from `tokens list`")
    table = actions.add_parser("create-table", parents=[store],
                               help="create the DynamoDB table (--store dynamodb:TABLE)")
    table.add_argument("--no-wait", action="store_true",
                       help="do not wait for the table to become active")


def _pairs(items: Sequence[str], flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[key] = value
    return out


def _common_root(paths: list[Path]) -> Path:
    dirs = [p if p.is_dir() else p.parent for p in paths]
    return Path(os.path.commonpath([str(d) for d in dirs]))


def _paths_and_root(args: argparse.Namespace) -> tuple[list[Path], Path]:
    """The PATH arguments, all existing, and the project root (``--root`` or their
    common parent): nothing outside the root is read.

    Both are absolute, spelled the same way (``..`` folded, symlinks kept): every
    loader names files relative to the root, so a finding's file, its fingerprint
    and SARIF's %SRCROOT% base do not depend on the directory faasguard started in."""
    paths = [Path(os.path.abspath(p)) for p in args.paths]
    missing = [given for p, given in zip(paths, args.paths, strict=True) if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    return paths, Path(os.path.abspath(args.root)) if args.root else _common_root(paths)


def _note(message: str) -> None:
    sys.stderr.write(f"faasguard: {message}\n")


def _load_config(args: argparse.Namespace, root: Path) -> Config:
    from faasguard.config import Config, ConfigError, find_config, load_config
    from faasguard.loaders.base import relpath

    try:
        if args.config:
            path = Path(args.config)
            if not path.is_file():
                raise UsageError(f"--config: no such file: {path}")
            return load_config(path)
        found = find_config(root)
        return load_config(found, relpath(found, root)) if found else Config()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _select_rules(args: argparse.Namespace, config: Config) -> list[Rule]:
    from faasguard.rules import all_rules

    selected = list(all_rules())
    known = {r.id for r in selected}
    for flag, ids in (("--rule", args.rule), ("--skip-rule", args.skip_rule)):
        unknown = [i for i in ids if i.upper() not in known]
        if unknown:
            raise UsageError(f"{flag}: unknown rule id(s) {', '.join(unknown)}")
    # A config naming a rule that does not exist is most likely a typo: say so, but
    # do not fail, so a config written for a newer faasguard still works.
    strangers = sorted(config.rule_ids() - known)
    if strangers:
        _note(f"{config.source}: no such rule(s) {', '.join(strangers)}; ignored")
    if args.rule:
        wanted = {i.upper() for i in args.rule}
        selected = [r for r in selected if r.id in wanted]
    skipped = {i.upper() for i in args.skip_rule}
    return [r for r in selected if r.id not in skipped
            and not (getattr(args, "no_code", False) and r.needs_code)]


def _cmd_scan(args: argparse.Namespace) -> int:
    from faasguard.baseline import filter_new, write_baseline
    from faasguard.config import parse_fail_on
    from faasguard.engine import scan
    from faasguard.formats import RenderOptions, failing
    from faasguard.loaders.base import LoadOptions
    from faasguard.progress import Progress

    paths, root = _paths_and_root(args)
    if args.output and not Path(args.output).parent.is_dir():
        raise UsageError(f"--output: no such directory: {Path(args.output).parent}")
    config = _load_config(args, root)
    if args.advisory_db:
        import dataclasses

        config = dataclasses.replace(config, advisory_db=args.advisory_db)
    try:
        fail_on = parse_fail_on(args.fail_on) if args.fail_on else config.fail_on
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc} or none") from None
    selected = _select_rules(args, config)

    opts = LoadOptions(root=root, env_vars=args.env_vars,
                       options=_pairs(args.opt, "--opt"), parameters=_pairs(args.param, "--param"))
    progress = None if args.no_progress else Progress.for_stderr()
    try:
        result = scan(paths, opts, config, selected, progress.update if progress else None,
                      jobs=args.jobs)
    finally:
        if progress:
            progress.close()

    try:
        if args.write_baseline:
            count = write_baseline(Path(args.write_baseline), result.active)
            _note(f"wrote {count} finding(s) to baseline {args.write_baseline}")
        if args.diff_base:
            result.findings = _since_revision(args, result.findings, paths, opts, config,
                                              selected)
        if args.baseline:
            before = len(result.findings)
            result.findings = filter_new(result.findings, Path(args.baseline))
            hidden = before - len(result.findings)
            if hidden:
                _note(f"{hidden} finding(s) in baseline {args.baseline} not reported")
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    fmt = Format(args.format)
    module = importlib.import_module(fmt.module)
    to_terminal = args.output is None and sys.stdout.isatty()
    report: str = module.render(result, RenderOptions(
        show_suppressed=args.show_suppressed, fail_on=fail_on,
        color=to_terminal and "NO_COLOR" not in os.environ, link_base=args.link_base))
    if args.output:
        try:
            Path(args.output).write_text(report, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--output: cannot write {args.output}: "
                             f"{exc.strerror or exc}") from None
    else:
        sys.stdout.write(report)
        if report and not report.endswith("\n"):
            sys.stdout.write("\n")
    if result.files_failed and (args.output or fmt is not Format.TEXT):
        # The text report lists these itself; for the others say it where people look.
        _note(f"{result.files_failed} file(s) could not be read; see the report")
    return EXIT_FINDINGS if any(failing(f, fail_on) for f in result.findings) else EXIT_OK


def _since_revision(args: argparse.Namespace, findings: list[Finding], paths: list[Path],
                    opts: LoadOptions, config: Config, selected: list[Rule]) -> list[Finding]:
    """Drop the findings that git revision ``args.diff_base`` already had."""
    import dataclasses

    from faasguard.diffbase import base_fingerprints, new_since
    from faasguard.engine import scan

    def scan_base(base_paths: list[Path], base_root: Path) -> list[Finding]:
        base_opts = dataclasses.replace(opts, root=base_root)
        return scan(base_paths, base_opts, config, selected).findings

    known = base_fingerprints(opts.root, args.diff_base, paths, scan_base)
    kept = new_since(findings, known)
    if len(kept) < len(findings):
        _note(f"{len(findings) - len(kept)} finding(s) already present at "
              f"{args.diff_base} not reported")
    return kept


def _cmd_rules(args: argparse.Namespace) -> int:
    from faasguard.ruledocs import catalogue_json, catalogue_markdown, catalogue_text

    render = {"text": catalogue_text, "json": catalogue_json, "markdown": catalogue_markdown}
    sys.stdout.write(render[args.format]())
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from faasguard.ruledocs import rule_markdown
    from faasguard.rules import get_rule

    found = get_rule(args.rule_id)
    if found is None:
        raise UsageError(f"unknown rule {args.rule_id!r}; `faasguard rules` lists them")
    sys.stdout.write(rule_markdown(found))
    return EXIT_OK


def _cmd_iam(args: argparse.Namespace) -> int:
    import json

    from faasguard.code import CodeAnalyzer
    from faasguard.engine import load_candidate
    from faasguard.iamgen import PolicyFormat, derive, problems, render
    from faasguard.leastpriv import analyze, render_text, summary
    from faasguard.loaders.base import LoadOptions
    from faasguard.loaders.discover import discover
    from faasguard.model import App, Function

    if args.write and not args.function:
        raise UsageError("--write needs --function")
    paths, root = _paths_and_root(args)
    opts = LoadOptions(root=root)
    apps: list[App] = []
    config = _load_config(args, root)
    for candidate in discover([p.resolve() for p in paths], root, config.exclude):
        loaded, diagnostics = load_candidate(candidate, opts)
        apps.extend(loaded)
        for diag in diagnostics:
            _note(f"{diag.loc}: {diag.message}")
    analyzer = CodeAnalyzer(root)
    if args.function:
        wanted = args.function.casefold()
        found: list[tuple[App, Function]] = [
            (app, fn) for app in apps for fn in app.functions
            if wanted in (fn.id.casefold(), fn.display_name.casefold())]
        if not found:
            raise UsageError(f"--function: no function {args.function!r} in {len(apps)} app(s)")
        if len(found) > 1:
            raise UsageError(f"--function: {args.function!r} names functions in several apps; "
                             "give one app's path")
        app, fn = found[0]
        (verdict,) = analyze(app, analyzer.function, functions=[fn])
        # the function's own needs: the policy is for a role of its own, even when it
        # shares one today
        statements = derive(verdict.own)
        fmt = PolicyFormat(args.policy_format) if args.policy_format else \
            PolicyFormat.for_app(app)
        policy = render(statements, fmt, fn.id, app)
        issues = problems(statements, app)
        if args.format == "json":
            sys.stdout.write(json.dumps({**summary(verdict), "policy_format": fmt.value,
                                         "policy": policy, "policy_problems": issues},
                                        indent=2) + "\n")
        elif not args.write:
            sys.stdout.write(render_text([verdict]) + "\n" + policy)
        if args.write:
            template = root / app.source.file
            target = template.parent / f"{app.name}-{fn.id}-policy.{fmt.extension}"
            try:
                target.write_text(policy, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"--write: cannot write {target}: {exc.strerror or exc}") from None
            if args.format == "text":
                sys.stdout.write(f"{target}\n")
        for issue in issues:
            _note(f"policy check: {issue}")
        return EXIT_FINDINGS if verdict.excess or verdict.missing else EXIT_OK
    verdicts = [v for app in apps for v in analyze(app, analyzer.function)]
    if args.format == "json":
        sys.stdout.write(json.dumps([summary(v) for v in verdicts], indent=2) + "\n")
    else:
        sys.stdout.write(render_text(verdicts) if verdicts else "No functions found.\n")
    return EXIT_FINDINGS if any(v.excess or v.missing for v in verdicts) else EXIT_OK


def _cmd_tokens(args: argparse.Namespace) -> int:
    try:
        from faasguard.runtime import tokens_cli
    except ImportError:
        raise UsageError("`faasguard tokens` needs the runtime package: "
                         "pip install faasguard-runtime") from None
    try:
        return tokens_cli.run(args)
    except tokens_cli.TokensError as exc:
        raise UsageError(str(exc)) from None


def _cmd_db(args: argparse.Namespace) -> int:
    from faasguard.deps.dbcli import run

    try:
        return run(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _cmd_logs(args: argparse.Namespace) -> int:
    if args.logs_command in ("report", "profile"):
        from faasguard.logs.report.cli import run as run_report
        from faasguard.logs.report.common import ReportError

        try:
            return run_report(args)
        except ReportError as exc:
            raise UsageError(str(exc)) from None
    from faasguard.logs.cli import LogsUsageError, run

    if args.logs_command == "detect":
        from faasguard.logs.detections.cli import run as run_detect

        run = run_detect
    elif args.logs_command == "export":
        from faasguard.logs.spark.export import run as run_export

        run = run_export
    try:
        return run(args)
    except LogsUsageError as exc:
        raise UsageError(str(exc)) from None


COMMANDS = {"scan": _cmd_scan, "rules": _cmd_rules, "explain": _cmd_explain, "iam": _cmd_iam,
            "tokens": _cmd_tokens, "db": _cmd_db, "logs": _cmd_logs}


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"faasguard: error: {message}\n")
    raise SystemExit(EXIT_ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser(_command_of(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_ERROR
    # A scan allocates many long-lived objects (syntax trees, the model): collecting
    # them again and again as they are built buys nothing in a short-lived process.
    gc.set_threshold(50_000, 20, 20)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted")
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
    finally:
        # The process is about to exit: skip the full collection over everything the
        # command built, which otherwise costs a noticeable share of a large scan.
        gc.freeze()


if __name__ == "__main__":
    raise SystemExit(main())
