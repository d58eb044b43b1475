from __future__ import annotations

import pytest

from faasguard.loaders.yamlsafe import (
    Limits,
    LineDict,
    LineList,
    YamlLimitError,
    YamlSyntaxError,
    line_of,
    load_yaml,
)


def test_lines_of_keys_and_items() -> None:
    doc = load_yaml("a: 1\nb:\n  - x\n  - y\nc:\n  d: 2\n")[0]
    assert isinstance(doc, LineDict)
    assert doc.key_lines == {"a": 1, "b": 2, "c": 5}
    assert isinstance(doc["b"], LineList)
    assert doc["b"].item_lines == [3, 4]
    assert line_of(doc["c"], "d") == 6


def test_json_gets_lines_too() -> None:
    doc = load_yaml('{\n  "Resources": {\n    "Fn": {"Type": "AWS::Lambda::Function"}\n  }\n}')[0]
    assert doc["Resources"].line_of("Fn") == 3


def test_cloudformation_short_tags_become_long_forms() -> None:
    doc = load_yaml(
        "a: !Ref X\nb: !GetAtt R.Arn\nc: !Sub 'arn:${AWS::Partition}'\n"
        "d: !If [Cond, 1, 2]\ne: !GetAtt [R, Arn]\nf: !Condition C\n")[0]
    assert doc["a"] == {"Ref": "X"}
    assert doc["b"] == {"Fn::GetAtt": ["R", "Arn"]}
    assert doc["c"] == {"Fn::Sub": "arn:${AWS::Partition}"}
    assert doc["d"] == {"Fn::If": ["Cond", 1, 2]}
    assert doc["e"] == {"Fn::GetAtt": ["R", "Arn"]}
    assert doc["f"] == {"Condition": "C"}


def test_scalar_types_follow_yaml_1_1_but_quoted_stay_text() -> None:
    doc = load_yaml("a: yes\nb: '1'\nc: 1.5\nd: ~\ne: 0x10\nf: 2024-01-01\n")[0]
    assert doc == {"a": True, "b": "1", "c": 1.5, "d": None, "e": 16, "f": "2024-01-01"}


def test_anchors_aliases_and_merge_keys() -> None:
    doc = load_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nref: *b\n")[0]
    assert doc["use"] == {"x": 1, "y": 3}
    assert doc["ref"] == {"x": 1, "y": 2}


def test_multiple_documents() -> None:
    assert load_yaml("a: 1\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]


def test_alias_bomb_is_refused_before_it_expands() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(YamlLimitError, match="alias bomb"):
        load_yaml("\n".join(lines))


def test_deep_flow_nesting_is_refused_quickly() -> None:
    with pytest.raises(YamlLimitError, match="nesting"):
        load_yaml("[" * 50_000 + "]" * 50_000)


def test_deep_block_nesting_is_refused() -> None:
    text = "".join(f"{' ' * i}k{i}:\n" for i in range(300)) + " " * 300 + "v: 1\n"
    with pytest.raises(YamlLimitError, match="nesting") as info:
        load_yaml(text)
    assert info.value.line and info.value.line > 200


def test_size_limit() -> None:
    with pytest.raises(YamlLimitError, match="larger"):
        load_yaml("a: " + "x" * 200, Limits(max_bytes=100))


def test_syntax_error_names_the_line() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert info.value.line == 3


def test_unknown_tags_do_not_construct_objects() -> None:
    doc = load_yaml("a: !!python/object/apply:os.system ['echo hi']\nb: !Custom 5\n")[0]
    assert doc["a"] == ["echo hi"]
    assert doc["b"] == "5"  # an unknown local tag keeps the text as written
