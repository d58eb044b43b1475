"""Input validation: JSON bodies with size and depth limits, JSON Schema or pydantic.

`compile_schema(schema)` runs once, at decoration time, and returns a `Validator`:

- a JSON Schema dict using only the common keywords is compiled into plain Python
  checks (no dependency): type, properties, required, additionalProperties, items,
  enum, const, minLength/maxLength, minItems/maxItems, minimum/maximum,
  exclusiveMinimum/exclusiveMaximum, multipleOf, pattern, format (email, uuid,
  date-time, date, ipv4, ipv6), anyOf/oneOf/allOf, and boolean schemas;
- a schema with any other keyword (or format) needs the `jsonschema` package
  (`pip install faasguard-runtime[jsonschema]`); without it `compile_schema` refuses
  the schema at once, naming the keywords, rather than skip checks silently;
- a pydantic (v2) model class validates with `model_validate` and the handler gets the
  model instance.

Failures raise `ValidationFailed` with a JSON path and the keyword that failed; never
the offending value, which may be a secret and would end up in logs.
"""

from __future__ import annotations

import json
import math

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the name)
if TYPE_CHECKING:
    from collections.abc import Callable

    Check = Callable[[object], None]

# Keywords the built-in validator implements, and those it may ignore (annotations).
BUILTIN_KEYWORDS = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "enum", "const",
    "minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "pattern", "format", "anyOf",
    "oneOf", "allOf",
})
ANNOTATIONS = frozenset({
    "$schema", "$id", "$comment", "title", "description", "default", "examples",
    "deprecated", "readOnly", "writeOnly", "contentMediaType", "contentEncoding",
})
BUILTIN_FORMATS = frozenset({"email", "uuid", "date-time", "date", "ipv4", "ipv6"})
_TYPES = frozenset({"string", "integer", "number", "boolean", "null", "object", "array"})


class SchemaError(ValueError):
    """The schema itself is wrong or needs a validator that is not installed. Raised at
    decoration time, never per call."""


class ValidationFailed(Exception):
    """A value does not match. `path` is a JSON path ("$.items[2].qty"), `keyword` the
    schema keyword (or limit) that failed. Neither contains the value."""

    def __init__(self, keyword: str, message: str, path: list[object] | None = None) -> None:
        super().__init__(message)
        self.keyword = keyword
        self.message = message
        self.parts: list[object] = path or []

    @property
    def path(self) -> str:
        out = "$"
        for part in self.parts:
            out += f"[{part}]" if isinstance(part, int) else f".{part}"
        return out

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.keyword})"


# ----------------------------------------------------------------------------------
# JSON text: size and depth limits


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


# One decoder for every call: json.loads with any option builds a new one each time.
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def parse_json(text: str | bytes, *, max_depth: int | None = 32,
               max_size: int | None = None) -> object:
    """Parse JSON text within the limits; raise `ValidationFailed` otherwise.

    Refuses NaN/Infinity (not JSON) and nesting deeper than `max_depth`. The depth walk
    runs only when the text has more brackets than `max_depth`, so flat bodies cost
    nothing beyond `json.loads`.
    """
    if max_size is not None and len(text) > max_size:
        raise ValidationFailed("maxSize", f"body larger than {max_size}")
    try:
        if isinstance(text, str):
            value = _DECODER.decode(text)
        else:
            value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise ValidationFailed("maxDepth", "body nested too deeply to parse") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError, bad UTF-8, huge integers
        where = f" at char {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ValidationFailed("json", f"malformed JSON{where}") from None
    if max_depth is not None:
        brackets = text.count("[") + text.count("{") if isinstance(text, str) else \
            text.count(b"[") + text.count(b"{")
        if brackets > max_depth:
            check_depth(value, max_depth)
    return value


def check_depth(value: object, max_depth: int) -> None:
    """Raise `ValidationFailed` when containers nest deeper than `max_depth` (iterative,
    so it cannot itself overflow the stack)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item  # type: ignore[assignment]
        else:
            continue
        if depth > max_depth:
            raise ValidationFailed("maxDepth", f"nested deeper than {max_depth}")
        for child in children:
            if isinstance(child, dict | list | tuple):
                stack.append((child, depth + 1))


# ----------------------------------------------------------------------------------
# The validator


class Validator:
    """A compiled schema. `validate(value)` returns the value to give the handler
    (the value itself, or the pydantic model instance) or raises `ValidationFailed`."""

    __slots__ = ("_check", "_model", "engine", "schema")

    def __init__(self, schema: object, engine: str, check: Check | None = None,
                 model: object = None) -> None:
        self.schema = schema
        self.engine = engine
        """"builtin", "jsonschema" or "pydantic"."""
        self._check = check
        self._model = model

    def validate(self, value: object) -> object:
        if self._check is not None:
            self._check(value)
            return value
        return _pydantic_validate(self._model, value)

    def __repr__(self) -> str:
        return f"Validator(engine={self.engine!r})"


def compile_schema(schema: object, *, engine: str = "auto") -> Validator:
    """Compile a JSON Schema dict (or boolean) or a pydantic model class, once.

    `engine`: "auto" (built-in when the schema stays in its subset, else jsonschema),
    "builtin" (refuse anything outside the subset) or "jsonschema".
    """
    if isinstance(schema, type) and hasattr(schema, "model_validate"):
        return Validator(schema, "pydantic", model=schema)
    if not isinstance(schema, dict | bool):
        raise SchemaError(f"schema must be a JSON Schema dict or a pydantic model class, "
                          f"not {type(schema).__name__}")
    if engine not in ("auto", "builtin", "jsonschema"):
        raise SchemaError(f"unknown engine {engine!r}")
    outside = sorted(unsupported(schema))
    if engine == "jsonschema" or (engine == "auto" and outside):
        return _compile_jsonschema(schema, outside)
    if outside:
        raise SchemaError(f"the built-in validator does not support {', '.join(outside)}")
    return Validator(schema, "builtin", check=_compile(schema, "#"))


def unsupported(schema: object, found: set[str] | None = None) -> set[str]:
    """Keywords (and `format:` values) in `schema` outside the built-in subset."""
    found = set() if found is None else found
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ANNOTATIONS:
                continue
            if key not in BUILTIN_KEYWORDS:
                found.add(key)
            elif key == "properties" and isinstance(value, dict):
                for sub in value.values():
                    unsupported(sub, found)
            elif key in ("items", "additionalProperties"):
                if isinstance(value, list):  # draft-4 tuple form
                    found.add(f"{key} (array form)")
                else:
                    unsupported(value, found)
            elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
                for sub in value:
                    unsupported(sub, found)
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                found.add(f"{key} (draft-4 boolean form)")
            elif key == "format" and value not in BUILTIN_FORMATS:
                found.add(f"format {value!r}")
    return found


def _compile_jsonschema(schema: object, outside: list[str]) -> Validator:
    try:
        import jsonschema
    except ImportError:
        raise SchemaError(
            f"this schema uses {', '.join(outside) or 'keywords'} beyond the built-in "
            "validator; install the full one: pip install 'faasguard-runtime[jsonschema]'"
        ) from None
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise SchemaError(f"invalid schema at {'/'.join(map(str, exc.path))}: "
                          f"{exc.message}") from None
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)

    def check(value: object) -> None:
        error = next(validator.iter_errors(value), None)
        if error is not None:
            # error.message quotes the value: keep only where and which keyword
            raise ValidationFailed(str(error.validator), f"failed {error.validator}",
                                   list(error.absolute_path))

    return Validator(schema, "jsonschema", check=check)


def _pydantic_validate(model: object, value: object) -> object:
    import pydantic
    try:
        return model.model_validate(value)  # type: ignore[attr-defined]
    except pydantic.ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        raise ValidationFailed(str(first.get("type", "pydantic")), str(first.get("msg", "")),
                               list(first.get("loc", ()))) from None


# ----------------------------------------------------------------------------------
# The built-in subset: each schema becomes a list of closures, run in order.


def _is_int(v: object) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v.is_integer())


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_TYPE_TESTS: dict[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_int,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def json_equal(a: object, b: object) -> bool:
    """Equality as JSON Schema defines it: true is not 1, 1 equals 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _need(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise SchemaError(f"{where}: {message}")


def _non_negative_int(value: object, where: str, key: str) -> int:
    _need(_is_int(value) and value >= 0, where, f"{key} must be a non-negative integer")  # type: ignore[operator]
    return int(value)  # type: ignore[call-overload]


def _number(value: object, where: str, key: str) -> float:
    _need(_is_number(value), where, f"{key} must be a number")
    return value  # type: ignore[return-value]


def _compile(schema: object, where: str) -> Check:
    if schema is True:
        return _accept
    if schema is False:
        return _reject_all
    _need(isinstance(schema, dict), where, "a schema must be an object or a boolean")
    assert isinstance(schema, dict)
    checks: list[Check] = []
    if "type" in schema:
        checks.append(_type_check(schema["type"], where))
    if "enum" in schema:
        options = schema["enum"]
        _need(isinstance(options, list) and len(options) > 0, where, "enum must be a non-empty array")
        checks.append(_enum_check(options))
    if "const" in schema:
        checks.append(_const_check(schema["const"]))
    checks.extend(_string_checks(schema, where))
    checks.extend(_number_checks(schema, where))
    checks.extend(_array_checks(schema, where))
    checks.extend(_object_checks(schema, where))
    checks.extend(_combinators(schema, where))
    if not checks:
        return _accept
    if len(checks) == 1:
        return checks[0]
    run = tuple(checks)

    def check_all(value: object) -> None:
        for check in run:
            check(value)

    return check_all


def _accept(value: object) -> None:
    return None


def _reject_all(value: object) -> None:
    raise ValidationFailed("false", "no value is allowed here")


def _type_check(spec: object, where: str) -> Check:
    names = [spec] if isinstance(spec, str) else spec
    _need(isinstance(names, list) and len(names) > 0 and all(n in _TYPES for n in names),
          where, f"type must be one of {sorted(_TYPES)} or a list of them")
    assert isinstance(names, list)
    if len(names) == 1:
        test = _TYPE_TESTS[names[0]]
        expected = names[0]

        def check_type(value: object) -> None:
            if not test(value):
                raise ValidationFailed("type", f"expected {expected}")

        return check_type
    tests = tuple(_TYPE_TESTS[n] for n in names)
    expected = " or ".join(names)

    def check_types(value: object) -> None:
        for t in tests:
            if t(value):
                return
        raise ValidationFailed("type", f"expected {expected}")

    return check_types


def _enum_check(options: list[object]) -> Check:
    def check_enum(value: object) -> None:
        for option in options:
            if json_equal(value, option):
                return
        raise ValidationFailed("enum", "not one of the allowed values")

    return check_enum


def _const_check(expected: object) -> Check:
    def check_const(value: object) -> None:
        if not json_equal(value, expected):
            raise ValidationFailed("const", "not the allowed value")

    return check_const


def _string_checks(schema: dict, where: str) -> list[Check]:
    checks = _size_checks(schema, where, str, (("minLength", "shorter than {}"),
                                               ("maxLength", "longer than {}")))
    if "pattern" in schema:
        source = schema["pattern"]
        _need(isinstance(source, str), where, "pattern must be a string")
        import re
        try:
            search = re.compile(source).search
        except re.error as exc:
            raise SchemaError(f"{where}: pattern does not compile: {exc}") from None

        def pattern(value: object) -> None:
            if isinstance(value, str) and search(value) is None:
                raise ValidationFailed("pattern", "does not match the pattern")

        checks.append(pattern)
    if "format" in schema:
        name = schema["format"]
        test = _format_test(name)

        def check_format(value: object) -> None:
            if isinstance(value, str) and not test(value):
                raise ValidationFailed("format", f"not a valid {name}")

        checks.append(check_format)
    return checks


def _format_test(name: str) -> Callable[[str], bool]:
    import re
    if name == "email":
        # RFC 5321 shape without quoted local parts or IP literals: what forms accept.
        email = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@"
                           r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                           r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+").fullmatch
        return lambda v: len(v) <= 254 and email(v) is not None
    if name == "uuid":
        uuid = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                          r"[0-9a-fA-F]{12}").fullmatch
        return lambda v: uuid(v) is not None
    if name == "date":
        from datetime import date
        day = re.compile(r"\d{4}-\d{2}-\d{2}").fullmatch

        def test_date(v: str) -> bool:
            try:
                return day(v) is not None and bool(date.fromisoformat(v))
            except ValueError:
                return False

        return test_date
    if name == "date-time":
        from datetime import datetime
        # RFC 3339: the offset is required; fromisoformat then checks the ranges.
        stamp = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?"
                           r"([Zz]|[+-]\d{2}:\d{2})").fullmatch

        def test_datetime(v: str) -> bool:
            m = stamp(v)
            if m is None:
                return False
            fraction = (m[3] or "")[:6].ljust(6, "0")  # fromisoformat takes 6 digits
            offset = "+00:00" if m[4] in ("Z", "z") else m[4]
            try:
                datetime.fromisoformat(f"{m[1]}T{m[2]}.{fraction}{offset}")
            except ValueError:
                return False
            return True

        return test_datetime
    if name in ("ipv4", "ipv6"):
        import ipaddress
        kind = ipaddress.IPv4Address if name == "ipv4" else ipaddress.IPv6Address

        def test_ip(v: str) -> bool:
            try:
                kind(v)
            except ValueError:
                return False
            return "%" not in v  # no IPv6 zone ids in JSON Schema's ipv6

        return test_ip
    raise SchemaError(f"format {name!r} needs the jsonschema validator")


def _number_checks(schema: dict, where: str) -> list[Check]:
    checks: list[Check] = []
    for key, fails in (("minimum", lambda v, b: v < b), ("maximum", lambda v, b: v > b),
                       ("exclusiveMinimum", lambda v, b: v <= b),
                       ("exclusiveMaximum", lambda v, b: v >= b)):
        if key in schema:
            checks.append(_bound(key, _number(schema[key], where, key), fails))
    if "multipleOf" in schema:
        step = _number(schema["multipleOf"], where, "multipleOf")
        _need(step > 0, where, "multipleOf must be greater than 0")

        def multiple_of(value: object) -> None:
            if _is_number(value):
                quotient = value / step  # type: ignore[operator]
                if math.isinf(quotient) or not float(quotient).is_integer():
                    raise ValidationFailed("multipleOf", f"not a multiple of {step}")

        checks.append(multiple_of)
    return checks


def _bound(key: str, limit: float, fails: Callable[[float, float], bool]) -> Check:
    def check_bound(value: object) -> None:
        if _is_number(value) and fails(value, limit):  # type: ignore[arg-type]
            raise ValidationFailed(key, f"out of range ({key} {limit})")

    return check_bound


def _size_checks(schema: dict, where: str, kind: type,
                 keys: tuple[tuple[str, str], tuple[str, str]]) -> list[Check]:
    """minLength/maxLength (strings) and minItems/maxItems (arrays): the length of a
    value of ``kind`` against a bound; ``keys`` is ((min key, message), (max key,
    message)), each message with a ``{}`` for the bound."""
    checks: list[Check] = []
    for (key, message), too_short in zip(keys, (True, False), strict=True):
        if key in schema:
            checks.append(_length_bound(key, kind, _non_negative_int(schema[key], where, key),
                                        too_short, message))
    return checks


def _length_bound(key: str, kind: type, limit: int, too_short: bool, message: str) -> Check:
    text = message.format(limit)

    def check_length(value: object) -> None:
        if isinstance(value, kind):
            size = len(value)  # type: ignore[arg-type]
            if size < limit if too_short else size > limit:
                raise ValidationFailed(key, text)

    return check_length


def _array_checks(schema: dict, where: str) -> list[Check]:
    checks = _size_checks(schema, where, list, (("minItems", "fewer than {} items"),
                                                ("maxItems", "more than {} items")))
    if "items" in schema:
        item = _compile(schema["items"], f"{where}/items")

        def items(value: object) -> None:
            if isinstance(value, list):
                for index, element in enumerate(value):
                    try:
                        item(element)
                    except ValidationFailed as exc:
                        exc.parts.insert(0, index)
                        raise

        checks.append(items)
    return checks


def _object_checks(schema: dict, where: str) -> list[Check]:
    checks: list[Check] = []
    if "required" in schema:
        names = schema["required"]
        _need(isinstance(names, list) and all(isinstance(n, str) for n in names), where,
              "required must be an array of strings")
        required = tuple(names)

        def check_required(value: object) -> None:
            if isinstance(value, dict):
                for name in required:
                    if name not in value:
                        raise ValidationFailed("required", f"missing property {name!r}")

        checks.append(check_required)
    props: dict[str, Check] = {}
    if "properties" in schema:
        declared = schema["properties"]
        _need(isinstance(declared, dict), where, "properties must be an object")
        props = {name: _compile(sub, f"{where}/properties/{name}")
                 for name, sub in declared.items()}
    extra: Check | None = None
    if "additionalProperties" in schema:
        extra = _compile(schema["additionalProperties"], f"{where}/additionalProperties")
        if extra is _accept:
            extra = None
    if props or extra is not None:
        checks.append(_properties_check(props, extra))
    return checks


def _properties_check(props: dict[str, Check], extra: Check | None) -> Check:
    def check_properties(value: object) -> None:
        if not isinstance(value, dict):
            return
        for name, element in value.items():
            check = props.get(name)
            if check is None:
                if extra is None:
                    continue
                if extra is _reject_all:
                    raise ValidationFailed("additionalProperties",
                                           "property not allowed", [name])
                check = extra
            try:
                check(element)
            except ValidationFailed as exc:
                exc.parts.insert(0, name)
                raise

    return check_properties


def _combinators(schema: dict, where: str) -> list[Check]:
    checks: list[Check] = []
    for key in ("allOf", "anyOf", "oneOf"):
        if key not in schema:
            continue
        subs = schema[key]
        _need(isinstance(subs, list) and len(subs) > 0, where, f"{key} must be a non-empty array")
        compiled = tuple(_compile(s, f"{where}/{key}/{i}") for i, s in enumerate(subs))
        checks.append(_combinator(key, compiled))
    return checks


def _combinator(key: str, subs: tuple[Check, ...]) -> Check:
    if key == "allOf":
        def all_of(value: object) -> None:
            for sub in subs:
                sub(value)

        return all_of

    def count_matches(value: object, stop_at: int) -> int:
        matched = 0
        for sub in subs:
            try:
                sub(value)
            except ValidationFailed:
                continue
            matched += 1
            if matched >= stop_at:
                break
        return matched

    if key == "anyOf":
        def any_of(value: object) -> None:
            if count_matches(value, 1) == 0:
                raise ValidationFailed("anyOf", "matches none of the alternatives")

        return any_of

    def one_of(value: object) -> None:
        matched = count_matches(value, 2)
        if matched != 1:
            raise ValidationFailed("oneOf", "matches none of the alternatives" if matched == 0
                                   else "matches more than one alternative")

    return one_of
