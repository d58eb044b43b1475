"""The fast indented writer gives exactly what ``json.dumps(indent=2)`` gives."""

from __future__ import annotations

import json
import math
from enum import IntEnum, StrEnum
from typing import Any

import pytest

from faasguard.engine import ScanResult
from faasguard.formats import RenderOptions
from faasguard.formats.json import document
from faasguard.formats.jsontext import dumps_indented


class Level(StrEnum):
    HIGH = "high"


class Rank(IntEnum):
    TOP = 3


def _deep(levels: int) -> Any:
    value: Any = "deep"
    for _ in range(levels):
        value = [value]
    return value


VALUES: list[Any] = [
    None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, math.inf, -math.inf,
    "", "plain", 'quote " backslash \\ slash /', "tab\tnewline\ncr\r\x00\x1f\x7f",
    "ünïcødé ✓ \U0001d518 \u2028\u2029 \ud800", Level.HIGH, Rank.TOP,
    [], {}, [[]], [{}], {"a": []}, {"a": {}}, (1, "two", None),
    {"k": [1, [2, [3, {"deep": {"er": [True, False, None]}}]]], "e": "", "n": 0},
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key", "s": 1},
    [{"x": 1}, {"y": [1, 2]}, "s", [], {}],
    {"nested": _deep(70)},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_same_text_as_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_nan_as_json_dumps() -> None:
    assert dumps_indented([math.nan]) == json.dumps([math.nan], indent=2)


@pytest.mark.parametrize("value", [{"k": object()}, [b"bytes"], {(1, 2): "tuple key"}, {1, 2}])
def test_rejects_what_json_rejects(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, indent=2)
    with pytest.raises(TypeError):
        dumps_indented(value)


def test_same_text_for_a_whole_report(result: ScanResult) -> None:
    for options in (RenderOptions(), RenderOptions(fail_on=None, show_suppressed=True)):
        data = document(result, options)
        assert data["findings"], "the fixture scan should have findings"
        assert dumps_indented(data) == json.dumps(data, indent=2, ensure_ascii=False)
