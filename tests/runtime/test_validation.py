from __future__ import annotations

import sys

import pytest

from faasguard.runtime.validation import (
    SchemaError,
    ValidationFailed,
    check_depth,
    compile_schema,
    json_equal,
    parse_json,
    unsupported,
)

# (schema, valid values, invalid values): every keyword of the built-in subset.
CASES: list[tuple[object, list[object], list[object]]] = [
    ({"type": "string"}, ["", "a"], [1, None, [], {}, True]),
    ({"type": "integer"}, [0, -3, 2.0, 10**30], [1.5, "1", True, None]),
    ({"type": "number"}, [0, 1.5, -2], ["1", True, None]),
    ({"type": "boolean"}, [True, False], [0, 1, "true", None]),
    ({"type": "null"}, [None], [0, "", False]),
    ({"type": "object"}, [{}, {"a": 1}], [[], "x", None]),
    ({"type": "array"}, [[], [1]], [{}, "x", (1,)]),
    ({"type": ["string", "null"]}, ["a", None], [1, []]),
    ({"enum": ["a", 1, None, [1]]}, ["a", 1, 1.0, None, [1]], ["b", True, [True], 2]),
    ({"const": 1}, [1, 1.0], [True, "1", 2]),
    ({"const": False}, [False], [0, None]),
    ({"const": {"a": [1]}}, [{"a": [1]}], [{"a": [True]}, {"a": [1], "b": 1}]),
    ({"minLength": 2, "maxLength": 3}, ["ab", "abc", "éé", 5], ["a", "abcd"]),
    ({"minItems": 1, "maxItems": 2}, [[1], [1, 2], "x"], [[], [1, 2, 3]]),
    ({"minimum": 1, "maximum": 3}, [1, 3, 2.5, "x"], [0, 3.01]),
    ({"exclusiveMinimum": 1, "exclusiveMaximum": 3}, [1.5, 2], [1, 3]),
    ({"multipleOf": 0.5}, [1, 1.5, 0], [1.25]),
    ({"multipleOf": 3}, [9, -3], [10]),
    ({"pattern": "^[a-z]+$"}, ["abc", 5], ["abc1", "ABC"]),
    ({"pattern": "b"}, ["abc"], ["acd"]),  # search, not full match
    ({"format": "email"}, ["a.b+c@example.co.uk", 3], ["a@b", "no-at.example.com", "a@-b.com",
                                                       "a b@c.io"]),
    ({"format": "uuid"}, ["123e4567-e89b-12d3-a456-426614174000"],
     ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g"]),
    ({"format": "date-time"}, ["2026-11-29T12:00:00Z", "2026-11-29t12:00:00.123456789+02:00"],
     ["2026-11-29T12:00:00", "2026-13-01T00:00:00Z", "2026-11-29 25:00:00Z", "yesterday"]),
    ({"format": "date"}, ["2024-02-29"], ["2023-02-29", "2024-2-1"]),
    ({"format": "ipv4"}, ["192.0.2.1"], ["256.0.0.1", "1.2.3"]),
    ({"format": "ipv6"}, ["2001:db8::1"], ["2001:db8::g", "192.0.2.1"]),
    ({"properties": {"a": {"type": "integer"}}}, [{}, {"a": 1}, {"b": "x"}, 7], [{"a": "1"}]),
    ({"required": ["a", "b"]}, [{"a": 1, "b": None}, []], [{"a": 1}, {}]),
    ({"properties": {"a": {}}, "additionalProperties": False}, [{"a": 1}, {}], [{"b": 1}]),
    ({"additionalProperties": {"type": "string"}}, [{"a": "x"}], [{"a": 1}]),
    ({"items": {"type": "integer"}}, [[], [1, 2]], [[1, "2"]]),
    ({"items": False}, [[]], [[1]]),
    ({"allOf": [{"type": "integer"}, {"minimum": 2}]}, [2], [1, "2"]),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, ["a", 1], [1.5, None]),
    ({"oneOf": [{"type": "integer"}, {"minimum": 2}]}, [1, 2.5], [3, 0.5]),
    (True, [1, None, {}], []),
    (False, [], [1, None, {}]),
    ({"title": "annotations only", "description": "x", "$comment": "y"}, [1, "a"], []),
]


@pytest.mark.parametrize(("schema", "good", "bad"), CASES,
                         ids=[str(c[0])[:40] for c in CASES])
def test_builtin_keywords(schema: object, good: list[object], bad: list[object]) -> None:
    validator = compile_schema(schema, engine="builtin")
    assert validator.engine == "builtin"
    for value in good:
        assert validator.validate(value) is value
    for value in bad:
        with pytest.raises(ValidationFailed):
            validator.validate(value)


@pytest.mark.parametrize(("schema", "good", "bad"), CASES,
                         ids=[str(c[0])[:40] for c in CASES])
def test_builtin_agrees_with_jsonschema(schema: object, good: list[object],
                                        bad: list[object]) -> None:
    """Differential check: the same verdicts as the reference implementation."""
    jsonschema = pytest.importorskip("jsonschema")
    cls = jsonschema.validators.validator_for(schema if isinstance(schema, dict) else {})
    reference = cls(schema, format_checker=cls.FORMAT_CHECKER)
    for value in good:
        if isinstance(value, tuple):
            continue
        assert reference.is_valid(value), (schema, value)
    for value in bad:
        if isinstance(value, tuple) or _format_gap(schema, value):
            continue
        assert not reference.is_valid(value), (schema, value)


def _format_gap(schema: object, value: object) -> bool:
    # jsonschema's own format checkers accept a few of these (its email check is only
    # "contains @"; date-time needs an optional package): ours are stricter.
    return isinstance(schema, dict) and "format" in schema


def test_failure_names_path_and_keyword_not_value() -> None:
    schema = {"properties": {"items": {"items": {"properties": {"qty": {"minimum": 1}}}}}}
    validator = compile_schema(schema)
    with pytest.raises(ValidationFailed) as info:
        validator.validate({"items": [{"qty": 1}, {"qty": -987654}]})
    assert info.value.path == "$.items[1].qty"
    assert info.value.keyword == "minimum"
    assert "987654" not in str(info.value)


def test_additional_property_path() -> None:
    validator = compile_schema({"properties": {}, "additionalProperties": False})
    with pytest.raises(ValidationFailed) as info:
        validator.validate({"is_admin": True})
    assert info.value.path == "$.is_admin" and info.value.keyword == "additionalProperties"


def test_json_equal() -> None:
    assert json_equal(1, 1.0) and not json_equal(True, 1) and not json_equal(0, False)
    assert json_equal({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]})
    assert not json_equal([1], [1, 1]) and not json_equal("1", 1)


@pytest.mark.parametrize("schema", [
    {"type": "strin"}, {"type": []}, {"minLength": -1}, {"maxItems": 1.5}, {"minimum": "1"},
    {"pattern": "("}, {"pattern": 5}, {"required": "a"}, {"properties": []},
    {"enum": []}, {"anyOf": []}, {"multipleOf": 0}, {"items": 5},
])
def test_bad_schemas_are_refused_at_compile_time(schema: object) -> None:
    with pytest.raises(SchemaError):
        compile_schema(schema, engine="builtin")


def test_not_a_schema_at_all() -> None:
    with pytest.raises(SchemaError):
        compile_schema(["type", "object"])
    with pytest.raises(SchemaError):
        compile_schema({}, engine="fast")


WIDE = {"type": "object", "properties": {"tags": {"type": "array", "uniqueItems": True}},
        "patternProperties": {"^x-": {"type": "string"}}, "$defs": {"a": {"type": "string"}},
        "not": {"required": ["admin"]}}


def test_unsupported_lists_what_is_outside_the_subset() -> None:
    assert unsupported(WIDE) == {"uniqueItems", "patternProperties", "$defs", "not"}
    assert unsupported({"format": "hostname"}) == {"format 'hostname'"}
    assert unsupported({"items": [{"type": "string"}]}) == {"items (array form)"}
    assert unsupported({"exclusiveMinimum": True}) == {"exclusiveMinimum (draft-4 boolean form)"}
    assert unsupported(CASES[0][0]) == set()


def test_wider_schemas_fall_back_to_jsonschema() -> None:
    pytest.importorskip("jsonschema")
    validator = compile_schema(WIDE)
    assert validator.engine == "jsonschema"
    assert validator.validate({"tags": [1, 2], "x-a": "s"}) == {"tags": [1, 2], "x-a": "s"}
    with pytest.raises(ValidationFailed) as info:
        validator.validate({"tags": ["secret-value", "secret-value"]})
    assert info.value.keyword == "uniqueItems" and info.value.path == "$.tags"
    assert "secret-value" not in str(info.value)
    with pytest.raises(ValidationFailed):
        validator.validate({"admin": 1})


def test_invalid_wide_schema_is_refused_by_jsonschema() -> None:
    pytest.importorskip("jsonschema")
    with pytest.raises(SchemaError):
        compile_schema({"uniqueItems": "yes"})


def test_wider_schema_without_jsonschema_is_refused_clearly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # import now fails
    with pytest.raises(SchemaError, match=r"faasguard-runtime\[jsonschema\]") as info:
        compile_schema(WIDE)
    assert "uniqueItems" in str(info.value)
    assert compile_schema({"type": "object"}).engine == "builtin"  # subset still works
    with pytest.raises(SchemaError):
        compile_schema({"uniqueItems": True}, engine="builtin")


def test_pydantic_model() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Order(pydantic.BaseModel):
        item: str
        qty: int = pydantic.Field(ge=1)

    validator = compile_schema(Order)
    assert validator.engine == "pydantic"
    order = validator.validate({"item": "pen", "qty": 2})
    assert isinstance(order, Order) and order.qty == 2
    with pytest.raises(ValidationFailed) as info:
        validator.validate({"item": "pen", "qty": -55555})
    assert info.value.path == "$.qty"
    assert "55555" not in str(info.value)


# --- JSON text limits -----------------------------------------------------------------


def test_parse_json_limits() -> None:
    assert parse_json('{"a": [1, 2]}') == {"a": [1, 2]}
    assert parse_json(b'[1]') == [1]
    for text, keyword in [("{", "json"), ("NaN", "json"), ('{"a": Infinity}', "json"),
                          ("[" * 40 + "]" * 40, "maxDepth"), ("", "json"), ("1" * 5000, "json"),
                          ("[" * 100_000 + "]" * 100_000, "maxDepth")]:
        with pytest.raises(ValidationFailed) as info:
            parse_json(text, max_depth=32)
        assert info.value.keyword == keyword, text[:20]
    assert parse_json("[" * 32 + "]" * 32, max_depth=32) is not None
    with pytest.raises(ValidationFailed):
        parse_json("[1]", max_size=2)


def test_brackets_inside_strings_do_not_trip_the_depth_limit() -> None:
    assert parse_json('{"a": "' + "[" * 100 + '"}', max_depth=2) == {"a": "[" * 100}


def test_check_depth() -> None:
    check_depth({"a": [{"b": 1}]}, 3)
    with pytest.raises(ValidationFailed):
        check_depth({"a": [{"b": {}}]}, 3)
    check_depth("scalar", 1)
