"""Hostile and broken input never crashes a scan (issue 2, "Bad input").

Each case puts one bad file beside a good template and scans both, through the
engine and through the CLI. Every case must give a clear message naming the file
(and the line where there is one), keep scanning the good template, exit 0 or 1 by
findings (never 2, never a traceback), and count the files that could not be read.
Big and hostile files are made in tmp_path at test time, never committed.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import re
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from faasguard.config import Config
from faasguard.engine import ScanResult, scan
from faasguard.loaders.base import LoadOptions

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.7
      Handler: app.handler
      CodeUri: src/
      Timeout: 900
      FunctionUrlConfig:
        AuthType: NONE
      Policies:
        - Statement:
            - Effect: Allow
              Action: "*"
              Resource: "*"
  Uploads:
    Type: AWS::S3::Bucket
  Ledger:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - AttributeName: id
          AttributeType: S
      KeySchema:
        - AttributeName: id
          KeyType: HASH
"""

# A value that lives outside the scan root; it must never show up in a report.
OUTSIDE_SECRET = "sk_live_51OutsideTheRootNeverRead0000000000"
OUTSIDE_YAML = f"apiKey: {OUTSIDE_SECRET}\n"
CFN_HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\n'


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path, Path], Path | None]
    """Writes the bad input under ``project/bad`` (and outside it when needed);
    returns the path to name on the command line, or None to walk ``bad/``."""
    file: str
    """The file the message must name, relative to the project."""
    lines: frozenset[int] | None
    """Acceptable lines for the message (None: the format gives no line)."""
    words: str
    """A regex (case-insensitive) the message must match."""
    unreadable: bool | None
    """Counted among the files that could not be read (None: either is acceptable)."""


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def _serverless(body: str) -> str:
    return ("service: bad\nframeworkVersion: \"3\"\nprovider:\n  name: aws\n"
            "  runtime: python3.12\n" + body)


# --- the cases ---------------------------------------------------------------------------


def malformed_yaml(project: Path, outside: Path) -> None:
    _write(project / "bad/serverless.yml",
           "service: broken\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"
           "  hello: handler: handler.hello\n")


def malformed_json(project: Path, outside: Path) -> None:
    _write(project / "bad/template.json",
           '{\n  "AWSTemplateFormatVersion": "2010-09-09",\n  "Resources": {\n    "Fn": {\n'
           '      "Type": "AWS::Lambda::Function"\n      "Properties": {}\n    }\n  }\n}\n')


def alias_bomb(project: Path, outside: Path) -> None:
    lines = ["custom:", '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    lines.append(f"functions:\n  boom:\n    handler: h.main\n    environment:\n"
                 f"      X: ${{self:custom.{previous}}}")
    _write(project / "bad/serverless.yml", _serverless("\n".join(lines) + "\n"))


def deep_flow(project: Path, outside: Path) -> None:
    _write(project / "bad/template.yaml",
           CFN_HEAD + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
           "      Tags: " + "[" * 50_000 + "]" * 50_000 + "\n")


def deep_block(project: Path, outside: Path) -> None:
    _write(project / "bad/template.yaml",
           CFN_HEAD + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata:\n"
           "      " + "- " * 50_000 + "x\n")


def huge_file(project: Path, outside: Path) -> None:
    # 64 KB of real template text (all that discovery sniffs), then a sparse tail up
    # to 200 MB: costs no disk or time, and only a reader that ignores size sees it.
    head = CFN_HEAD + "Resources:\n" + "".join(
        f"  Bucket{n}:\n    Type: AWS::S3::Bucket\n" for n in range(2000))
    path = _write(project / "bad/template.yaml", head)
    with path.open("r+b") as handle:
        handle.truncate(200 * 1024 * 1024)


def binary_template(project: Path, outside: Path) -> Path:
    blob = bytes(range(256)) * 64
    return _write(project / "bad/template.yaml", b"AWSTemplateFormatVersion\0" + blob)


def binary_serverless(project: Path, outside: Path) -> None:
    _write(project / "bad/serverless.yml", b"\x7fELF\x02\x01\x01\0" + bytes(range(256)) * 32)


def invalid_utf8(project: Path, outside: Path) -> None:
    _write(project / "bad/template.yaml",
           CFN_HEAD.encode() + b"Resources:\n  B:\n    Type: AWS::S3::Bucket # caf\xe9\n")


def file_traversal(project: Path, outside: Path) -> None:
    _write(outside / "secret.yml", OUTSIDE_YAML)
    _write(project / "bad/serverless.yml", _serverless(
        "functions:\n  leak:\n    handler: h.main\n    environment:\n"
        "      PASSWD: ${file(../../etc/passwd)}\n"
        "      ESCAPE: ${file(../../outside/secret.yml):apiKey}\n"))


def file_absolute(project: Path, outside: Path) -> None:
    _write(outside / "secret.yml", OUTSIDE_YAML)
    _write(project / "bad/serverless.yml", _serverless(
        "functions:\n  leak:\n    handler: h.main\n    environment:\n"
        "      PASSWD: ${file(/etc/passwd)}\n"
        f"      ABSOLUTE: ${{file({outside / 'secret.yml'}):apiKey}}\n"))


def symlink_template(project: Path, outside: Path) -> None:
    target = _write(outside / "template.yaml", GOOD.replace("Orders:", "Outside:"))
    (project / "bad").mkdir(parents=True)
    (project / "bad/template.yaml").symlink_to(target)


def symlink_file_variable(project: Path, outside: Path) -> None:
    _write(outside / "secret.yml", OUTSIDE_YAML)
    (project / "bad").mkdir(parents=True)
    (project / "bad/conf").symlink_to(outside, target_is_directory=True)
    _write(project / "bad/serverless.yml", _serverless(
        "functions:\n  leak:\n    handler: h.main\n    environment:\n"
        "      API_KEY: ${file(./conf/secret.yml):apiKey}\n"))


def cyclic_variables(project: Path, outside: Path) -> None:
    _write(project / "bad/serverless.yml", _serverless(
        "custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n"
        "functions:\n  loop:\n    handler: h.main\n    environment:\n"
        "      LOOP: ${self:custom.a}\n"))


def resources_list(project: Path, outside: Path) -> None:
    _write(project / "bad/template.yaml",
           CFN_HEAD + "Resources:\n  - Type: AWS::S3::Bucket\n  - Type: AWS::SQS::Queue\n")


def null_serverless(project: Path, outside: Path) -> None:
    _write(project / "bad/serverless.yml", "# nothing here yet\n~\n")


def null_template(project: Path, outside: Path) -> Path:
    return _write(project / "bad/template.yaml", "---\nnull\n---\n~\n")


def duplicate_keys(project: Path, outside: Path) -> None:
    _write(project / "bad/template.yaml",
           CFN_HEAD + "Transform: AWS::Serverless-2016-10-31\nResources:\n  Export:\n"
           "    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
           "      Handler: app.handler\n      CodeUri: src/\n      FunctionUrlConfig:\n"
           "        AuthType: AWS_IAM\n        AuthType: NONE\n")


def empty_serverless(project: Path, outside: Path) -> None:
    _write(project / "bad/serverless.yml", "")


def empty_template(project: Path, outside: Path) -> Path:
    return _write(project / "bad/template.yaml", "")


def _lines(*numbers: int) -> frozenset[int]:
    return frozenset(numbers)


CASES = [
    Case("malformed-yaml", malformed_yaml, "bad/serverless.yml", _lines(6),
         r"mapping values|not allowed|invalid|syntax", True),
    Case("malformed-json", malformed_json, "bad/template.json", _lines(5, 6),
         r"expected|invalid|syntax|delimiter", True),
    Case("alias-bomb", alias_bomb, "bad/serverless.yml", None, r"alias|expand", True),
    Case("deep-nesting-flow", deep_flow, "bad/template.yaml", None, r"nest|deep", True),
    Case("deep-nesting-block", deep_block, "bad/template.yaml", None, r"nest|deep", True),
    Case("huge-file", huge_file, "bad/template.yaml", None, r"\bMB\b.*limit|too large", True),
    Case("binary-template", binary_template, "bad/template.yaml", None, r"binary", True),
    Case("binary-serverless", binary_serverless, "bad/serverless.yml", None, r"binary", True),
    Case("invalid-utf8", invalid_utf8, "bad/template.yaml", _lines(4), r"UTF-8", True),
    Case("file-traversal", file_traversal, "bad/serverless.yml", _lines(10, 11),
         r"outside|root|not allowed|refus", False),
    Case("file-absolute", file_absolute, "bad/serverless.yml", _lines(10, 11),
         r"outside|root|absolute|not allowed|refus", False),
    Case("symlink-template", symlink_template, "bad/template.yaml", None,
         r"symlink|outside", True),
    Case("symlink-file-variable", symlink_file_variable, "bad/serverless.yml", _lines(10),
         r"outside|root|symlink|not allowed|refus", False),
    Case("cyclic-variables", cyclic_variables, "bad/serverless.yml", _lines(7, 8, 13),
         r"cycl|circular|recurs|loop", False),
    Case("resources-list", resources_list, "bad/template.yaml", _lines(2, 3),
         r"Resources", None),
    Case("null-serverless", null_serverless, "bad/serverless.yml", None,
         r"empty|null|no (content|document|service)|expected a mapping|nothing", None),
    Case("null-template", null_template, "bad/template.yaml", None,
         r"empty|null|no (content|document|resources)|nothing|not a CloudFormation template",
         None),
    Case("duplicate-keys", duplicate_keys, "bad/template.yaml", _lines(12),
         r"duplicate", False),
    Case("empty-serverless", empty_serverless, "bad/serverless.yml", None,
         r"empty|no (content|document|service)|expected a mapping|nothing", None),
    Case("empty-template", empty_template, "bad/template.yaml", None,
         r"empty|no (content|document|resources)|nothing|not a CloudFormation template", None),
]

# Cases whose bad file yields no app at all: alone, they must exit 0 (no findings).
NO_APP = [c for c in CASES if c.unreadable]


# --- helpers --------------------------------------------------------------------------------


def _project(tmp_path: Path, case: Case) -> tuple[Path, list[Path]]:
    project = tmp_path / "project"
    _write(project / "good/template.yaml", GOOD)
    explicit = case.build(project, tmp_path / "outside")
    return project, [project / "good", explicit or project / "bad"]


def _scan(project: Path, paths: list[Path]) -> ScanResult:
    return scan(paths, LoadOptions(root=project), Config())


def _cli(project: Path, paths: list[Path], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "faasguard", "scan", *[str(p.relative_to(project)) for p in paths],
         "--no-progress", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False)


def _matching(diagnostics: list[tuple[str, str, int | None]], case: Case) -> list[Any]:
    """Diagnostics (level, message, line) about the case's file that say what the case needs."""
    words = re.compile(case.words, re.I)
    return [d for d in diagnostics if words.search(d[1])
            and (case.lines is None or d[2] in case.lines)]


def _good_findings(findings: list[tuple[str, str]]) -> list[str]:
    return [rule for rule, file in findings if file == "good/template.yaml"]


def _assert_never_leaked(text: str) -> None:
    assert OUTSIDE_SECRET not in text
    assert "root:x:0:0" not in text


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_engine_reports_bad_input_and_goes_on(tmp_path: Path, case: Case) -> None:
    project, paths = _project(tmp_path, case)
    _scan(project, [project / "good"])  # warm caches (rule data) so the peak below is ours
    tracemalloc.start()
    try:
        result = _scan(project, paths)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    about = [(d.level, d.message, d.loc.line) for d in result.diagnostics
             if d.loc.file == case.file]
    assert _matching(about, case), f"no clear message for {case.file}: {about}"
    assert _good_findings([(f.rule_id, f.location.file) for f in result.findings]), \
        "the good template beside the bad one was not scanned"
    assert not [d for d in result.diagnostics
                if d.level == "error" and d.loc.file.startswith("good/")]
    if case.unreadable is not None:
        assert result.files_failed == (1 if case.unreadable else 0)
    # Nothing from outside the root, and no huge file, was ever read into memory.
    assert peak < 64 * 1024 * 1024, f"peak memory {peak / 1e6:.0f} MB"
    _assert_never_leaked(repr(result.findings) + repr(result.diagnostics) + repr(result.apps))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_reports_bad_input_and_goes_on(tmp_path: Path, case: Case) -> None:
    project, paths = _project(tmp_path, case)

    run = _cli(project, paths, "--format", "json")
    assert "Traceback" not in run.stderr + run.stdout
    assert run.returncode == 1, run.stderr  # the good template has findings
    report = json.loads(run.stdout)
    about = [(d["level"], d["message"], d["location"]["line"]) for d in report["diagnostics"]
             if d["location"]["file"] == case.file]
    assert _matching(about, case), f"no clear message for {case.file}: {about}"
    assert _good_findings([(f["rule_id"], f["location"]["file"]) for f in report["findings"]])
    if case.unreadable is not None:
        assert report["scan"]["files_failed"] == (1 if case.unreadable else 0)
    _assert_never_leaked(run.stdout + run.stderr)

    text = _cli(project, paths)
    assert "Traceback" not in text.stderr + text.stdout
    assert text.returncode == 1, text.stderr
    shown = text.stdout + text.stderr
    assert case.file in shown
    if case.lines is not None:
        assert any(f"{case.file}:{line}" in shown for line in case.lines), shown
    if case.unreadable:
        assert "1 file could not be read" in shown
    _assert_never_leaked(shown)


def test_cli_bad_files_alone_exit_zero(tmp_path: Path) -> None:
    """Unreadable files are not findings: alone, they never fail the scan (0, not 2)."""
    for index, case in enumerate(NO_APP):
        project = tmp_path / f"p{index}"
        explicit = case.build(project, tmp_path / f"outside{index}")
        run = _cli(project, [explicit or project / "bad"], "--format", "json")
        assert "Traceback" not in run.stderr + run.stdout, case.id
        assert run.returncode == 0, f"{case.id}: exit {run.returncode}: {run.stderr}"
        report = json.loads(run.stdout)
        assert report["findings"] == [], case.id
        assert report["scan"]["files_failed"] == 1, case.id


def test_all_bad_files_in_one_scan(tmp_path: Path) -> None:
    """Every unreadable case side by side in one tree: each named, each counted."""
    project = tmp_path / "project"
    _write(project / "good/template.yaml", GOOD)
    paths = [project / "good"]
    expected = []
    for index, case in enumerate(c for c in NO_APP if c.build is not symlink_template):
        sub = tmp_path / f"case{index}"
        explicit = case.build(sub, tmp_path / f"outside{index}")
        target = project / f"case{index}"
        (sub / "bad").rename(target)
        paths.append(target / Path(explicit).name if explicit else target)
        expected.append(case.file.replace("bad/", f"case{index}/"))
    result = _scan(project, paths)
    failed = {d.loc.file for d in result.diagnostics if d.level == "error"}
    assert failed == set(expected)
    assert result.files_failed == len(expected)
    assert _good_findings([(f.rule_id, f.location.file) for f in result.findings])


CONFINED = [c for c in CASES if c.build in (file_traversal, file_absolute, symlink_template,
                                            symlink_file_variable)]


@pytest.mark.parametrize("case", CONFINED, ids=[c.id for c in CONFINED])
def test_nothing_outside_the_root_is_opened(tmp_path: Path, case: Case,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Not even to sniff or hash it: a symlink or ``${file()}`` out of the tree is
    refused by its path, before any byte of the target is read."""
    project, paths = _project(tmp_path, case)
    outside = (tmp_path / "outside").resolve()
    opened: list[Path] = []
    real_open = io.open

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike):
            opened.append(Path(os.fspath(file)).resolve())
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr(builtins, "open", spy)
    _scan(project, paths)
    monkeypatch.undo()
    escaped = [p for p in opened if p.is_relative_to(outside) or p == Path("/etc/passwd")]
    assert not escaped, f"read outside the scan root: {escaped}"


def _many_resources(count: int) -> str:
    out = [CFN_HEAD, "Resources:\n"]
    for index in range(count):
        if index % 2:
            out.append(f"  Queue{index}:\n    Type: AWS::SQS::Queue\n"
                       f"    Properties:\n      VisibilityTimeout: {30 + index % 60}\n")
        else:
            out.append(f"  Bucket{index}:\n    Type: AWS::S3::Bucket\n"
                       f"    Properties:\n      BucketName: bucket-{index}\n")
    return "".join(out)


def test_ten_thousand_resources_complete(tmp_path: Path) -> None:
    project = tmp_path / "project"
    _write(project / "big/template.yaml", _many_resources(10_000))
    result = _scan(project, [project])
    assert result.files_failed == 0
    assert [len(app.resources) for app in result.apps] == [10_000]
    assert not [d for d in result.diagnostics if d.level == "error"]

    run = _cli(project, [project / "big"], "--format", "json")
    assert "Traceback" not in run.stderr
    assert run.returncode in (0, 1)
    assert json.loads(run.stdout)["apps"][0]["resources"] == 10_000
