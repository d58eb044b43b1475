"""The ``needs`` hints of the known formats: the detector skips a pattern when the text
holds none of its hints, so a hint must be present in every text the pattern matches."""

from __future__ import annotations

import re

import pytest

from faasguard.secrets import _find_formats, tables
from test_secrets_detector import POSITIVES

FORMATS = tables().formats


def test_every_format_has_hints() -> None:
    assert all(fmt.needs for fmt in FORMATS)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.folds],
                         ids=lambda f: f.kind)
def test_case_insensitive_hints_survive_case_folding(fmt) -> None:  # type: ignore[no-untyped-def]
    # re.IGNORECASE matches some letters to others outside ASCII (s and U+017F): every
    # character the pattern would take for a hint's letter must fold to that letter.
    for letter in {c for need in fmt.needs for c in need}:
        same = re.compile(re.escape(letter), re.IGNORECASE)
        for code in range(0x3400):
            char = chr(code)
            if same.fullmatch(char):
                assert char.casefold() == letter, (fmt.kind, hex(code))


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.kind)
def test_hints_found_wherever_the_pattern_matches(fmt) -> None:  # type: ignore[no-untyped-def]
    samples = [value for _, value, _, _ in POSITIVES if isinstance(value, str)]
    matched = [text for text in samples if fmt.regex.search(text)]
    assert matched, f"no sample for {fmt.kind}"
    for text in matched:
        assert fmt.may_match(text, text.casefold()), text


def test_text_without_hints_is_not_searched() -> None:
    plain = "Function OrdersFunction allows s3:GetObject on arn:aws:s3:::orders/*"
    assert _find_formats(plain) == []
    assert not any(fmt.may_match(plain, plain.casefold()) for fmt in FORMATS
                   if fmt.kind not in ("twilio-api-key",))


def test_quick_answer_agrees_with_the_formats() -> None:
    data = tables()
    assert data.needles is not None
    samples = [value for _, value, _, _ in POSITIVES if isinstance(value, str)]
    samples += ["plain words", "TASK_QUEUE", "user@example.com", "Pwd=x;", "PASSWORD=1;"]
    for text in samples:
        per_format = any(f.may_match(text, text.casefold()) for f in data.formats)
        assert data.may_hold_a_format(text) == per_format, text
