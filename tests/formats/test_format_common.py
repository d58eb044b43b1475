"""What every format shares: the secret-masking defence, evidence as data, order."""

from __future__ import annotations

import dataclasses
import importlib
import re

import pytest

from faasguard.engine import ScanResult
from faasguard.formats import RenderOptions, clean, order, plain
from faasguard.model import Ref, Unresolved

ALL = ("text", "json", "sarif", "junit", "markdown", "html")
SECRET = "ghp_Z3kq8VwL1xNp5RtY7uBc2MdF9sHj4AeG6iKo"  # an invented GitHub token
MASKED = "ghp_****(40 chars)"


@pytest.mark.parametrize("name", ALL)
def test_every_format_masks_what_slipped_through(name: str, result: ScanResult) -> None:
    leaky = dataclasses.replace(result.findings[1], message=f"key {SECRET} in env",
                                evidence={"value": SECRET}, suppressed=f"inline: {SECRET}")
    result.findings[1] = leaky
    result.diagnostics[0] = dataclasses.replace(result.diagnostics[0],
                                                message=f"bad value {SECRET}")
    module = importlib.import_module(f"faasguard.formats.{name}")
    out = module.render(result, RenderOptions(show_suppressed=True))
    assert SECRET not in out
    assert MASKED in re.sub(r"\\([*_()])", r"\1", out)  # markdown escapes these


def test_clean_masks_known_key_formats() -> None:
    assert "AKIAZ7Q3XK5VN2LPD4RT" not in clean("key AKIAZ7Q3XK5VN2LPD4RT here")


def test_clean_replaces_control_and_bidi_characters() -> None:
    assert clean("a\x1b[31mb\x07c\u202ed\x9b") == "a\ufffd[31mb\ufffdc\ufffdd\ufffd"
    assert clean("tab\tand\nnewline") == "tab\tand\nnewline"


def test_plain_turns_evidence_into_json_data() -> None:
    data = {"ref": Ref("Bucket", "Arn"), "gone": Unresolved("${ssm:/x}", "remote"),
            "nested": {"k": [SECRET, 1, None, True]}, "set": {"b", "a"}, "n": 1.5}
    assert plain(data) == {"ref": "Bucket.Arn", "gone": "<unresolved ${ssm:/x}>",
                           "nested": {"k": [MASKED, 1, None, True]},
                           "set": ["a", "b"], "n": 1.5}


def test_order_is_most_severe_first_then_place(result: ScanResult) -> None:
    ranked = [(f.severity.value, f.rule_id) for f in order(result.findings)]
    assert ranked[0] == ("critical", "FG-API-900")
    assert [s for s, _ in ranked] == ["critical", "high", "high", "medium", "low", "info"]
    assert ranked[1:3] == [("high", "FG-SEC-900"), ("high", "FG-TST-001")]  # by file
