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

    @property
    def module(self) -> str:
        return f"faasguard.formats.{self.value}"


class UsageError(Exception):
    """Bad arguments or config: exit code 2 with a one-line message."""


FORMAT_HELP = """report format (default: text). text, markdown and junit list suppressed
findings only with --show-suppressed; json and sarif always carry them, marked with
their reason"""
FAIL_ON_HELP = """exit 1 when an unsuppressed finding is at or above SEVERITY: critical, high,
medium, low, info, or none (never fail on findings). Default: scan.fail_on in
.faasguard.toml, else low"""
EPILOG = """exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or
internal error"""


def _parser() -> argparse.ArgumentParser:
    from faasguard.meta import __version__

    parser = argparse.ArgumentParser(
        prog="faasguard",
        description="Security toolkit for serverless applications.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"faasguard {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

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
    return parser


def _pairs(items: Sequence[str], flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} expects KEY=VALUE, got {item!r}")
        out[key] = value
    return out


def _common_root(paths: list[Path]) -> Path:
    absolute = [p.resolve() for p in paths]
    dirs = [p if p.is_dir() else p.parent for p in absolute]
    return Path(os.path.commonpath([str(d) for d in dirs]))


def _paths_and_root(args: argparse.Namespace) -> tuple[list[Path], Path]:
    """The PATH arguments, all existing, and the project root (``--root`` or their
    common parent): nothing outside the root is read."""
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    return paths, Path(args.root).resolve() if args.root else _common_root(paths)


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
    try:
        fail_on = parse_fail_on(args.fail_on) if args.fail_on else config.fail_on
    except ValueError as exc:
        raise UsageError(f"--fail-on: {exc} or none") from None
    selected = _select_rules(args, config)

    opts = LoadOptions(root=root, env_vars=args.env_vars,
                       options=_pairs(args.opt, "--opt"), parameters=_pairs(args.param, "--param"))
    progress = None if args.no_progress else Progress.for_stderr()
    try:
        result = scan(paths, opts, config, selected, progress.update if progress else None)
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


COMMANDS = {"scan": _cmd_scan, "rules": _cmd_rules, "explain": _cmd_explain, "iam": _cmd_iam}


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"faasguard: error: {message}\n")
    raise SystemExit(EXIT_ERROR)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
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
