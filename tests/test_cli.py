"""The command line: exit codes, formats, output files, baselines, suppressions,
config and internal errors. Most tests run ``main`` in-process with a fixed one-rule
catalogue, so they do not depend on which rules exist; the subprocess tests at the
end run the real command with the real catalogue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

import faasguard.rules as rules_pkg
from faasguard.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from faasguard.findings import Severity
from faasguard.model import App, as_int
from faasguard.rules.registry import Context, Hit, Rule, on_function

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 900{comment}
"""

SECOND = """\
  Billing:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: billing.handler
      CodeUri: src/
      Timeout: 600
"""


def _long_timeouts(app: App, ctx: Context) -> Iterator[Hit]:
    for fn in app.functions:
        timeout = as_int(fn.timeout)
        if timeout is not None and timeout > 300:
            yield on_function(fn, f"Function {fn.id} has a timeout of {timeout} s.", "timeout")


RULE = Rule(id="FG-TST-001", title="Long timeout", severity=Severity.HIGH, category="config",
            controls=("C2",), cwe=(400,),
            docs={"What it does": "Reports long timeouts.", "Why is this bad?": "Cost.",
                  "Example": "```yaml\nTimeout: 900\n```",
                  "Fix": "```yaml\nTimeout: 30\n```\nKeep it short."},
            check=_long_timeouts, module="tests")


@pytest.fixture(autouse=True)
def one_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules_pkg, "all_rules", lambda: (RULE,))
    monkeypatch.setattr(rules_pkg, "get_rule",
                        lambda rid: RULE if rid.upper() == RULE.id else None)
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # stop the config search here
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(comment=""))
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# --- exit codes ----------------------------------------------------------------------


def test_findings_exit_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scan", str(project), "--no-progress")
    assert code == EXIT_FINDINGS
    assert "HIGH     FG-TST-001  template.yaml:10" in out
    assert err == ""


@pytest.mark.parametrize(("fail_on", "expected"), [
    ("critical", EXIT_OK), ("high", EXIT_FINDINGS), ("INFO", EXIT_FINDINGS), ("none", EXIT_OK)])
def test_fail_on(project: Path, capsys: pytest.CaptureFixture[str], fail_on: str,
                 expected: int) -> None:
    assert run(capsys, "scan", str(project), "--fail-on", fail_on)[0] == expected


def test_fail_on_from_config_and_flag_wins(project: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".faasguard.toml").write_text('[scan]\nfail_on = "none"\n')
    assert run(capsys, "scan", str(project))[0] == EXIT_OK
    assert run(capsys, "scan", str(project), "--fail-on", "high")[0] == EXIT_FINDINGS


def test_clean_scan_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(comment="").replace("900", "30"))
    code, out, _ = run(capsys, "scan", str(tmp_path))
    assert code == EXIT_OK
    assert "No findings." in out


@pytest.mark.parametrize(("argv", "message"), [
    (["scan", "{p}", "--fail-on", "severe"], "--fail-on: unknown severity 'severe'"),
    (["scan", "{p}/missing"], "no such file or directory: {p}/missing"),
    (["scan", "{p}", "--rule", "FG-NOPE-001"], "--rule: unknown rule id(s) FG-NOPE-001"),
    (["scan", "{p}", "--opt", "stage"], "--opt expects KEY=VALUE"),
    (["scan", "{p}", "--config", "{p}/nope.toml"], "--config: no such file"),
    (["scan", "{p}", "--output", "{p}/no/dir/report.txt"], "--output: no such directory"),
    (["explain", "FG-NOPE-001"], "unknown rule 'FG-NOPE-001'"),
])
def test_usage_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str],
                             argv: list[str], message: str) -> None:
    code, _, err = run(capsys, *[a.format(p=project) for a in argv])
    assert code == EXIT_ERROR
    assert err.startswith("faasguard: error: ")
    assert message.format(p=project) in err
    assert "Traceback" not in err


def test_argparse_errors_and_no_command_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "scan", "--format", "pdf")[0] == EXIT_ERROR
    code, out, _ = run(capsys)
    assert code == EXIT_ERROR and "usage: faasguard" in out


def test_internal_error_has_no_traceback(project: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import faasguard.engine

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(faasguard.engine, "scan", boom)
    code, _, err = run(capsys, "scan", str(project))
    assert code == EXIT_ERROR
    assert err == ("faasguard: error: internal error: RuntimeError: boom "
                   "(run with --debug for details)\n")
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "scan", str(project)])


def test_config_error_names_file_and_line(project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".faasguard.toml").write_text('[scan]\nfail_on = "high"\nfailon = 1\n')
    code, _, err = run(capsys, "scan", str(project))
    assert code == EXIT_ERROR
    assert "faasguard: error: .faasguard.toml:3: [scan]: unknown key 'failon'" in err


def test_unknown_rule_in_config_is_a_warning(project: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".faasguard.toml").write_text('[rules]\ndisable = ["FG-OLD-001"]\n')
    code, _, err = run(capsys, "scan", str(project))
    assert code == EXIT_FINDINGS
    assert ".faasguard.toml: no such rule(s) FG-OLD-001; ignored" in err


def test_rule_selection(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "scan", str(project), "--skip-rule", "fg-tst-001")[0] == EXIT_OK
    assert run(capsys, "scan", str(project), "--rule", "FG-TST-001")[0] == EXIT_FINDINGS
    (project / ".faasguard.toml").write_text('[rules]\ndisable = ["FG-TST-001"]\n')
    assert run(capsys, "scan", str(project))[0] == EXIT_OK


def test_severity_override(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".faasguard.toml").write_text('[rules]\nseverity = { "FG-TST-001" = "low" }\n')
    code, out, _ = run(capsys, "scan", str(project), "--fail-on", "medium")
    assert code == EXIT_OK
    assert "LOW      FG-TST-001" in out


# --- formats and output --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "markdown", "text"])
def test_formats_to_stdout_and_file(project: Path, capsys: pytest.CaptureFixture[str],
                                    fmt: str) -> None:
    code, _, _ = run(capsys, "scan", str(project), "--format", fmt)
    assert code == EXIT_FINDINGS
    report = project / f"report.{fmt}"
    code, quiet, _ = run(capsys, "scan", str(project), "-f", fmt, "-o", str(report))
    assert code == EXIT_FINDINGS and quiet == ""
    written = report.read_text()
    assert "FG-TST-001" in written
    if fmt == "json":
        assert json.loads(written)["summary"]["failing"] == 1
    elif fmt == "sarif":
        schema = json.loads(SARIF_SCHEMA.read_bytes())
        jsonschema.Draft7Validator(schema).validate(json.loads(written))
    elif fmt == "junit":
        assert ET.fromstring(written).get("failures") == "1"


def test_unreadable_file_reported_and_noted(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (project / "broken.yaml").write_bytes(b"AWSTemplateFormatVersion: x\nResources: {AWS::\xff")
    code, out, err = run(capsys, "scan", str(project))
    assert code == EXIT_FINDINGS  # by findings: the good template still has one
    assert "1 file could not be read" in out and "broken.yaml" in out
    assert err == ""  # the text report already says it
    code, _, err = run(capsys, "scan", str(project), "-f", "json", "-o", str(project / "r.json"))
    assert "faasguard: 1 file(s) could not be read; see the report" in err
    data = json.loads((project / "r.json").read_text())
    assert data["scan"]["files_failed"] == 1
    assert any(d["location"]["file"] == "broken.yaml" for d in data["diagnostics"])


# --- baselines -----------------------------------------------------------------------


def test_baseline_round_trip(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = project / "baseline.json"
    code, out, err = run(capsys, "scan", str(project), "--write-baseline", str(baseline))
    assert code == EXIT_FINDINGS  # writing a baseline still reports
    assert f"wrote 1 finding(s) to baseline {baseline}" in err
    code, out, err = run(capsys, "scan", str(project), "--baseline", str(baseline))
    assert code == EXIT_OK
    assert "No findings." in out
    assert f"1 finding(s) in baseline {baseline} not reported" in err
    # Lines move and a new function appears: only the new one is reported.
    (project / "template.yaml").write_text("# moved\n" + TEMPLATE.format(comment="") + SECOND)
    code, out, _ = run(capsys, "scan", str(project), "--baseline", str(baseline), "-f", "json")
    assert code == EXIT_FINDINGS
    found = json.loads(out)["findings"]
    assert [(f["subject"]["id"], f["location"]["line"]) for f in found] == [("Billing", 18)]


def test_corrupt_baseline_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = project / "baseline.json"
    bad.write_text("{oops")
    code, _, err = run(capsys, "scan", str(project), "--baseline", str(bad))
    assert code == EXIT_ERROR
    assert f"faasguard: error: {bad}:1: not a faasguard baseline" in err


# --- suppressions ---------------------------------------------------------------------


def test_inline_suppression(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "template.yaml").write_text(TEMPLATE.format(
        comment="  # faasguard: ignore[FG-TST-001] nightly batch, needs minutes"))
    code, out, _ = run(capsys, "scan", str(project))
    assert code == EXIT_OK
    assert "1 finding suppressed" in out and "FG-TST-001  template" not in out
    code, out, _ = run(capsys, "scan", str(project), "--show-suppressed")
    assert "suppressed: inline: nightly batch, needs minutes" in out
    code, out, _ = run(capsys, "scan", str(project), "-f", "sarif")
    result = json.loads(out)["runs"][0]["results"][0]
    assert result["suppressions"][0]["kind"] == "inSource"


def test_inline_suppression_without_reason(project: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (project / "template.yaml").write_text(TEMPLATE.format(
        comment="  # faasguard: ignore[FG-TST-001]"))
    code, out, _ = run(capsys, "scan", str(project))
    assert code == EXIT_FINDINGS
    assert "template.yaml:10: suppression of FG-TST-001 has no reason" in out


@pytest.mark.parametrize(("expires", "expected"), [("2999-01-01", EXIT_OK),
                                                   ("2000-01-01", EXIT_FINDINGS)])
def test_config_suppression_expiry(project: Path, capsys: pytest.CaptureFixture[str],
                                   expires: str, expected: int) -> None:
    (project / ".faasguard.toml").write_text(
        f'[[suppress]]\nrule = "FG-TST-001"\nresource = "Orders"\n'
        f'reason = "accepted by security review"\nexpires = {expires}\n')
    code, out, _ = run(capsys, "scan", str(project), "--show-suppressed")
    assert code == expected
    if expected == EXIT_OK:
        assert "suppressed: .faasguard.toml: accepted by security review" in out
    else:
        assert ".faasguard.toml:1: suppression of FG-TST-001 (accepted by security review) " \
               "expired on 2000-01-01" in " ".join(out.split())  # the report wraps lines


# --- rules and explain ----------------------------------------------------------------


def test_rules_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == EXIT_OK and "FG-TST-001  high      Long timeout [C2]" in out
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert json.loads(out)["rules"][0]["id"] == "FG-TST-001"
    code, out, _ = run(capsys, "rules", "-f", "markdown")
    assert "| [FG-TST-001](docs/rules/FG-TST-001.md) | Long timeout |" in out


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "fg-tst-001")
    assert code == EXIT_OK
    assert out.startswith("# FG-TST-001: Long timeout")
    assert "## Fix" in out


# --- the real command -------------------------------------------------------------------


def _faasguard(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("CI", None)
    return subprocess.run([sys.executable, "-m", "faasguard", *argv], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


def test_real_scan_sarif_is_valid(project: Path) -> None:
    done = _faasguard("scan", str(project), "--format", "sarif", "--fail-on", "none")
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    schema = json.loads(SARIF_SCHEMA.read_bytes())
    jsonschema.Draft7Validator(schema).validate(json.loads(done.stdout))


def test_real_usage_error(project: Path) -> None:
    done = _faasguard("scan", str(project / "nope"))
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith("faasguard: error: no such file or directory")
    assert "Traceback" not in done.stderr


def test_help_imports_little() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "faasguard", "--help"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    heavy = {"yaml", "faasguard.engine", "faasguard.rules", "faasguard.formats", "json",
             "policy_sentry"}
    assert not heavy & imported


def test_progress_bar_wired_and_erased(project: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from faasguard.progress import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    monkeypatch.setattr(Progress, "for_stderr",
                        classmethod(lambda cls: cls(stream, delay=0.0, interval=0.0, width=80)))
    run(capsys, "scan", str(project))
    drawn = stream.getvalue()
    assert "0/1 template.yaml" in drawn  # the file being read, none done yet
    assert "[####################] 1/1" in drawn
    assert drawn.endswith("\r\x1b[K")
    stream.truncate(0)
    stream.seek(0)
    run(capsys, "scan", str(project), "--no-progress")
    assert stream.getvalue() == ""


def test_no_code_skips_the_rules_that_read_handler_code() -> None:
    def rule_ids(*extra: str) -> set[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "faasguard", "scan", str(ROOT / "examples" / "shop-sam"),
             "-f", "json", "--no-progress", *extra],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            check=False)
        assert proc.returncode == EXIT_FINDINGS, proc.stderr
        return {f["rule_id"] for f in json.loads(proc.stdout)["findings"]}

    with_code, without = rule_ids(), rule_ids("--no-code")
    # read the real catalogue's modules: this file swaps all_rules() for a fixed one
    import importlib

    from faasguard.rules import RULE_MODULES
    code_rules = {v.id for name in RULE_MODULES
                  for v in vars(importlib.import_module(name)).values()
                  if isinstance(v, Rule) and v.needs_code}
    assert with_code & code_rules  # the example's handlers are vulnerable on purpose
    assert not without & code_rules
    assert without == with_code - code_rules


@pytest.mark.parametrize("spelling", ["absolute", "relative", "dot", "dotdot"])
def test_files_are_named_from_the_root_whatever_the_working_directory(
        project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        spelling: str) -> None:
    # The same app scanned from anywhere names the same file, so fingerprints (and
    # baselines) hold, and SARIF's uri resolves against its %SRCROOT% base.
    (project / "sub").mkdir()
    given = {"absolute": str(project), "relative": project.name, "dot": ".",
             "dotdot": f"sub/../../{project.name}"}[spelling]
    monkeypatch.chdir({"absolute": "/", "relative": project.parent, "dot": project,
                       "dotdot": project}[spelling])
    code, out, _ = run(capsys, "scan", given, "-f", "sarif", "--no-progress")
    assert code == EXIT_FINDINGS
    sarif = json.loads(out)
    run_ = sarif["runs"][0]
    base = run_["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    location = run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "template.yaml", "uriBaseId": "%SRCROOT%"}
    assert base == project.as_uri() + "/"
